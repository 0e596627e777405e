//! Credential endpoints (Skyvern's vault API): create (201), list, read, overwrite, delete (204),
//! codes pushed by a person or a mail relay (`/credentials/totp`), and this appliance's
//! `/credentials/{id}/totp-code`, the code a login's seed makes now. Values go in and never come
//! out: responses show only what `views::credential_json` shows, and a refused value is named by
//! its field, never quoted. Only this appliance's own vault (`vault_type` `skyvern`) is served.

use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::error::{ApiError, Code, ErrorBody, Location, Problem, secret_from_json};
use super::path_ids::CredentialPath;
use super::query::{filter_values, number_in, single_query_value};
use super::routes::Routes;
use crate::store::CredentialFilter;
use crate::vault::{CredentialType, CredentialValues, PushedCodeRequest};
use crate::views::{CredentialBody, PushedCodeBody, VAULT_TYPE, credential_json, pushed_code_json};

const DEFAULT_PAGE_SIZE: u32 = 10;
const MAX_PAGE_SIZE: u32 = 100;
/// Skyvern's limit on `search`.
const MAX_SEARCH_CHARS: usize = 200;
/// The vaults Skyvern can keep credentials in that this appliance does not have.
const OTHER_VAULTS: &[&str] = &["bitwarden", "1password", "azure_vault", "gcp", "custom"];

/// The body of a create or an update, as Skyvern's `CreateCredentialRequest`; `credential` is
/// read once its type is known.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = CreateCredentialRequest)]
struct CredentialRequest {
    name: String,
    /// `password`, `credit_card` or `secret`.
    credential_type: String,
    /// A password's `username`, `password` and optional `totp` seed; a card's `card_number`,
    /// `card_cvv`, `card_exp_month`, `card_exp_year`, `card_brand`, `card_holder_name`; a secret's
    /// `secret_value` and optional `secret_label`.
    #[schema(value_type = Object)]
    credential: Value,
    vault_type: Option<String>,
}

/// The name and the values a create or an update asks for, checked.
fn credential_request(body: Value) -> Result<(String, CredentialValues), ApiError> {
    let request: CredentialRequest = secret_from_json(body, Location::body())?;
    let kind = CredentialType::parse(&request.credential_type.to_ascii_lowercase()).ok_or_else(|| {
        ApiError::invalid(
            Location::body_field("credential_type"),
            Problem::Enum,
            "must be one of password, credit_card, secret",
        )
    })?;
    check_vault_type(request.vault_type.as_deref())?;
    let at = Location::body_field("credential");
    let values = match kind {
        CredentialType::Password => CredentialValues::Password(secret_from_json(request.credential, at.clone())?),
        CredentialType::CreditCard => CredentialValues::CreditCard(secret_from_json(request.credential, at.clone())?),
        CredentialType::Secret => CredentialValues::Secret(secret_from_json(request.credential, at.clone())?),
    };
    values.check().map_err(|invalid| ApiError::invalid(at.then(invalid.field), Problem::Value, invalid.reason))?;
    Ok((request.name, values))
}

/// Only this appliance's vault: another that Skyvern knows is refused saying so.
fn check_vault_type(vault_type: Option<&str>) -> Result<(), ApiError> {
    match vault_type {
        None | Some(VAULT_TYPE) => Ok(()),
        Some(other) if OTHER_VAULTS.contains(&other) => Err(ApiError::invalid(
            Location::body_field("vault_type"),
            Problem::Value,
            format!(
                "`{other}` vaults are not available: this appliance keeps credentials in its own vault only \
                 (vault_type `skyvern`, or leave it out)"
            ),
        )),
        Some(_) => Err(ApiError::invalid(
            Location::body_field("vault_type"),
            Problem::Enum,
            "must be one of skyvern, bitwarden, azure_vault, gcp, custom",
        )),
    }
}

#[utoipa::path(
    post,
    path = "/v1/credentials",
    tag = "credentials",
    summary = "Create a credential",
    request_body = CredentialRequest,
    responses((status = 201, description = "The credential, without its values", body = CredentialBody)),
)]
async fn create_credential(state: web::Data<AppState>, body: web::Json<Value>) -> Result<HttpResponse, ApiError> {
    let (name, values) = credential_request(body.into_inner())?;
    let credential = state.vault.create(&name, &values).await?;
    let credential_type = values.credential_type().as_str();
    tracing::info!(credential_id = %credential.id, credential_type, "credential created");
    Ok(HttpResponse::Created().json(credential_json(&credential)))
}

#[utoipa::path(
    post,
    path = "/v1/credentials/{credential_id}/update",
    tag = "credentials",
    summary = "Replace a credential",
    params(CredentialPath),
    request_body = CredentialRequest,
    responses(
        (status = 200, description = "The credential, without its values", body = CredentialBody),
        (status = 404, description = "No such credential", body = ErrorBody),
    ),
)]
async fn update_credential(
    state: web::Data<AppState>,
    path: web::Path<CredentialPath>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let id = path.id()?;
    let (name, values) = credential_request(body.into_inner())?;
    let credential = state.vault.update(&id, &name, &values).await?;
    let credential_type = values.credential_type().as_str();
    tracing::info!(credential_id = %id, credential_type, "credential overwritten");
    Ok(HttpResponse::Ok().json(credential_json(&credential)))
}

#[utoipa::path(
    get,
    path = "/v1/credentials/{credential_id}",
    tag = "credentials",
    summary = "Get a credential",
    params(CredentialPath),
    responses(
        (status = 200, description = "The credential, without its values", body = CredentialBody),
        (status = 404, description = "No such credential", body = ErrorBody),
    ),
)]
async fn get_credential(state: web::Data<AppState>, path: web::Path<CredentialPath>) -> Result<HttpResponse, ApiError> {
    let credential = state.vault.credential(&path.id()?).await?;
    Ok(HttpResponse::Ok().json(credential_json(&credential)))
}

#[utoipa::path(
    post,
    path = "/v1/credentials/{credential_id}/delete",
    tag = "credentials",
    summary = "Delete a credential",
    params(CredentialPath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such credential", body = ErrorBody),
    ),
)]
async fn delete_credential(
    state: web::Data<AppState>,
    path: web::Path<CredentialPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.id()?;
    state.vault.delete(&id).await?;
    tracing::info!(credential_id = %id, "credential deleted");
    Ok(HttpResponse::NoContent().finish())
}

/// `page`, `page_size`, `credential_type`, `search` and `vault_type` as Skyvern reads them; a
/// listing of another vault is empty.
#[utoipa::path(
    get,
    path = "/v1/credentials",
    tag = "credentials",
    summary = "List credentials",
    params(
        ("vault_type" = Option<Vec<String>>, Query, description = "Credentials in these vaults (only `skyvern` holds any)"),
        ("credential_type" = Option<String>, Query, description = "`password`, `credit_card` or `secret`"),
        ("search" = Option<String>, Query, description = "Credentials whose name contains this (at most 200 characters)"),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 1000000),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 100),
    ),
    responses((status = 200, description = "The credentials, without their values", body = Vec<CredentialBody>)),
)]
async fn list_credentials(state: web::Data<AppState>, request: HttpRequest) -> Result<HttpResponse, ApiError> {
    let ours = |text: &str| (text == VAULT_TYPE).then_some(());
    if filter_values(&request, "vault_type", ours, OTHER_VAULTS)?.is_none() {
        return Ok(HttpResponse::Ok().json(json!([])));
    }
    let credential_type = single_query_value(&request, "credential_type")
        .map(|text| {
            CredentialType::parse(&text).ok_or_else(|| {
                ApiError::invalid(
                    Location::query("credential_type"),
                    Problem::Enum,
                    "must be one of password, credit_card, secret",
                )
            })
        })
        .transpose()?;
    let search = single_query_value(&request, "search").filter(|text| !text.is_empty());
    if search.as_ref().is_some_and(|text| text.chars().count() > MAX_SEARCH_CHARS) {
        let reason = format!("must be at most {MAX_SEARCH_CHARS} characters");
        return Err(ApiError::invalid(Location::query("search"), Problem::Value, reason));
    }
    let filter = CredentialFilter {
        credential_type,
        search,
        page: number_in(&request, "page", 1, 1..=1_000_000)?,
        page_size: number_in(&request, "page_size", DEFAULT_PAGE_SIZE, 1..=MAX_PAGE_SIZE)?,
    };
    let credentials: Vec<Value> = state.vault.list(filter).await?.iter().map(credential_json).collect();
    Ok(HttpResponse::Ok().json(credentials))
}

/// A code pushed by a person or a relay: found in `content`, kept until a run takes it.
#[utoipa::path(
    post,
    path = "/v1/credentials/totp",
    tag = "credentials",
    summary = "Push a one-time code",
    request_body = PushedCodeRequest,
    responses((status = 200, description = "The code found in `content`", body = PushedCodeBody)),
)]
async fn push_totp_code(state: web::Data<AppState>, body: web::Json<Value>) -> Result<HttpResponse, ApiError> {
    let request: PushedCodeRequest = secret_from_json(body.into_inner(), Location::body())?;
    let content = request.content.clone();
    let code = request
        .into_pushed_code()
        .map_err(|invalid| ApiError::invalid(Location::body_field(invalid.field), Problem::Value, invalid.reason))?;
    state.vault.push_code(&code).await?;
    tracing::info!(totp_code_id = %code.id, totp_identifier = code.totp_identifier, "one-time code pushed");
    Ok(HttpResponse::Ok().insert_header(no_store()).json(pushed_code_json(&code, &content)))
}

/// The code a login's seed makes now: `{code, seconds_remaining}`.
#[utoipa::path(
    get,
    path = "/v1/credentials/{credential_id}/totp-code",
    tag = "credentials",
    summary = "The code a login's TOTP seed makes now",
    params(CredentialPath),
    responses(
        (status = 200, description = "The current code", body = TotpNow),
        (status = 404, description = "No such credential, or it has no TOTP seed", body = ErrorBody),
    ),
)]
async fn current_totp_code(
    state: web::Data<AppState>,
    path: web::Path<CredentialPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.id()?;
    let Some((code, seconds_remaining)) = state.vault.totp_code(&id).await? else {
        return Err(ApiError::new(
            Code::NotFound,
            format!("credential {id} has no TOTP secret; codes sent to its totp_identifier are pushed instead"),
        ));
    };
    Ok(HttpResponse::Ok().insert_header(no_store()).json(TotpNow { code, seconds_remaining }))
}

/// The code a TOTP seed makes now.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct TotpNow {
    code: String,
    seconds_remaining: u64,
}

/// A one-time code is kept by no cache.
fn no_store() -> CacheControl {
    CacheControl(vec![CacheDirective::NoStore])
}

pub(super) fn routes(routes: &mut Routes) {
    routes
        .add(__path_create_credential, create_credential)
        .add(__path_list_credentials, list_credentials)
        .add(__path_push_totp_code, push_totp_code)
        .add(__path_get_credential, get_credential)
        .add(__path_update_credential, update_credential)
        .add(__path_delete_credential, delete_credential)
        .add(__path_current_totp_code, current_totp_code);
}
