//! Run endpoints: create, read, list, cancel, artifacts, timeline.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::AppState;
use super::error::{ApiError, ErrorBody, Location, Problem, from_body};
use super::path_ids::RunPath;
use super::query::{filter_values, moment, number_in, query_values, single_query_value, statuses};
use super::routes::Routes;
use super::run_files;
use crate::artifacts::ArtifactType;
use crate::engine::{ScriptStep, Secrets, python};
use crate::ids::{PlanId, RunId};
use crate::runs::{NewRun, Run, RunStatus, RunType, TaskRequest};
use crate::search::{SearchKey, SearchOrder};
use crate::store::{RunFilter, StoreError};
use crate::views::{
    ArtifactBody, Include, ListItemBody, RunBody, TimelineEntry, artifact_response, list_item, nested_timeline,
    run_response, storage_response, timeline_item,
};

const DEFAULT_PAGE_SIZE: u32 = 10;
const MAX_PAGE_SIZE: u32 = 100;
const MAX_BULK_CANCEL: usize = 1000;

/// The id of a run that exists (404 otherwise), for endpoints that read what belongs to it.
pub(super) async fn existing_run_id(state: &AppState, path: &RunPath) -> Result<RunId, ApiError> {
    let run_id = path.id()?;
    state.store.run(&run_id).await?;
    Ok(run_id)
}

pub(super) async fn respond_with_run(state: &AppState, run: &Run, include: Include) -> Result<Value, ApiError> {
    let artifacts = state.store.run_artifacts(&run.id, Vec::new()).await?;
    Ok(run_response(run, &artifacts, &state.links, include))
}

/// Starts a task run: an agent working towards `prompt` from `url`, or a `script` replayed by
/// the `code` engine.
#[utoipa::path(
    post,
    path = "/v1/run/tasks",
    tag = "runs",
    summary = "Run a task",
    request_body = TaskRequest,
    responses((status = 200, description = "The queued run", body = RunBody)),
)]
async fn create_task_run(state: web::Data<AppState>, body: web::Json<Value>) -> Result<HttpResponse, ApiError> {
    let run = queue_task_run(&state, body.into_inner(), None).await?;
    Ok(HttpResponse::Ok().json(respond_with_run(&state, &run, Include::default()).await?))
}

/// Checks a task run request, keeps its files as the run's uploads (for a rerun, copies of the
/// uploads of the run it repeats), stores the run and queues it with its secret values.
pub(super) async fn queue_task_run(
    state: &AppState,
    mut body: Value,
    repeating: Option<&Run>,
) -> Result<Run, ApiError> {
    state.scheduler.check_room().await?;
    let request: TaskRequest = from_body(body.clone())?;
    let secrets = Secrets::new(
        request
            .secrets
            .iter()
            .flatten()
            .map(|(name, value)| (name.clone(), value.clone().unwrap_or_default()))
            .collect(),
    );
    let files = match repeating {
        None => run_files::requested(state, &request).await?,
        Some(original) => run_files::uploads_of(state, &original.id).await?,
    };
    let spec = request.into_spec(state.scheduler.agent_available())?;
    if let Some(session) = spec.browser_session_id.as_ref().filter(|id| !state.sessions.is_open(id)) {
        let message = format!("browser session {session} is not open");
        return Err(ApiError::invalid(Location::body_field("browser_session_id"), Problem::Value, message));
    }
    if let Some(profile) = &spec.browser_profile_id {
        match state.store.profile(profile).await {
            Err(StoreError::NotFound(_)) => {
                let message = format!("browser profile {profile} does not exist");
                return Err(ApiError::invalid(Location::body_field("browser_profile_id"), Problem::Value, message));
            }
            other => other.map(drop)?,
        }
    }
    // Secret values stay in memory with the queued run, file contents become the run's uploads:
    // the stored request keeps their names, and the uploaded files it names.
    blank_values(&mut body, "secrets", |_| true);
    blank_values(&mut body, "files", |value| value.as_str().and_then(|text| state.files.referenced(text)).is_none());
    let new_run = NewRun {
        id: RunId::generate(),
        run_type: RunType::TaskV1,
        engine: spec.engine,
        title: spec.title,
        prompt: spec.prompt,
        url: spec.url,
        request: body,
        browser_session_id: spec.browser_session_id.as_ref().map(|id| id.to_string()),
        webhook_url: spec.webhook_url,
        plan: None,
        rerun_of: repeating.map(|original| original.id.clone()),
    };
    let run = run_files::store_with_files(state, new_run, files).await?;
    state.scheduler.enqueue_with_secrets(&run, secrets);
    tracing::info!(run_id = %run.id, engine = run.engine.as_str(), "run queued");
    Ok(run)
}

/// Sets to `null` the values of the object `body[field]` that `blank` picks.
fn blank_values(body: &mut Value, field: &str, blank: impl Fn(&Value) -> bool) {
    if let Some(Value::Object(entries)) = body.get_mut(field) {
        entries.values_mut().filter(|value| blank(value)).for_each(|value| *value = Value::Null);
    }
}

#[derive(Deserialize)]
struct IncludeQuery {
    include: Option<String>,
}

#[utoipa::path(
    get,
    path = "/v1/runs/{run_id}",
    tag = "runs",
    summary = "Get a run",
    params(
        RunPath,
        ("include" = Option<String>, Query, description = "A comma list of input, artifacts, screenshots, storage, storage_values"),
    ),
    responses(
        (status = 200, description = "The run", body = RunBody),
        (status = 404, description = "No such run", body = ErrorBody),
    ),
)]
async fn get_run(
    state: web::Data<AppState>,
    path: web::Path<RunPath>,
    query: web::Query<IncludeQuery>,
) -> Result<HttpResponse, ApiError> {
    let include = Include::parse(query.include.as_deref())
        .map_err(|reason| ApiError::invalid(Location::query("include"), Problem::Enum, reason))?;
    let (run, artifacts) = state.store.run_with_artifacts(&path.id()?).await?;
    let mut body = run_response(&run, &artifacts, &state.links, include);
    if include.storage {
        let storage = state.profiles.final_storage(run.id.as_str()).await?;
        body["storage"] = storage.map_or(Value::Null, |storage| storage_response(&storage, include.storage_values));
    }
    Ok(HttpResponse::Ok().json(body))
}

/// Runs, newest first; with a `search_key`, the runs the search index finds, newest or best
/// first (`sort`), each with its `matches`. Filters: `status`, `run_type`, `workflow_permanent_id`
/// (repeated or a comma list; not with `search_key`), `created_after` (inclusive) and
/// `created_before` (exclusive), each RFC 3339 or a day. The body is a bare array, as Skyvern's;
/// the number of all matches is in the `x-total-count` header.
#[utoipa::path(
    get,
    path = "/v1/runs",
    tag = "runs",
    summary = "List runs",
    params(
        ("status" = Option<Vec<RunStatus>>, Query, description = "Runs in these statuses (repeated or a comma list)"),
        ("run_type" = Option<Vec<String>>, Query, description = "Runs of these types (`task_v1`, `workflow_run`; Skyvern's other types match nothing)"),
        ("workflow_permanent_id" = Option<Vec<String>>, Query, description = "Runs of these plans (not with `search_key`)"),
        ("search_key" = Option<String>, Query, description = "Words the run's prompt, title, output, errors or timeline contain"),
        ("sort" = Option<String>, Query, description = "With `search_key`: `newest` or `relevance`"),
        ("created_after" = Option<String>, Query, description = "Created at or after this moment (RFC 3339 or a day)"),
        ("created_before" = Option<String>, Query, description = "Created before this moment (RFC 3339 or a day)"),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 1000000),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 100),
    ),
    responses((
        status = 200,
        description = "The runs, newest (or best) first",
        body = Vec<ListItemBody>,
        headers(("x-total-count" = u64, description = "How many runs match")),
    )),
)]
async fn list_runs(state: web::Data<AppState>, request: HttpRequest) -> Result<HttpResponse, ApiError> {
    let statuses = statuses(&request)?;
    let run_types = filter_values(&request, "run_type", RunType::parse, &RunType::SKYVERN_ONLY)?;
    let search_key = single_query_value(&request, "search_key")
        .map(|text| {
            SearchKey::parse(&text)
                .map_err(|e| ApiError::invalid(Location::query("search_key"), Problem::Value, e.to_string()))
        })
        .transpose()?;
    let order = match single_query_value(&request, "sort") {
        None => SearchOrder::default(),
        Some(text) => SearchOrder::parse(&text).ok_or_else(|| {
            let reason = format!("must be one of {}", SearchOrder::NAMES.join(", "));
            ApiError::invalid(Location::query("sort"), Problem::Enum, reason)
        })?,
    };
    let plan_ids = query_values(&request, "workflow_permanent_id")
        .iter()
        .map(|text| {
            PlanId::parse(text)
                .map_err(|e| ApiError::invalid(Location::query("workflow_permanent_id"), Problem::Value, e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if !plan_ids.is_empty() && search_key.is_some() {
        let reason = "cannot be combined with search_key (the search index does not know plans)";
        return Err(ApiError::invalid(Location::query("workflow_permanent_id"), Problem::Value, reason));
    }
    let filter = RunFilter {
        statuses,
        run_types: run_types.clone().unwrap_or_default(),
        plan_ids,
        request_contains: None,
        error_code: None,
        created_after: moment(&request, "created_after")?,
        created_before: moment(&request, "created_before")?,
        page: number_in(&request, "page", 1, 1..=1_000_000)?,
        page_size: number_in(&request, "page_size", DEFAULT_PAGE_SIZE, 1..=MAX_PAGE_SIZE)?,
    };
    let (items, total) = match (run_types, search_key) {
        // Only run types this appliance never produces: nothing matches.
        (None, _) => (Vec::new(), 0),
        (Some(_), None) => {
            let page = state.store.list_runs(filter).await?;
            (list_items(&state, &page.runs, |_| None).await?, page.total)
        }
        (Some(_), Some(key)) => found_runs(&state, key, filter, order).await?,
    };
    Ok(HttpResponse::Ok().insert_header(("x-total-count", total.to_string())).json(items))
}

/// The list items of `runs`, in their order, each with its plan's title (`workflow_title`, for
/// plan runs) and what `extra` adds.
async fn list_items(
    state: &AppState,
    runs: &[Run],
    extra: impl Fn(&Run) -> Option<Value>,
) -> Result<Vec<Value>, ApiError> {
    let versions = runs.iter().filter_map(|run| run.plan.as_ref().map(|plan| plan.version_id.clone())).collect();
    let titles = state.store.plan_version_titles(versions).await?;
    Ok(runs
        .iter()
        .map(|run| {
            let mut item = list_item(run);
            if let Some(plan) = &run.plan {
                item["workflow_title"] = json!(titles.get(&plan.version_id));
            }
            if let Some(matches) = extra(run) {
                item["matches"] = matches;
            }
            item
        })
        .collect())
}

/// The list items of the runs a search finds, in its order, each with its `matches`.
async fn found_runs(
    state: &AppState,
    key: SearchKey,
    filter: RunFilter,
    order: SearchOrder,
) -> Result<(Vec<Value>, u64), ApiError> {
    let found = state.search.search(key, filter, order).await?;
    let runs = state.store.runs_by_ids(found.hits.iter().map(|hit| hit.run_id.clone()).collect()).await?;
    let in_order: Vec<Run> =
        found.hits.iter().filter_map(|hit| runs.iter().find(|run| run.id == hit.run_id).cloned()).collect();
    let matches = |run: &Run| found.hits.iter().find(|hit| hit.run_id == run.id).map(|hit| json!(hit.matches));
    Ok((list_items(state, &in_order, matches).await?, found.total))
}

#[utoipa::path(
    post,
    path = "/v1/runs/{run_id}/cancel",
    tag = "runs",
    summary = "Cancel a run",
    params(RunPath),
    responses(
        (status = 200, description = "The run, canceled or canceling", body = RunBody),
        (status = 404, description = "No such run", body = ErrorBody),
        (status = 409, description = "The run already ended", body = ErrorBody),
    ),
)]
async fn cancel_run(state: web::Data<AppState>, path: web::Path<RunPath>) -> Result<HttpResponse, ApiError> {
    let run = state.scheduler.cancel(&path.id()?).await?;
    Ok(HttpResponse::Ok().json(respond_with_run(&state, &run, Include::default()).await?))
}

/// Runs to cancel at once.
#[derive(Deserialize, ToSchema)]
struct BulkCancel {
    run_ids: Vec<String>,
}

#[utoipa::path(
    post,
    path = "/v1/runs/cancel",
    tag = "runs",
    summary = "Cancel runs",
    request_body = BulkCancel,
    responses(
        (status = 200, description = "Which runs were canceled, and which were not (unknown or ended)", body = BulkCancelOutcome),
    ),
)]
async fn bulk_cancel_runs(state: web::Data<AppState>, body: web::Json<Value>) -> Result<HttpResponse, ApiError> {
    let body: BulkCancel = from_body(body.into_inner())?;
    if body.run_ids.len() > MAX_BULK_CANCEL {
        let reason = format!("at most {MAX_BULK_CANCEL} at once");
        return Err(ApiError::invalid(Location::body_field("run_ids"), Problem::Value, reason));
    }
    let (mut cancelled, mut failed) = (Vec::new(), Vec::new());
    for text in &body.run_ids {
        let outcome = match RunId::parse(text) {
            Ok(id) => state.scheduler.cancel(&id).await.map_err(ApiError::from),
            Err(_) => Err(ApiError::not_found(format!("run {text}"))),
        };
        match outcome {
            Ok(_) => cancelled.push(text.clone()),
            Err(error) if error.code == super::error::Code::Internal => return Err(error),
            Err(_) => failed.push(text.clone()),
        }
    }
    Ok(HttpResponse::Ok().json(BulkCancelOutcome { cancelled, failed }))
}

/// What `POST /v1/runs/cancel` answers.
#[derive(Serialize, ToSchema)]
struct BulkCancelOutcome {
    cancelled: Vec<String>,
    failed: Vec<String>,
}

#[utoipa::path(
    get,
    path = "/v1/runs/{run_id}/artifacts",
    tag = "artifacts",
    summary = "List a run's artifacts",
    params(
        RunPath,
        ("artifact_type" = Option<Vec<String>>, Query, description = "Artifacts of these types (repeated or a comma list)"),
    ),
    responses(
        (status = 200, description = "The run's artifacts", body = Vec<ArtifactBody>),
        (status = 404, description = "No such run", body = ErrorBody),
    ),
)]
async fn run_artifacts(
    state: web::Data<AppState>,
    path: web::Path<RunPath>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let run_id = existing_run_id(&state, &path).await?;
    let Some(types) = filter_values(&request, "artifact_type", ArtifactType::parse, &ArtifactType::SKYVERN_ONLY)?
    else {
        // Only types this appliance never keeps: nothing matches.
        return Ok(HttpResponse::Ok().json(Vec::<Value>::new()));
    };
    let artifacts = state.store.run_artifacts(&run_id, types).await?;
    let body: Vec<Value> = artifacts.iter().map(|a| artifact_response(a, &state.links)).collect();
    Ok(HttpResponse::Ok().json(body))
}

#[utoipa::path(
    get,
    path = "/v1/runs/{run_id}/timeline",
    tag = "runs",
    summary = "A run's timeline",
    description = "Thoughts, actions, hand-overs and blocks, in order; a plan run's block items nest their own.",
    params(RunPath),
    responses(
        (status = 200, description = "The timeline", body = Vec<TimelineEntry>),
        (status = 404, description = "No such run", body = ErrorBody),
    ),
)]
async fn run_timeline(state: web::Data<AppState>, path: web::Path<RunPath>) -> Result<HttpResponse, ApiError> {
    let run = state.store.run(&path.id()?).await?;
    let items = state.store.timeline(&run.id).await?;
    if run.run_type == RunType::WorkflowRun {
        let steps = state.store.run_steps(&run.id).await?;
        return Ok(HttpResponse::Ok().json(nested_timeline(&items, &steps)));
    }
    Ok(HttpResponse::Ok().json(items.iter().map(timeline_item).collect::<Vec<Value>>()))
}

/// A person's answer to a run's question (`answer` and `value` are read as `response` too).
#[derive(Deserialize, ToSchema)]
struct InteractionAnswer {
    #[serde(alias = "answer", alias = "value")]
    response: String,
}

/// A person's answer to a run waiting in `interaction_required`; the run resumes.
#[utoipa::path(
    post,
    path = "/v1/runs/{run_id}/interactions",
    tag = "runs",
    summary = "Answer a run's question",
    params(RunPath),
    request_body = InteractionAnswer,
    responses(
        (status = 200, description = "The run, resumed", body = RunBody),
        (status = 404, description = "No such run", body = ErrorBody),
        (status = 409, description = "The run is not waiting for an answer", body = ErrorBody),
    ),
)]
async fn answer_interaction(
    state: web::Data<AppState>,
    path: web::Path<RunPath>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let run_id = existing_run_id(&state, &path).await?;
    let answer: InteractionAnswer = from_body(body.into_inner())?;
    if answer.response.len() > 10_000 {
        return Err(ApiError::invalid(Location::body_field("response"), Problem::Value, "at most 10000 bytes"));
    }
    state
        .scheduler
        .answer(&run_id, answer.response)
        .map_err(|not_waiting| ApiError::new(super::error::Code::NotWaiting, not_waiting.to_string()))?;
    let run = state.store.run(&run_id).await?;
    Ok(HttpResponse::Ok().json(respond_with_run(&state, &run, Include::default()).await?))
}

/// Every model call of the run: messages sent (screenshots as artifact ids), raw answer, parsed
/// actions, tokens, cost and latency.
#[utoipa::path(
    get,
    path = "/v1/runs/{run_id}/traces",
    tag = "artifacts",
    summary = "A run's model calls",
    params(RunPath),
    responses(
        (status = 200, description = "Every model call of the run", body = Vec<Object>),
        (status = 404, description = "No such run", body = ErrorBody),
    ),
)]
async fn run_traces(state: web::Data<AppState>, path: web::Path<RunPath>) -> Result<HttpResponse, ApiError> {
    let run_id = existing_run_id(&state, &path).await?;
    Ok(HttpResponse::Ok().json(state.store.traces(&run_id).await?))
}

/// The run as a standalone Python Playwright script: the code run's script, or the script an
/// agent run left when it completed.
#[utoipa::path(
    get,
    path = "/v1/runs/{run_id}/code",
    tag = "runs",
    summary = "A run as a Playwright script",
    params(RunPath),
    responses(
        (status = 200, description = "A standalone Python Playwright script", content_type = "text/x-python", body = String),
        (status = 404, description = "No such run, or it left no script", body = ErrorBody),
    ),
)]
async fn run_code(state: web::Data<AppState>, path: web::Path<RunPath>) -> Result<HttpResponse, ApiError> {
    let run = state.store.run(&path.id()?).await?;
    let run_id = run.id.clone();
    let scripts = state.store.run_artifacts(&run_id, vec![ArtifactType::ScriptFile]).await?;
    let Some(script) = scripts.last() else {
        return Err(ApiError::not_found(format!("a script of run {run_id} (agent runs leave one when they complete)")));
    };
    let bytes = tokio::fs::read(state.artifacts.path_of(script)).await.map_err(|e| ApiError::internal(&e))?;
    let steps: Vec<ScriptStep> = serde_json::from_slice(&bytes).map_err(|e| ApiError::internal(&e))?;
    let python = python::render(run.url.as_deref(), &steps);
    Ok(HttpResponse::Ok().content_type("text/x-python; charset=utf-8").body(python))
}

pub(super) fn routes(routes: &mut Routes) {
    routes
        .add(__path_create_task_run, create_task_run)
        .add(__path_bulk_cancel_runs, bulk_cancel_runs)
        .add(__path_list_runs, list_runs)
        .add(__path_get_run, get_run)
        .add(__path_cancel_run, cancel_run)
        .add(__path_run_artifacts, run_artifacts)
        .add(__path_run_timeline, run_timeline)
        .add(__path_run_traces, run_traces)
        .add(__path_answer_interaction, answer_interaction)
        .add(__path_run_code, run_code);
}
