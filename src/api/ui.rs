//! The UI, embedded from `ui-dist/`, and the login page that sets the UI's key cookie.
//!
//! Pages hold no inline code: their scripts and styles are files under `ui-dist/assets/`,
//! served to anyone (the login page needs them before a login; they hold nothing secret), and
//! every UI response carries the strict Content-Security-Policy of `headers`.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use rust_embed::RustEmbed;
use serde::Deserialize;

use super::AppState;
use super::auth::API_KEY_COOKIE;
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

/// Checks the key and keeps it in an HTTP-only, same-site cookie for the UI.
#[post("/login")]
pub async fn login(state: web::Data<AppState>, form: web::Form<LoginForm>) -> Result<HttpResponse, ApiError> {
    if !state.keys.is_valid(&form.api_key).await? {
        return Ok(HttpResponse::SeeOther().insert_header(("location", "/login?failed=1")).finish());
    }
    let cookie = Cookie::build(API_KEY_COOKIE, form.api_key.clone())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    Ok(HttpResponse::SeeOther().cookie(cookie).insert_header(("location", "/")).finish())
}

/// Any UI path: the file if it exists, else the single-page app's index.
pub async fn page(request: HttpRequest) -> HttpResponse {
    let path = request.path().trim_start_matches('/');
    if !path.is_empty() && Assets::get(path).is_some() {
        return asset(path);
    }
    asset("index.html")
}
