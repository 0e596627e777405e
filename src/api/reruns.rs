//! A run's request, used again: `POST /v1/runs/{id}/rerun` starts a new run from it, linked to the
//! first by `rerun_of`; `GET /v1/runs/{id}/request?format=json|curl|python` writes it out for a
//! person to send themselves (see `reproduce`).
//!
//! Secret values were never stored, so a rerun of a task run that used secrets is given them again
//! (`{"secrets": {"name": "value"}}`, every one); stored credentials are opened again when it
//! starts, as any run's are; its files are copies of the first run's uploads.
//! A plan run is run again on the same plan version with the same parameters.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::error::{ApiError, ErrorBody, Location, Problem, optional_body};
use super::path_ids::RunPath;
use super::plan_runs::repeat_plan_run;
use super::routes::Routes;
use super::run_files::upload_contents;
use super::runs::{queue_task_run, respond_with_run};
use crate::reproduce::{self, Format, curl_command, python_script, reproducing_body};
use crate::runs::{Run, RunType};
use crate::views::{Include, RunBody};

/// The optional body of a rerun.
/// The secret values a task run used, given again (they are never stored).
#[derive(Default, Deserialize, utoipa::ToSchema)]
struct RerunRequest {
    /// The values of the secrets the run used, by name.
    secrets: Option<BTreeMap<String, Option<String>>>,
}

#[utoipa::path(
    post,
    path = "/v1/runs/{run_id}/rerun",
    tag = "runs",
    summary = "Run again",
    description = "A new run of the same request (the same plan version for a plan run); a task run's secret values are given again.",
    params(RunPath),
    request_body = Option<RerunRequest>,
    responses(
        (status = 200, description = "The new run", body = RunBody),
        (status = 404, description = "No such run", body = ErrorBody),
    ),
)]
async fn rerun(
    state: web::Data<AppState>,
    path: web::Path<RunPath>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let original = state.store.run(&path.id()?).await?;
    let given = optional_body::<RerunRequest>(&body)?.unwrap_or_default().secrets.unwrap_or_default();
    let run = match original.run_type {
        RunType::TaskV1 => {
            let request = with_secrets(&original, given)?;
            queue_task_run(&state, request, Some(&original)).await?
        }
        RunType::WorkflowRun if !given.is_empty() => {
            let reason = "a plan run takes no secrets; its credentials are the plan's";
            return Err(ApiError::invalid(Location::body_field("secrets"), Problem::Value, reason));
        }
        RunType::WorkflowRun => repeat_plan_run(&state, &original).await?,
    };
    tracing::info!(run_id = %run.id, rerun_of = %original.id, "run started again");
    Ok(HttpResponse::Ok().json(respond_with_run(&state, &run, Include::default()).await?))
}

/// The task run's request with the secret values given again; refused naming every secret the
/// run used that is not given, and any it did not use.
fn with_secrets(original: &Run, mut given: BTreeMap<String, Option<String>>) -> Result<Value, ApiError> {
    let used: Vec<&String> =
        original.request.get("secrets").and_then(Value::as_object).map(|s| s.keys().collect()).unwrap_or_default();
    given.retain(|_, value| value.is_some());
    let refused = |reason: String| ApiError::invalid(Location::body_field("secrets"), Problem::Missing, reason);
    let missing: Vec<&str> = used.iter().filter(|name| !given.contains_key(**name)).map(|name| name.as_str()).collect();
    if !missing.is_empty() {
        return Err(refused(format!(
            "run {} used secrets whose values are never stored; give them again: {}",
            original.id,
            missing.join(", ")
        )));
    }
    if let Some(unused) = given.keys().find(|name| !used.contains(name)) {
        return Err(refused(format!("run {} used no secret `{unused}`", original.id)));
    }
    let mut request = reproduce::asked_for(original);
    if let Some(fields) = request.as_object_mut().filter(|_| !given.is_empty()) {
        fields.insert("secrets".into(), json!(given));
    }
    Ok(request)
}

#[derive(Deserialize)]
struct FormatQuery {
    format: Option<String>,
}

#[utoipa::path(
    get,
    path = "/v1/runs/{run_id}/request",
    tag = "runs",
    summary = "The request that repeats a run",
    params(
        RunPath,
        ("format" = Option<String>, Query, description = "`json` (the default), `curl` or `python`"),
    ),
    responses(
        (status = 200, description = "The request body, or a command or script that sends it", body = Object),
        (status = 404, description = "No such run", body = ErrorBody),
    ),
)]
async fn run_request(
    state: web::Data<AppState>,
    path: web::Path<RunPath>,
    query: web::Query<FormatQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = match query.format.as_deref() {
        None => Format::Json,
        Some(text) => Format::parse(text).ok_or_else(|| {
            let reason = format!("must be one of {}", Format::NAMES.join(", "));
            ApiError::invalid(Location::query("format"), Problem::Enum, reason)
        })?,
    };
    let run = state.store.run(&path.id()?).await?;
    let body = reproducing_body(&run, &upload_contents(&state, &run.id).await?);
    Ok(match format {
        Format::Json => HttpResponse::Ok().json(body),
        Format::Curl => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body(curl_command(&state.links.run_endpoint(run.run_type), &body)),
        Format::Python => HttpResponse::Ok().content_type("text/x-python; charset=utf-8").body(python_script(
            &state.links.base,
            run.run_type,
            &body,
        )),
    })
}

pub(super) fn routes(routes: &mut Routes) {
    routes.add(__path_rerun, rerun).add(__path_run_request, run_request);
}
