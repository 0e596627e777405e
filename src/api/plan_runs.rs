//! Plan run endpoints: run a plan (`POST /v1/run/agents`, also `/v1/run/workflows`), list plan
//! runs (all, or one plan's) as Skyvern's `WorkflowRun`s, retry a run (a new run of the same
//! version with the same parameters, linked to it by `rerun_of`), the step tree of a run
//! (`GET /v1/runs/{id}/steps`), and a reviewer's decision on a run waiting for approval (`POST /v1/runs/{id}/review`, and Skyvern's
//! `POST /v1/workflows/runs/{id}/continue`, which approves).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::error::{ApiError, Code, ErrorBody, Location, Problem, from_body};
use super::path_ids::{PlanPath, PlanRunPath, RunPath};
use super::query::{moment, number_in, single_query_value, statuses};
use super::routes::Routes;
use super::runs::{existing_run_id, respond_with_run};
use crate::ids::PlanId;
use crate::plans::{DefinitionError, PlanRunRequest, Review, ReviewDecision};
use crate::reproduce;
use crate::runs::{Run, RunStatus, RunType};
use crate::scheduler::{PlanRunError, RunOrigin};
use crate::store::RunFilter;
use crate::views::{Include, RunBody, WorkflowRunBody, step_tree, workflow_run_item};

const DEFAULT_PAGE_SIZE: u32 = 10;
const MAX_PAGE_SIZE: u32 = 100;
/// The longest reviewer's comment kept.
const MAX_COMMENT_BYTES: usize = 10_000;

impl From<PlanRunError> for ApiError {
    fn from(error: PlanRunError) -> ApiError {
        match error {
            PlanRunError::Store(store) => store.into(),
            PlanRunError::DiskLow(low) => low.into(),
            // Skyvern answers a parameter its plan cannot take with 400 and a sentence.
            PlanRunError::Invalid(DefinitionError { location, message })
                if location.first().is_some_and(|l| l == "parameters") =>
            {
                ApiError::new(Code::BadRequest, message)
            }
            PlanRunError::Invalid(invalid) => invalid.into(),
        }
    }
}

/// A run request's body, which must be an object.
pub(super) fn run_request_body(body: Value) -> Result<Value, ApiError> {
    if body.is_object() {
        Ok(body)
    } else {
        Err(ApiError::invalid(Location::body(), Problem::Value, "expected an object"))
    }
}

#[utoipa::path(
    post,
    path = "/v1/run/agents",
    tag = "agent runs",
    summary = "Run a plan",
    request_body = PlanRunRequest,
    responses(
        (status = 200, description = "The queued run", body = RunBody),
        (status = 400, description = "A parameter the plan cannot take", body = ErrorBody),
        (status = 404, description = "No such plan", body = ErrorBody),
    ),
)]
async fn run_plan(state: web::Data<AppState>, body: web::Json<Value>) -> Result<HttpResponse, ApiError> {
    let body = run_request_body(body.into_inner())?;
    let run = state.scheduler.queue_plan_run(body, None, RunOrigin::Api).await?;
    Ok(HttpResponse::Ok().json(respond_with_run(&state, &run, Include::default()).await?))
}

/// A plan run that exists (404 otherwise, and for a task run).
async fn existing_plan_run(state: &AppState, path: &PlanRunPath) -> Result<Run, ApiError> {
    let run = state.store.run(&path.id()?).await?;
    if run.run_type != RunType::WorkflowRun {
        return Err(ApiError::not_found(format!("plan run {}", run.id)));
    }
    Ok(run)
}

#[utoipa::path(
    post,
    path = "/v1/agents/runs/{workflow_run_id}/retry",
    tag = "agent runs",
    summary = "Retry a plan run",
    params(PlanRunPath),
    responses(
        (status = 200, description = "The new run", body = RunBody),
        (status = 400, description = "The run has not ended", body = ErrorBody),
        (status = 404, description = "No such plan run", body = ErrorBody),
    ),
)]
async fn retry_plan_run(state: web::Data<AppState>, path: web::Path<PlanRunPath>) -> Result<HttpResponse, ApiError> {
    let original = existing_plan_run(&state, &path).await?;
    if !original.status.is_terminal() {
        return Err(ApiError::new(Code::BadRequest, "Only terminal workflow runs can be retried"));
    }
    let run = repeat_plan_run(&state, &original).await?;
    tracing::info!(run_id = %run.id, retried = %original.id, "plan run retried");
    Ok(HttpResponse::Ok().json(respond_with_run(&state, &run, Include::default()).await?))
}

/// A new run of the plan version `original` ran, asked for as it was, linked to it.
pub(super) async fn repeat_plan_run(state: &AppState, original: &Run) -> Result<Run, ApiError> {
    let version = original.plan.as_ref().map(|plan| plan.version_id.clone());
    let body = reproduce::asked_for(original);
    Ok(state.scheduler.queue_plan_run(body, version.as_ref(), RunOrigin::Rerun(original.id.clone())).await?)
}

async fn list_plan_runs(
    state: &AppState,
    request: &HttpRequest,
    plan_id: Option<PlanId>,
) -> Result<HttpResponse, ApiError> {
    let filter = RunFilter {
        statuses: statuses(request)?,
        run_types: vec![RunType::WorkflowRun],
        plan_ids: plan_id.into_iter().collect(),
        request_contains: bounded_text(request, "search_key")?,
        error_code: bounded_text(request, "error_code")?,
        created_after: moment(request, "created_at_start")?,
        created_before: moment(request, "created_at_end")?,
        page: number_in(request, "page", 1, 1..=1_000_000)?,
        page_size: number_in(request, "page_size", DEFAULT_PAGE_SIZE, 1..=MAX_PAGE_SIZE)?,
    };
    let page = state.store.list_runs(filter).await?;
    let items: Vec<Value> = page.runs.iter().map(workflow_run_item).collect();
    Ok(HttpResponse::Ok().insert_header(("x-total-count", page.total.to_string())).json(items))
}

/// A text filter of at most 500 characters, as Skyvern bounds them.
fn bounded_text(request: &HttpRequest, key: &str) -> Result<Option<String>, ApiError> {
    match single_query_value(request, key).filter(|text| !text.is_empty()) {
        Some(text) if text.chars().count() > 500 => {
            Err(ApiError::invalid(Location::query(key), Problem::Value, "at most 500 characters"))
        }
        other => Ok(other),
    }
}

#[utoipa::path(
    get,
    path = "/v1/agents/runs",
    tag = "agent runs",
    summary = "List plan runs",
    params(
        ("status" = Option<Vec<RunStatus>>, Query, description = "Runs in these statuses"),
        ("search_key" = Option<String>, Query, description = "Text the run's request contains (at most 500 characters)"),
        ("error_code" = Option<String>, Query, description = "Runs that failed with this error code"),
        ("created_at_start" = Option<String>, Query, description = "Created at or after (RFC 3339 or a day)"),
        ("created_at_end" = Option<String>, Query, description = "Created before (RFC 3339 or a day)"),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 1000000),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 100),
    ),
    responses(
        (status = 200, description = "The plan runs, newest first", body = Vec<WorkflowRunBody>, headers(("x-total-count" = u64, description = "How many runs match"))),
    ),
)]
async fn all_plan_runs(state: web::Data<AppState>, request: HttpRequest) -> Result<HttpResponse, ApiError> {
    list_plan_runs(&state, &request, None).await
}

#[utoipa::path(
    get,
    path = "/v1/agents/{workflow_permanent_id}/runs",
    tag = "agent runs",
    summary = "List a plan's runs",
    params(
        PlanPath,
        ("status" = Option<Vec<RunStatus>>, Query, description = "Runs in these statuses"),
        ("search_key" = Option<String>, Query, description = "Text the run's request contains (at most 500 characters)"),
        ("error_code" = Option<String>, Query, description = "Runs that failed with this error code"),
        ("created_at_start" = Option<String>, Query, description = "Created at or after (RFC 3339 or a day)"),
        ("created_at_end" = Option<String>, Query, description = "Created before (RFC 3339 or a day)"),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 1000000),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 100),
    ),
    responses(
        (status = 200, description = "The plan's runs, newest first", body = Vec<WorkflowRunBody>, headers(("x-total-count" = u64, description = "How many runs match"))),
        (status = 404, description = "No such plan", body = ErrorBody),
    ),
)]
async fn runs_of_plan(
    state: web::Data<AppState>,
    path: web::Path<PlanPath>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let plan_id = path.id()?;
    state.store.plan(&plan_id, None).await?;
    list_plan_runs(&state, &request, Some(plan_id)).await
}

#[utoipa::path(
    get,
    path = "/v1/runs/{run_id}/steps",
    tag = "agent runs",
    summary = "A run's steps",
    description = "A plan run's blocks as a tree (loops with their iterations), with the run's usage.",
    params(RunPath),
    responses(
        (status = 200, description = "The steps", body = Object),
        (status = 404, description = "No such run", body = ErrorBody),
    ),
)]
async fn run_steps(state: web::Data<AppState>, path: web::Path<RunPath>) -> Result<HttpResponse, ApiError> {
    let run_id = existing_run_id(&state, &path).await?;
    let run = state.store.run(&run_id).await?;
    let steps = state.store.run_steps(&run_id).await?;
    Ok(HttpResponse::Ok().json(step_tree(&run, &steps)))
}

/// A person's decision on a run waiting for review.
#[derive(Deserialize, utoipa::ToSchema)]
struct ReviewBody {
    decision: ReviewDecision,
    comment: Option<String>,
}

/// Hands a reviewer's decision to the run's approval step; the run as it is afterwards.
async fn decide(state: &AppState, run_id: &crate::ids::RunId, review: Review) -> Result<Run, ApiError> {
    let run = state.store.run(run_id).await?;
    if run.status != RunStatus::ReviewRequired {
        let message = format!("run {run_id} is {} and waits for no review", run.status);
        return Err(ApiError::new(Code::NotWaiting, message));
    }
    state
        .scheduler
        .review(run_id, review)
        .map_err(|not_waiting| ApiError::new(Code::NotWaiting, not_waiting.to_string()))?;
    // The run leaves `review_required` as its step takes the decision.
    for _ in 0..50 {
        let run = state.store.run(run_id).await?;
        if run.status != RunStatus::ReviewRequired {
            return Ok(run);
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    Ok(state.store.run(run_id).await?)
}

#[utoipa::path(
    post,
    path = "/v1/runs/{run_id}/review",
    tag = "agent runs",
    summary = "Approve or reject a run waiting for review",
    params(RunPath),
    request_body = ReviewBody,
    responses(
        (status = 200, description = "The run, going on or terminated", body = RunBody),
        (status = 404, description = "No such run", body = ErrorBody),
        (status = 409, description = "The run waits for no review", body = ErrorBody),
    ),
)]
async fn review_run(
    state: web::Data<AppState>,
    path: web::Path<RunPath>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let run_id = existing_run_id(&state, &path).await?;
    let ReviewBody { decision, comment } = from_body(body.into_inner())?;
    if comment.as_ref().is_some_and(|c| c.len() > MAX_COMMENT_BYTES) {
        return Err(ApiError::invalid(Location::body_field("comment"), Problem::Value, "at most 10000 bytes"));
    }
    let run = decide(&state, &run_id, Review { decision, comment }).await?;
    tracing::info!(%run_id, ?decision, "run reviewed");
    Ok(HttpResponse::Ok().json(respond_with_run(&state, &run, Include::default()).await?))
}

/// Skyvern's hidden approval route: approves a run waiting for it, else 404 as Skyvern answers.
#[utoipa::path(
    post,
    path = "/v1/workflows/runs/{workflow_run_id}/continue",
    tag = "workflows",
    summary = "Approve a plan run waiting for review",
    params(PlanRunPath),
    responses(
        (status = 200, description = "Approved", body = Object),
        (status = 404, description = "No such plan run waiting for approval", body = ErrorBody),
        (status = 409, description = "The run waits for no review", body = ErrorBody),
    ),
)]
async fn continue_run(state: web::Data<AppState>, path: web::Path<PlanRunPath>) -> Result<HttpResponse, ApiError> {
    let run = existing_plan_run(&state, &path).await?;
    if run.status != RunStatus::ReviewRequired {
        return Err(ApiError::not_found(format!("Workflow run {} waiting for approval", run.id)));
    }
    decide(&state, &run.id, Review { decision: ReviewDecision::Approve, comment: None }).await?;
    Ok(HttpResponse::Ok().json(json!(null)))
}

/// Registered before the plan routes, whose `/{plan_id}` would take `runs` for an id.
pub(super) fn routes(routes: &mut Routes) {
    routes
        .also_under("/v1/run/agents", "/v1/run/workflows", |routes| {
            routes.add(__path_run_plan, run_plan);
        })
        .add(__path_run_steps, run_steps)
        .add(__path_review_run, review_run)
        .add(__path_continue_run, continue_run)
        .also_under("/v1/agents", "/v1/workflows", |routes| {
            routes
                .add(__path_all_plan_runs, all_plan_runs)
                .add(__path_retry_plan_run, retry_plan_run)
                .add(__path_runs_of_plan, runs_of_plan);
        });
}
