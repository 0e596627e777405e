//! Browser session endpoints (Skyvern's persistent browser sessions): open one (from a browser
//! profile if asked), list the open ones, read one, close it, give it more time, say whether it
//! keeps its storage when it ends. Runs name a session with `browser_session_id`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::Value;

use super::AppState;
use super::error::{ApiError, Code, Location, Problem, from_body, optional_body};
use crate::ids::SessionId;
use crate::sessions::{Session, SessionError, SessionRequest};
use crate::views::session_response;

impl From<SessionError> for ApiError {
    fn from(error: SessionError) -> ApiError {
        match error {
            SessionError::Store(store) => store.into(),
            SessionError::Profile(profile) => profile.into(),
            SessionError::NotOpen(id) => {
                ApiError::new(Code::SessionClosed, format!("browser session {id} is not open"))
            }
            SessionError::NoSlot => ApiError::new(Code::NoBrowserSlot, error.to_string()),
            SessionError::Browser(browser) => ApiError::internal(&browser),
        }
    }
}

fn session_id(text: &str) -> Result<SessionId, ApiError> {
    SessionId::parse(text)
        .map_err(|_| ApiError::not_found(format!("browser session {}", text.chars().take(64).collect::<String>())))
}

fn respond(state: &AppState, session: &Session, warning: Option<&str>) -> Value {
    let current = state.sessions.current_run(&session.id);
    session_response(session, current.as_ref(), &state.links, warning)
}

async fn open_session(state: web::Data<AppState>, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    // Every field may be left out, and so may the body.
    let request: SessionRequest = optional_body(&body)?.unwrap_or_default();
    let spec = request
        .into_spec()
        .map_err(|invalid| ApiError::invalid(Location::body_field(invalid.field), Problem::Value, invalid.message))?;
    let session = state.sessions.open(&spec).await?;
    Ok(HttpResponse::Ok().json(respond(&state, &session, spec.warning.as_deref())))
}

async fn list_sessions(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let sessions: Vec<Value> =
        state.store.open_sessions().await?.iter().map(|session| respond(&state, session, None)).collect();
    Ok(HttpResponse::Ok().json(sessions))
}

async fn get_session(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let session = state.store.session(&session_id(&path)?).await?;
    Ok(HttpResponse::Ok().json(respond(&state, &session, None)))
}

async fn close_session(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = session_id(&path)?;
    state.store.session(&id).await?;
    let session = state.sessions.close(&id).await?;
    tracing::info!(session_id = %id, "browser session closed");
    Ok(HttpResponse::Ok().json(respond(&state, &session, None)))
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
    Ok(HttpResponse::Ok().json(respond(&state, &session, None)))
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
    Ok(HttpResponse::Ok().json(respond(&state, &session, None)))
}

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .service(web::resource("/browser_sessions").post(open_session).get(list_sessions))
        .service(web::resource("/browser_sessions/{session_id}").get(get_session).patch(update_session))
        .service(web::resource("/browser_sessions/{session_id}/close").post(close_session))
        .service(web::resource("/browser_sessions/{session_id}/extend").post(extend_session));
}
