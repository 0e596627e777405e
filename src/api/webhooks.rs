//! A run's webhooks: its deliveries with every attempt, and Skyvern's replay
//! (`POST /v1/runs/{run_id}/retry_webhook`), which posts the run as it is now, once, at once.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::error::{ApiError, ErrorBody, Location, Problem, optional_body};
use super::path_ids::RunPath;
use super::routes::Routes;
use super::runs::existing_run_id;
use crate::webhooks::{Replay, ReplayError};

/// Skyvern's `RetryRunWebhookRequest`: where to send it, instead of the run's own target.
#[derive(Deserialize, utoipa::ToSchema)]
struct RetryRunWebhookRequest {
    webhook_url: Option<String>,
}

/// The run's deliveries, oldest first, each with its attempts.
#[utoipa::path(
    get,
    path = "/v1/runs/{run_id}/webhooks",
    tag = "webhooks",
    summary = "A run's webhook deliveries",
    params(RunPath),
    responses(
        (status = 200, description = "Its deliveries, oldest first, each with its `attempts`", body = Vec<Object>),
        (status = 404, description = "No such run", body = ErrorBody),
    ),
)]
async fn run_webhooks(state: web::Data<AppState>, path: web::Path<RunPath>) -> Result<HttpResponse, ApiError> {
    let run_id = existing_run_id(&state, &path).await?;
    let deliveries: Vec<Value> = state
        .store
        .run_webhook_deliveries(&run_id)
        .await?
        .into_iter()
        .map(|(delivery, attempts)| {
            let mut body = json!(delivery);
            body["attempts"] = json!(attempts);
            body
        })
        .collect();
    Ok(HttpResponse::Ok().json(deliveries))
}

/// The optional body: absent, empty, `null`, or `{"webhook_url": …}`.
fn replay_target(body: &[u8]) -> Result<Option<String>, ApiError> {
    let Some(request) = optional_body::<RetryRunWebhookRequest>(body)? else { return Ok(None) };
    if let Some(url) = &request.webhook_url {
        crate::runs::webhook_url(url)
            .map_err(|reason| ApiError::invalid(Location::body_field("webhook_url"), Problem::Value, reason))?;
    }
    Ok(request.webhook_url)
}

#[utoipa::path(
    post,
    path = "/v1/runs/{run_id}/retry_webhook",
    tag = "webhooks",
    summary = "Send a run's webhook again",
    params(RunPath),
    request_body = Option<RetryRunWebhookRequest>,
    responses(
        (status = 200, description = "What was sent and answered", body = Replay),
        (status = 404, description = "No such run", body = ErrorBody),
    ),
)]
async fn retry_webhook(
    state: web::Data<AppState>,
    path: web::Path<RunPath>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let run = state.store.run(&path.id()?).await?;
    let target = replay_target(&body)?;
    let replay = state.webhooks.replay(&run, target).await.map_err(|error| match error {
        ReplayError::NoTarget => {
            ApiError::invalid(Location::body_field("webhook_url"), Problem::Missing, ReplayError::NoTarget.to_string())
        }
        ReplayError::Store(store) => store.into(),
    })?;
    Ok(HttpResponse::Ok().json(replay))
}

pub(super) fn routes(routes: &mut Routes) {
    routes.add(__path_run_webhooks, run_webhooks).add(__path_retry_webhook, retry_webhook);
}
