//! Skyvern's one-block runs (`POST /v1/run/tasks/login`, `POST /v1/run/tasks/download_files`):
//! the request becomes a plan of one block (`plans::block_runs`), saved, then run; the answer is
//! the plan run, as Skyvern's `WorkflowRunResponse`.

use actix_web::{HttpResponse, web};
use serde_json::Value;

use super::AppState;
use super::error::{ApiError, Location, Problem};
use super::runs::respond_with_run;
use crate::ids::CredentialId;
use crate::plans::{BlockRun, DefinitionError, PlanRequest, block_runs};
use crate::scheduler::RunOrigin;
use crate::store::StoreError;
use crate::vault::VaultError;
use crate::views::Include;

fn invalid(DefinitionError { location, message }: DefinitionError) -> ApiError {
    ApiError::invalid(location.into_iter().fold(Location::body(), Location::then), Problem::Value, message)
}

/// Saves the plan and queues its run.
async fn start(state: &AppState, BlockRun { plan, run }: BlockRun) -> Result<HttpResponse, ApiError> {
    let request = PlanRequest::from_request(plan).map_err(invalid)?;
    let canonical = serde_json::to_value(&request).map_err(|error| ApiError::internal(&error))?;
    let plan = state.store.create_plan(request.title.clone(), canonical).await?;
    let mut body = run;
    body.insert("agent_id".into(), Value::from(plan.plan_id.to_string()));
    let run = state.scheduler.queue_plan_run(Value::Object(body), None, RunOrigin::Api).await?;
    tracing::info!(run_id = %run.id, plan_id = %plan.plan_id, title = request.title, "one-block run queued");
    Ok(HttpResponse::Ok().json(respond_with_run(state, &run, Include::default()).await?))
}

fn object(body: Value) -> Result<Value, ApiError> {
    if body.is_object() {
        Ok(body)
    } else {
        Err(ApiError::invalid(Location::body(), Problem::Value, "expected an object"))
    }
}

async fn login(state: web::Data<AppState>, body: web::Json<Value>) -> Result<HttpResponse, ApiError> {
    let block_run = block_runs::login(object(body.into_inner())?).map_err(invalid)?;
    let credential =
        block_run.plan["workflow_definition"]["parameters"][0]["credential_id"].as_str().unwrap_or_default();
    let unknown =
        |message: String| ApiError::invalid(Location::body().then("credential_id".to_owned()), Problem::Value, message);
    let id = CredentialId::parse(credential).map_err(|error| unknown(error.to_string()))?;
    match state.vault.credential(&id).await {
        Ok(_) => {}
        Err(VaultError::Store(StoreError::NotFound(_))) => {
            return Err(unknown(format!("credential {id} does not exist")));
        }
        Err(error) => return Err(error.into()),
    }
    start(&state, block_run).await
}

async fn download_files(state: web::Data<AppState>, body: web::Json<Value>) -> Result<HttpResponse, ApiError> {
    let block_run = block_runs::download_files(object(body.into_inner())?).map_err(invalid)?;
    start(&state, block_run).await
}

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .service(web::resource("/run/tasks/login").post(login))
        .service(web::resource("/run/tasks/download_files").post(download_files));
}
