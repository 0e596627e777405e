//! Every `/v1` route and every UI page requires a caller: the `x-api-key` header, or the UI's
//! sign-in cookie `skyvern_session` (see `crate::auth::ui_sessions`).
//!
//! A request that the cookie authenticates and that may change something (any method but GET,
//! HEAD, OPTIONS) must also carry `x-csrf-token`, equal to the session's token, which the page
//! reads from the `skyvern_csrf` cookie. The header key is never sent by a browser on its own,
//! so requests with it need no token. WebSockets (the live view) and event streams are GETs, so
//! the cookie alone opens them; the live view also refuses pages of other sites (`live`).

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};

use super::AppState;
use super::error::{ApiError, Code};
use crate::auth::ui_sessions::{ActiveSession, OpenedSession};

pub const API_KEY_HEADER: &str = "x-api-key";
/// The UI session's id: HTTP-only, so no script can read it.
pub const SESSION_COOKIE: &str = "skyvern_session";
/// The UI session's CSRF token: readable by the page, which sends it back in `CSRF_HEADER`.
pub const CSRF_COOKIE: &str = "skyvern_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Who made a request: the name of the API key it presented or signed in with, and the UI
/// session when the sign-in cookie authenticated it.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key_name: String,
    pub session: Option<ActiveSession>,
}

/// The key in the `x-api-key` header, if one is sent.
fn header_key(request: &ServiceRequest) -> Option<String> {
    let key = request.headers().get(API_KEY_HEADER)?.to_str().ok()?;
    (!key.is_empty()).then(|| key.to_owned())
}

/// Whether a method only reads.
fn only_reads(method: &Method) -> bool {
    [Method::GET, Method::HEAD, Method::OPTIONS].contains(method)
}

pub fn csrf_refused() -> ApiError {
    ApiError::new(
        Code::CsrfTokenInvalid,
        format!(
            "a change made with the UI's sign-in cookie must carry the {CSRF_HEADER} header, equal to the \
             {CSRF_COOKIE} cookie"
        ),
    )
}

/// Whether the request has a valid caller; if so, its `Caller` goes with the request.
async fn check(request: &ServiceRequest) -> Result<(), ApiError> {
    let state = request.app_data::<web::Data<AppState>>().expect("the app state is always registered");
    if let Some(key) = header_key(request) {
        let Some(key_name) = state.keys.identify(&key).await? else {
            return Err(ApiError::new(Code::InvalidApiKey, "the API key is not valid (unknown or revoked)"));
        };
        request.extensions_mut().insert(Caller { key_name, session: None });
        return Ok(());
    }
    let Some(cookie) = request.cookie(SESSION_COOKIE) else {
        return Err(ApiError::new(Code::MissingApiKey, "send your API key in the x-api-key header"));
    };
    let Some(session) = state.ui_sessions.check(cookie.value()).await? else {
        return Err(ApiError::new(
            Code::SessionEnded,
            "the UI sign-in has ended (signed out, expired, or its API key revoked); sign in again",
        ));
    };
    if !only_reads(request.method()) {
        let presented = request.headers().get(CSRF_HEADER).and_then(|value| value.to_str().ok());
        if !session.csrf_matches(presented) {
            return Err(csrf_refused());
        }
    }
    request.extensions_mut().insert(Caller { key_name: session.key_name.clone(), session: Some(session) });
    Ok(())
}

/// Middleware for the API: a JSON 401/403 without a valid caller.
pub async fn require_api_key(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    match check(&request).await {
        Ok(()) => Ok(next.call(request).await?.map_into_boxed_body()),
        Err(error) => Ok(request.error_response(error).map_into_boxed_body()),
    }
}

/// Middleware for UI pages: without a valid caller, go to the login page (forgetting a sign-in
/// that has ended).
pub async fn require_login(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    match check(&request).await {
        Ok(()) => Ok(next.call(request).await?.map_into_boxed_body()),
        Err(error) if matches!(error.code, Code::Internal | Code::CsrfTokenInvalid) => {
            Ok(request.error_response(error).map_into_boxed_body())
        }
        Err(error) => {
            let mut redirect = HttpResponse::SeeOther();
            redirect.insert_header(("location", "/login"));
            if error.code == Code::SessionEnded {
                for cookie in removal_cookies() {
                    redirect.cookie(cookie);
                }
            }
            Ok(request.into_response(redirect.finish()).map_into_boxed_body())
        }
    }
}

/// The two cookies of a session just opened; `secure` when the appliance is served over HTTPS.
pub fn session_cookies(opened: &OpenedSession, lifetime: std::time::Duration, secure: bool) -> [Cookie<'static>; 2] {
    let max_age = actix_web::cookie::time::Duration::seconds(i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX));
    let build = |name: &'static str, value: String, http_only: bool| {
        Cookie::build(name, value)
            .path("/")
            .http_only(http_only)
            .same_site(SameSite::Strict)
            .secure(secure)
            .max_age(max_age)
            .finish()
    };
    [build(SESSION_COOKIE, opened.id.clone(), true), build(CSRF_COOKIE, opened.csrf_token.clone(), false)]
}

/// Cookies that make the browser forget both of a session's cookies.
pub fn removal_cookies() -> [Cookie<'static>; 2] {
    [SESSION_COOKIE, CSRF_COOKIE].map(|name| {
        let mut cookie = Cookie::build(name, "").path("/").same_site(SameSite::Strict).finish();
        cookie.make_removal();
        cookie
    })
}
