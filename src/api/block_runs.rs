//! Skyvern's one-block runs (`POST /v1/run/tasks/login`, `POST /v1/run/tasks/download_files`):
//! the request becomes a plan of one block (`plans::block_runs`), saved, then run; the answer is
//! the plan run, as Skyvern's `WorkflowRunResponse`.

use actix_web::{HttpResponse, web};
use serde_json::Value;

use super::AppState;
use super::agents::save_new_plan;
use super::error::{ApiError, Location, Problem};
use super::plan_runs::run_request_body;
use super::routes::Routes;
use super::runs::respond_with_run;
use crate::plans::{BlockRun, DownloadFilesRequest, LoginRequest, block_runs};
use crate::scheduler::RunOrigin;
use crate::store::StoreError;
use crate::vault::VaultError;
use crate::views::{Include, RunBody};

/// Saves the plan and queues its run; nothing is saved while the disk has no room for a run.
async fn start(state: &AppState, BlockRun { plan, run, .. }: BlockRun) -> Result<HttpResponse, ApiError> {
    state.scheduler.check_room().await?;
    let plan = save_new_plan(state, plan).await?;
    let mut body = run;
    body.insert("agent_id".into(), Value::from(plan.plan_id.to_string()));
    let run = state.scheduler.queue_plan_run(Value::Object(body), None, RunOrigin::Api).await?;
    tracing::info!(run_id = %run.id, plan_id = %plan.plan_id, "one-block run queued");
    Ok(HttpResponse::Ok().json(respond_with_run(state, &run, Include::default()).await?))
}

#[utoipa::path(
    post,
    path = "/v1/run/tasks/login",
    tag = "agent runs",
    summary = "Log in (a run of one login block)",
    request_body = LoginRequest,
    responses((status = 200, description = "The queued run", body = RunBody)),
)]
async fn login(state: web::Data<AppState>, body: web::Json<Value>) -> Result<HttpResponse, ApiError> {
    let block_run = block_runs::login(run_request_body(body.into_inner())?)?;
    if let Some(id) = &block_run.credential {
        match state.vault.credential(id).await {
            Ok(_) => {}
            Err(VaultError::Store(StoreError::NotFound(_))) => {
                let message = format!("credential {id} does not exist");
                return Err(ApiError::invalid(Location::body_field("credential_id"), Problem::Value, message));
            }
            Err(error) => return Err(error.into()),
        }
    }
    start(&state, block_run).await
}

#[utoipa::path(
    post,
    path = "/v1/run/tasks/download_files",
    tag = "agent runs",
    summary = "Download files (a run of one download block)",
    request_body = DownloadFilesRequest,
    responses((status = 200, description = "The queued run", body = RunBody)),
)]
async fn download_files(state: web::Data<AppState>, body: web::Json<Value>) -> Result<HttpResponse, ApiError> {
    let block_run = block_runs::download_files(run_request_body(body.into_inner())?)?;
    start(&state, block_run).await
}

pub(super) fn routes(routes: &mut Routes) {
    routes.add(__path_login, login).add(__path_download_files, download_files);
}
