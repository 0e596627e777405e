//! Browser profile endpoints (Skyvern's `/v1/browser_profiles`): make one (blank, from a session,
//! from a finished run), list, read, rename, delete (204). A profile's storage is never shown.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;

use super::AppState;
use super::error::{ApiError, Code, ErrorBody, Location, Problem, from_body};
use super::path_ids::ProfilePath;
use super::query::{number_in, single_query_value};
use super::routes::Routes;
use crate::browser::BrowserStorage;
use crate::profiles::{CreateProfileRequest, InvalidProfile, ProfileError, ProfileSource, UpdateProfileRequest};
use crate::store::ProfileFilter;
use crate::views::{ProfileBody, profile_response};

const DEFAULT_PAGE_SIZE: u32 = 10;
const MAX_PAGE_SIZE: u32 = 100;

impl From<ProfileError> for ApiError {
    fn from(error: ProfileError) -> ApiError {
        match error {
            ProfileError::NameTaken(_) => ApiError::new(Code::NameTaken, error.to_string()),
            ProfileError::Vault(vault) => vault.into(),
            ProfileError::Store(store) => store.into(),
        }
    }
}

impl From<InvalidProfile> for ApiError {
    fn from(invalid: InvalidProfile) -> ApiError {
        ApiError::invalid(Location::body_field(invalid.field), Problem::Value, invalid.message)
    }
}

/// The storage a new profile starts with: none, an open session's now, or what a session or run
/// kept at its end. An unknown source is not found (404); one that kept nothing is a bad request
/// (400), as Skyvern answers a source without an archive.
async fn source_storage(state: &AppState, source: &ProfileSource) -> Result<BrowserStorage, ApiError> {
    let owner = match source {
        ProfileSource::Blank => return Ok(BrowserStorage::default()),
        ProfileSource::Session(id) => {
            state.store.session(id).await?;
            if state.sessions.is_open(id) {
                return Ok(state.sessions.storage(id).await?);
            }
            id.to_string()
        }
        ProfileSource::Run(id) => {
            state.store.run(id).await?;
            id.to_string()
        }
    };
    state.profiles.final_storage(&owner).await?.ok_or_else(|| {
        let message = match source {
            ProfileSource::Session(_) => format!(
                "browser session {owner} ended without keeping its storage: set generate_browser_profile on a \
                 session before it ends"
            ),
            _ => format!("run {owner} has no storage kept: it has not ended, or never opened a browser"),
        };
        ApiError::new(Code::BadRequest, message)
    })
}

#[utoipa::path(
    post,
    path = "/v1/browser_profiles",
    tag = "browser profiles",
    summary = "Create a browser profile",
    description = "From a browser session's or a run's final storage.",
    request_body = CreateProfileRequest,
    responses(
        (status = 200, description = "The profile", body = ProfileBody),
        (status = 400, description = "The session or run left no storage", body = ErrorBody),
        (status = 404, description = "No such browser session or run", body = ErrorBody),
        (status = 409, description = "The name is taken", body = ErrorBody),
    ),
)]
async fn create_profile(state: web::Data<AppState>, body: web::Json<Value>) -> Result<HttpResponse, ApiError> {
    let request: CreateProfileRequest = from_body(body.into_inner())?;
    let new = request.into_new_profile()?;
    let storage = source_storage(&state, &new.source).await?;
    let profile = state.profiles.create(new, &storage).await?;
    tracing::info!(browser_profile_id = %profile.id, "browser profile created");
    Ok(HttpResponse::Ok().json(profile_response(&profile)))
}

/// `page`, `page_size`, `search_key` and `include_deleted` as Skyvern reads them; every profile
/// here is made by a person, so asking for `managed=true` ones finds none.
#[utoipa::path(
    get,
    path = "/v1/browser_profiles",
    tag = "browser profiles",
    summary = "List browser profiles",
    params(
        ("include_deleted" = Option<bool>, Query),
        ("managed" = Option<bool>, Query, description = "Managed profiles (this appliance has none)"),
        ("search_key" = Option<String>, Query, description = "Profiles whose name contains this"),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 1000000),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 100),
    ),
    responses((status = 200, description = "The profiles", body = Vec<ProfileBody>)),
)]
async fn list_profiles(state: web::Data<AppState>, request: HttpRequest) -> Result<HttpResponse, ApiError> {
    if single_query_value(&request, "managed").as_deref() == Some("true") {
        return Ok(HttpResponse::Ok().json(Vec::<Value>::new()));
    }
    let include_deleted = match single_query_value(&request, "include_deleted").as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(ApiError::invalid(
                Location::query("include_deleted"),
                Problem::WrongType,
                "must be true or false",
            ));
        }
    };
    let filter = ProfileFilter {
        search: single_query_value(&request, "search_key").filter(|text| !text.is_empty()),
        include_deleted,
        page: number_in(&request, "page", 1, 1..=1_000_000)?,
        page_size: number_in(&request, "page_size", DEFAULT_PAGE_SIZE, 1..=MAX_PAGE_SIZE)?,
    };
    let profiles: Vec<Value> = state.store.list_profiles(filter).await?.iter().map(profile_response).collect();
    Ok(HttpResponse::Ok().json(profiles))
}

#[utoipa::path(
    get,
    path = "/v1/browser_profiles/{profile_id}",
    tag = "browser profiles",
    summary = "Get a browser profile",
    params(ProfilePath),
    responses(
        (status = 200, description = "The profile", body = ProfileBody),
        (status = 404, description = "No such browser profile", body = ErrorBody),
    ),
)]
async fn get_profile(state: web::Data<AppState>, path: web::Path<ProfilePath>) -> Result<HttpResponse, ApiError> {
    let profile = state.store.profile(&path.id()?).await?;
    Ok(HttpResponse::Ok().json(profile_response(&profile)))
}

#[utoipa::path(
    patch,
    path = "/v1/browser_profiles/{profile_id}",
    tag = "browser profiles",
    summary = "Rename or describe a browser profile",
    params(ProfilePath),
    request_body = UpdateProfileRequest,
    responses(
        (status = 200, description = "The profile", body = ProfileBody),
        (status = 404, description = "No such browser profile", body = ErrorBody),
        (status = 409, description = "The name is taken", body = ErrorBody),
    ),
)]
async fn update_profile(
    state: web::Data<AppState>,
    path: web::Path<ProfilePath>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let id = path.id()?;
    state.store.profile(&id).await?;
    let request: UpdateProfileRequest = from_body(body.into_inner())?;
    let profile = state.profiles.change(&id, request.into_change()?).await?;
    Ok(HttpResponse::Ok().json(profile_response(&profile)))
}

#[utoipa::path(
    delete,
    path = "/v1/browser_profiles/{profile_id}",
    tag = "browser profiles",
    summary = "Delete a browser profile",
    params(ProfilePath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such browser profile", body = ErrorBody),
    ),
)]
async fn delete_profile(state: web::Data<AppState>, path: web::Path<ProfilePath>) -> Result<HttpResponse, ApiError> {
    let id = path.id()?;
    state.store.delete_profile(&id).await?;
    tracing::info!(browser_profile_id = %id, "browser profile deleted");
    Ok(HttpResponse::NoContent().finish())
}

pub(super) fn routes(routes: &mut Routes) {
    routes
        .add(__path_create_profile, create_profile)
        .add(__path_list_profiles, list_profiles)
        .add(__path_get_profile, get_profile)
        .add(__path_update_profile, update_profile)
        .add(__path_delete_profile, delete_profile);
}
