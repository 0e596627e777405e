//! The UI, embedded from `ui-dist/`, and the login page that opens a UI session: `POST /login`
//! sets the session's cookies, `POST /logout` ends it.
//!
//! Pages hold no inline code: their scripts and styles are files under `ui-dist/assets/`,
//! served to anyone (the login page needs them before a login; they hold nothing secret), and
//! every UI response carries the strict Content-Security-Policy of `headers`.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use rust_embed::RustEmbed;
use serde::Deserialize;

use super::AppState;
use super::auth::{CSRF_HEADER, SESSION_COOKIE, csrf_refused, removal_cookies, session_cookies};
use super::error::ApiError;
use super::headers::UI_CONTENT_SECURITY_POLICY;

#[derive(RustEmbed)]
#[folder = "ui-dist/"]
struct Assets;

fn asset(path: &str) -> HttpResponse {
    match Assets::get(path) {
        Some(file) => HttpResponse::Ok()
            .content_type(mime_guess::from_path(path).first_or_octet_stream().essence_str())
            .insert_header(("cache-control", "no-cache"))
            .insert_header(("content-security-policy", UI_CONTENT_SECURITY_POLICY))
            .body(file.data.into_owned()),
        None => HttpResponse::NotFound().finish(),
    }
}

/// The pages' scripts and styles.
#[get("/assets/{name}")]
pub async fn public_asset(name: web::Path<String>) -> HttpResponse {
    asset(&format!("assets/{name}"))
}

#[get("/login")]
pub async fn login_page() -> HttpResponse {
    asset("login.html")
}

#[derive(Deserialize)]
pub struct LoginForm {
    api_key: String,
}

/// Checks the key and opens a UI session: its id in an HTTP-only cookie, its CSRF token in a
/// cookie the page can read. The key itself is kept nowhere.
#[post("/login")]
pub async fn login(state: web::Data<AppState>, form: web::Form<LoginForm>) -> Result<HttpResponse, ApiError> {
    let Some(opened) = state.ui_sessions.open(&form.api_key).await? else {
        return Ok(HttpResponse::SeeOther().insert_header(("location", "/login?failed=1")).finish());
    };
    let mut response = HttpResponse::SeeOther();
    for cookie in session_cookies(&opened, state.ui_sessions.lifetime(), state.secure_cookies) {
        response.cookie(cookie);
    }
    Ok(response.insert_header(("location", "/")).finish())
}

/// Ends the UI session (its CSRF token is required, in `x-csrf-token` or the form field
/// `csrf_token`), makes the browser forget both cookies and goes to the login page.
#[post("/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    if let Some(cookie) = request.cookie(SESSION_COOKIE)
        && let Some(session) = state.ui_sessions.check(cookie.value()).await?
    {
        let header = request.headers().get(CSRF_HEADER).and_then(|value| value.to_str().ok()).map(str::to_owned);
        let field = || {
            url::form_urlencoded::parse(&body)
                .find(|(name, _)| name == "csrf_token")
                .map(|(_, value)| value.into_owned())
        };
        if !session.csrf_matches(header.or_else(field).as_deref()) {
            return Err(csrf_refused());
        }
        state.ui_sessions.end(cookie.value()).await?;
    }
    let mut response = HttpResponse::SeeOther();
    for cookie in removal_cookies() {
        response.cookie(cookie);
    }
    Ok(response.insert_header(("location", "/login")).finish())
}

/// Any UI path: the file if it exists, else the single-page app's index.
pub async fn page(request: HttpRequest) -> HttpResponse {
    let path = request.path().trim_start_matches('/');
    if !path.is_empty() && Assets::get(path).is_some() {
        return asset(path);
    }
    asset("index.html")
}
