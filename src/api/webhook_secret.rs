//! The webhook signing secret over HTTP (`/v1/webhook_secret`): show it, rotate it. The same
//! functions as `skyvern webhook-secret` (`crate::webhooks::secrets`).

use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

use super::AppState;
use super::error::{ApiError, Code, ErrorBody};
use super::routes::Routes;
use crate::webhooks::secrets::{self, ActiveSecret, RotateError};

/// The newest secret, whether the configuration sets it, and the older ones still signing in
/// the overlap after a rotation (oldest first), each with the moment it stops.
fn secrets_json(active: &[ActiveSecret], configured: bool) -> Value {
    let (newest, older) = match active.split_last() {
        Some((newest, older)) => (Some(newest.secret.expose()), older),
        None => (None, &[][..]),
    };
    let older: Vec<Value> = older
        .iter()
        .map(|secret| json!({ "secret": secret.secret.expose(), "signs_until": secret.signs_until }))
        .collect();
    json!({ "secret": newest, "configured": configured, "older": older })
}

#[utoipa::path(
    get,
    path = "/v1/webhook_secret",
    tag = "appliance",
    summary = "The webhook signing secret",
    responses(
        (status = 200, description = "The newest secret, whether the configuration sets it, and older ones still signing", body = Object),
    ),
)]
async fn show_secret(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let config = state.webhooks.config();
    let active = secrets::current(&state.store, config).await?;
    Ok(HttpResponse::Ok().json(secrets_json(&active, secrets::is_configured(config))))
}

/// A new secret; the one it replaces keeps signing for `webhooks.rotation_overlap_hours`.
#[utoipa::path(
    post,
    path = "/v1/webhook_secret/rotate",
    tag = "appliance",
    summary = "Rotate the webhook signing secret",
    responses(
        (status = 200, description = "The new secret and the older ones still signing", body = Object),
        (status = 409, description = "The configuration sets the secret", body = ErrorBody),
    ),
)]
async fn rotate_secret(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let config = state.webhooks.config();
    match secrets::rotate_if_not_configured(&state.store, config).await {
        Ok(active) => {
            tracing::info!("webhook signing secret rotated over the API");
            Ok(HttpResponse::Ok().json(secrets_json(&active, false)))
        }
        Err(configured @ RotateError::Configured) => Err(ApiError::new(Code::SecretConfigured, configured.to_string())),
        Err(RotateError::Store(store)) => Err(store.into()),
    }
}

pub(super) fn routes(routes: &mut Routes) {
    routes.add(__path_show_secret, show_secret).add(__path_rotate_secret, rotate_secret);
}
