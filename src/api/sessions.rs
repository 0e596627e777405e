//! Browser session endpoints (Skyvern's persistent browser sessions): open one (from a browser
//! profile if asked), list the open ones, read one, close it, give it more time, say whether it
//! keeps its storage when it ends; its recordings and its runs' downloads. Runs name a session
//! with `browser_session_id`. Its live view is in `live`, its CDP endpoint in `cdp`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::Value;

use super::AppState;
use super::artifacts::served_file;
use super::error::{ApiError, Code, Location, Problem, from_body, optional_body};
use crate::ids::{ArtifactId, SessionId};
use crate::sessions::{Session, SessionError, SessionRequest};
use crate::views::{SessionState, downloaded_files, session_response};

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

pub(super) fn session_id(text: &str) -> Result<SessionId, ApiError> {
    SessionId::parse(text)
        .map_err(|_| ApiError::not_found(format!("browser session {}", text.chars().take(64).collect::<String>())))
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

async fn open_session(state: web::Data<AppState>, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    // Every field may be left out, and so may the body.
    let request: SessionRequest = optional_body(&body)?.unwrap_or_default();
    let spec = request
        .into_spec()
        .map_err(|invalid| ApiError::invalid(Location::body_field(invalid.field), Problem::Value, invalid.message))?;
    let session = state.sessions.open(&spec).await?;
    Ok(HttpResponse::Ok().json(respond(&state, &session, spec.warning.as_deref()).await?))
}

async fn list_sessions(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let mut sessions = Vec::new();
    for session in state.store.open_sessions().await? {
        sessions.push(respond(&state, &session, None).await?);
    }
    Ok(HttpResponse::Ok().json(sessions))
}

async fn get_session(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let session = state.store.session(&session_id(&path)?).await?;
    Ok(HttpResponse::Ok().json(respond(&state, &session, None).await?))
}

async fn close_session(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = session_id(&path)?;
    state.store.session(&id).await?;
    let session = state.sessions.close(&id).await?;
    tracing::info!(session_id = %id, "browser session closed");
    Ok(HttpResponse::Ok().json(respond(&state, &session, None).await?))
}

/// Skyvern's `UpdateBrowserSessionRequest`.
#[derive(Deserialize)]
struct SessionUpdate {
    generate_browser_profile: bool,
}

async fn update_session(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let id = session_id(&path)?;
    state.store.session(&id).await?;
    let SessionUpdate { generate_browser_profile } = from_body(body.into_inner())?;
    let session = state.sessions.keep_storage_at_end(&id, generate_browser_profile).await?;
    Ok(HttpResponse::Ok().json(respond(&state, &session, None).await?))
}

#[derive(Deserialize)]
struct Extension {
    /// As the SDK sends it.
    #[serde(alias = "minutes")]
    additional_minutes: i64,
}

async fn extend_session(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let id = session_id(&path)?;
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
async fn session_recording(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (session, recording) = path.into_inner();
    let missing = || ApiError::not_found(format!("recording {}", recording.chars().take(64).collect::<String>()));
    let id = ArtifactId::parse(&recording).map_err(|_| missing())?;
    let recording = state.store.session_recording(&session_id(&session)?, &id).await?;
    let file = state.artifacts.session_recording_path(&recording);
    let disposition = actix_web::http::header::ContentDisposition {
        disposition: actix_web::http::header::DispositionType::Inline,
        parameters: Vec::new(),
    };
    served_file(&file, "video/mp4".parse().expect("a valid type"), disposition, &request, missing).await
}

/// The files the runs on the session downloaded (Skyvern's `FileInfo`s; each URL serves one).
async fn session_downloads(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let session = state.store.session(&session_id(&path)?).await?;
    let downloads = state.store.session_downloads(&session.id).await?;
    Ok(HttpResponse::Ok().json(downloaded_files(&downloads, &state.links)))
}

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .service(web::resource("/browser_sessions").post(open_session).get(list_sessions))
        .service(web::resource("/browser_sessions/{session_id}").get(get_session).patch(update_session))
        .service(web::resource("/browser_sessions/{session_id}/close").post(close_session))
        .service(web::resource("/browser_sessions/{session_id}/extend").post(extend_session))
        .service(web::resource("/browser_sessions/{session_id}/recordings/{recording_id}").get(session_recording))
        .service(web::resource("/browser_sessions/{session_id}/downloads").get(session_downloads));
}
