//! API keys over HTTP (`/v1/api_keys`): list, create (the key is in the answer this once) and
//! revoke, through the same functions as `skyvern api-key` (`crate::auth`). A listing never
//! holds a key or its hash, only its first characters.
//!
//! Revoking the key the caller is using is allowed: its next request is refused, and UI sessions
//! opened with it end. The UI warns before; the API does not second-guess (see `crate::auth`).

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::error::{ApiError, Code, ErrorBody, Location, Problem, from_body};
use super::routes::Routes;
use crate::auth::{self, RevokeError};
use crate::ids::ApiKeyId;
use crate::store::ApiKeyRecord;

fn key_json(record: &ApiKeyRecord) -> Value {
    json!({
        "id": record.id,
        "name": record.name,
        "prefix": record.key_prefix,
        "created_at": record.created_at,
        "revoked_at": record.revoked_at,
    })
}

#[utoipa::path(
    get,
    path = "/v1/api_keys",
    tag = "appliance",
    summary = "List API keys",
    responses((status = 200, description = "Every key's record (never the key)", body = Vec<Object>)),
)]
async fn list_keys(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let keys = state.store.api_keys().await?;
    Ok(HttpResponse::Ok().json(keys.iter().map(key_json).collect::<Vec<Value>>()))
}

/// A new key's name.
#[derive(Deserialize, utoipa::ToSchema)]
struct NewKey {
    name: String,
}

/// A new key: 201 with the key itself in `api_key`, shown only now, beside its record.
#[utoipa::path(
    post,
    path = "/v1/api_keys",
    tag = "appliance",
    summary = "Create an API key",
    request_body = NewKey,
    responses((status = 201, description = "The record, with the key in `api_key`, shown only now", body = Object)),
)]
async fn create_key(state: web::Data<AppState>, body: web::Json<Value>) -> Result<HttpResponse, ApiError> {
    let request: NewKey = from_body(body.into_inner())?;
    let name = auth::key_name(&request.name)
        .map_err(|invalid| ApiError::invalid(Location::body_field("name"), Problem::Value, invalid.to_string()))?;
    let (key, record) = auth::create_key(&state.store, &name).await?;
    tracing::info!(key_id = %record.id, "API key created over the API");
    let mut body = key_json(&record);
    body["api_key"] = json!(key);
    Ok(HttpResponse::Created().json(body))
}

#[utoipa::path(
    post,
    path = "/v1/api_keys/{key_id}/revoke",
    tag = "appliance",
    summary = "Revoke an API key",
    params(("key_id" = String, Path, description = "The key's id")),
    responses(
        (status = 200, description = "The revoked key's record", body = Object),
        (status = 404, description = "No such key", body = ErrorBody),
        (status = 409, description = "Already revoked", body = ErrorBody),
    ),
)]
async fn revoke_key(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let not_found = || ApiError::not_found(format!("API key {}", path.chars().take(64).collect::<String>()));
    let id = ApiKeyId::parse(&path).map_err(|_| not_found())?;
    match auth::revoke_key(&state.store, &id).await {
        Ok(record) => {
            tracing::info!(key_id = %record.id, "API key revoked over the API");
            Ok(HttpResponse::Ok().json(key_json(&record)))
        }
        Err(RevokeError::NotFound(_)) => Err(not_found()),
        Err(already @ RevokeError::AlreadyRevoked(_)) => Err(ApiError::new(Code::AlreadyRevoked, already.to_string())),
        Err(RevokeError::Store(store)) => Err(store.into()),
    }
}

pub(super) fn routes(routes: &mut Routes) {
    routes.add(__path_list_keys, list_keys).add(__path_create_key, create_key).add(__path_revoke_key, revoke_key);
}
