//! Browser session endpoints (Skyvern's persistent browser sessions): open one (from a browser
//! profile if asked), list the open ones, read one, close it, give it more time, say whether it
//! keeps its storage when it ends; its recordings and its runs' downloads. Runs name a session
//! with `browser_session_id`. Its live view is in `live`, its CDP endpoint in `cdp`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::Value;

use super::AppState;
use super::artifacts::served_file;
use super::error::{ApiError, Code, ErrorBody, Location, Problem, from_body, optional_body};
use super::path_ids::{SessionPath, found};
use super::routes::Routes;
use crate::ids::{ArtifactId, SessionId};
use crate::sessions::{Session, SessionError, SessionRequest};
use crate::views::{FileInfo, SessionBody, SessionState, downloaded_files, session_response};

impl From<SessionError> for ApiError {
    fn from(error: SessionError) -> ApiError {
        match error {
            SessionError::Store(store) => store.into(),
            SessionError::Profile(profile) => profile.into(),
            SessionError::NotOpen(id) => {
                ApiError::new(Code::SessionClosed, format!("browser session {id} is not open"))
            }
            SessionError::NoSlot(_) => ApiError::new(Code::NoBrowserSlot, error.to_string()),
            SessionError::Unreachable(_) => {
                ApiError::invalid(Location::body_field("url"), Problem::Value, error.to_string())
            }
            SessionError::Browser(browser) => ApiError::internal(&browser),
        }
    }
}

async fn respond(state: &AppState, session: &Session, warning: Option<&str>) -> Result<Value, ApiError> {
    let current = state.sessions.current_run(&session.id);
    let recordings = state.store.session_recordings(&session.id).await?;
    let downloads = state.store.session_downloads(&session.id).await?;
    let cdp_token = state.sessions.cdp_token(&session.id);
    let now = SessionState {
        current_run: current.as_ref(),
        recordings: &recordings,
        downloads: &downloads,
        cdp_token: cdp_token.as_deref(),
    };
    Ok(session_response(session, &now, &state.links, warning))
}

#[utoipa::path(
    post,
    path = "/v1/browser_sessions",
    tag = "browser sessions",
    summary = "Open a browser session",
    request_body = Option<SessionRequest>,
    responses(
        (status = 200, description = "The open session", body = SessionBody),
        (status = 404, description = "No such browser profile to start from", body = ErrorBody),
        (status = 429, description = "No browser slot is free", body = ErrorBody),
    ),
)]
async fn open_session(state: web::Data<AppState>, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    // Every field may be left out, and so may the body.
    let request: SessionRequest = optional_body(&body)?.unwrap_or_default();
    let spec = request
        .into_spec()
        .map_err(|invalid| ApiError::invalid(Location::body_field(invalid.field), Problem::Value, invalid.message))?;
    let session = state.sessions.open(&spec).await?;
    Ok(HttpResponse::Ok().json(respond(&state, &session, spec.warning.as_deref()).await?))
}

#[utoipa::path(
    get,
    path = "/v1/browser_sessions",
    tag = "browser sessions",
    summary = "List open browser sessions",
    responses((status = 200, description = "The open sessions", body = Vec<SessionBody>)),
)]
async fn list_sessions(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let mut sessions = Vec::new();
    for session in state.store.open_sessions().await? {
        sessions.push(respond(&state, &session, None).await?);
    }
    Ok(HttpResponse::Ok().json(sessions))
}

#[utoipa::path(
    get,
    path = "/v1/browser_sessions/{browser_session_id}",
    tag = "browser sessions",
    summary = "Get a browser session",
    params(SessionPath),
    responses(
        (status = 200, description = "The session", body = SessionBody),
        (status = 404, description = "No such browser session", body = ErrorBody),
    ),
)]
async fn get_session(state: web::Data<AppState>, path: web::Path<SessionPath>) -> Result<HttpResponse, ApiError> {
    let session = state.store.session(&path.id()?).await?;
    Ok(HttpResponse::Ok().json(respond(&state, &session, None).await?))
}

#[utoipa::path(
    post,
    path = "/v1/browser_sessions/{browser_session_id}/close",
    tag = "browser sessions",
    summary = "Close a browser session",
    params(SessionPath),
    responses(
        (status = 200, description = "The closed session", body = SessionBody),
        (status = 404, description = "No such browser session", body = ErrorBody),
    ),
)]
async fn close_session(state: web::Data<AppState>, path: web::Path<SessionPath>) -> Result<HttpResponse, ApiError> {
    let id = path.id()?;
    state.store.session(&id).await?;
    let session = state.sessions.close(&id).await?;
    tracing::info!(session_id = %id, "browser session closed");
    Ok(HttpResponse::Ok().json(respond(&state, &session, None).await?))
}

/// Skyvern's `UpdateBrowserSessionRequest`.
/// Whether the session's storage becomes a browser profile when it ends.
#[derive(Deserialize, utoipa::ToSchema)]
struct SessionUpdate {
    generate_browser_profile: bool,
}

#[utoipa::path(
    patch,
    path = "/v1/browser_sessions/{browser_session_id}",
    tag = "browser sessions",
    summary = "Keep a session's storage as a profile when it ends",
    params(SessionPath),
    request_body = SessionUpdate,
    responses(
        (status = 200, description = "The session", body = SessionBody),
        (status = 404, description = "No such browser session", body = ErrorBody),
        (status = 409, description = "The session has ended", body = ErrorBody),
    ),
)]
async fn update_session(
    state: web::Data<AppState>,
    path: web::Path<SessionPath>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let id = path.id()?;
    state.store.session(&id).await?;
    let SessionUpdate { generate_browser_profile } = from_body(body.into_inner())?;
    let session = state.sessions.keep_storage_at_end(&id, generate_browser_profile).await?;
    Ok(HttpResponse::Ok().json(respond(&state, &session, None).await?))
}

/// Minutes to add to a session's timeout (`minutes` is read too).
#[derive(Deserialize, utoipa::ToSchema)]
struct Extension {
    /// As the SDK sends it.
    #[serde(alias = "minutes")]
    additional_minutes: i64,
}

#[utoipa::path(
    post,
    path = "/v1/browser_sessions/{browser_session_id}/extend",
    tag = "browser sessions",
    summary = "Extend a browser session",
    params(SessionPath),
    request_body = Extension,
    responses(
        (status = 200, description = "The session", body = SessionBody),
        (status = 404, description = "No such browser session", body = ErrorBody),
        (status = 409, description = "The session has ended", body = ErrorBody),
    ),
)]
async fn extend_session(
    state: web::Data<AppState>,
    path: web::Path<SessionPath>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let id = path.id()?;
    state.store.session(&id).await?;
    let Extension { additional_minutes } = from_body(body.into_inner())?;
    if !(1..=crate::sessions::MAX_TIMEOUT_MINUTES).contains(&additional_minutes) {
        let reason = format!("must be between 1 and {}", crate::sessions::MAX_TIMEOUT_MINUTES);
        return Err(ApiError::invalid(Location::body_field("additional_minutes"), Problem::Value, reason));
    }
    let session = state.sessions.extend(&id, additional_minutes).await?;
    Ok(HttpResponse::Ok().json(respond(&state, &session, None).await?))
}

/// One of the session's recordings (range requests, so a `<video>` seeks).
#[utoipa::path(
    get,
    path = "/v1/browser_sessions/{browser_session_id}/recordings/{recording_id}",
    tag = "browser sessions",
    summary = "One of a session's recordings",
    params(
        SessionPath,
        ("recording_id" = String, Path, description = "The recording's id"),
    ),
    responses(
        (status = 200, description = "The WebM video (range requests served)", content_type = "video/webm", body = Vec<u8>),
        (status = 404, description = "No such session or recording", body = ErrorBody),
    ),
)]
async fn session_recording(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (session, recording) = path.into_inner();
    let missing = || ApiError::not_found(format!("recording {}", recording.chars().take(64).collect::<String>()));
    let id = ArtifactId::parse(&recording).map_err(|_| missing())?;
    let recording =
        state.store.session_recording(&found(SessionId::parse(&session), "browser session", &session)?, &id).await?;
    let file = state.artifacts.session_recording_path(&recording);
    let disposition = actix_web::http::header::ContentDisposition {
        disposition: actix_web::http::header::DispositionType::Inline,
        parameters: Vec::new(),
    };
    served_file(&file, "video/mp4".parse().expect("a valid type"), disposition, &request, missing).await
}

/// The files the runs on the session downloaded (Skyvern's `FileInfo`s; each URL serves one).
#[utoipa::path(
    get,
    path = "/v1/browser_sessions/{browser_session_id}/downloads",
    tag = "browser sessions",
    summary = "A session's downloaded files",
    params(SessionPath),
    responses(
        (status = 200, description = "The files", body = Vec<FileInfo>),
        (status = 404, description = "No such browser session", body = ErrorBody),
    ),
)]
async fn session_downloads(state: web::Data<AppState>, path: web::Path<SessionPath>) -> Result<HttpResponse, ApiError> {
    let session = state.store.session(&path.id()?).await?;
    let downloads = state.store.session_downloads(&session.id).await?;
    Ok(HttpResponse::Ok().json(downloaded_files(&downloads, &state.links)))
}

pub(super) fn routes(routes: &mut Routes) {
    routes
        .add(__path_open_session, open_session)
        .add(__path_list_sessions, list_sessions)
        .add(__path_get_session, get_session)
        .add(__path_update_session, update_session)
        .add(__path_close_session, close_session)
        .add(__path_extend_session, extend_session)
        .add(__path_session_recording, session_recording)
        .add(__path_session_downloads, session_downloads);
}
