//! `GET /v1/ui/session`: who the UI is signed in as, and the CSRF token its changes carry.

use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use serde_json::json;

use super::auth::Caller;
use super::routes::Routes;

/// With the sign-in cookie: the key's name, the CSRF token and when the session ends. With the
/// `x-api-key` header: the key's name, and `null` for the rest.
#[utoipa::path(
    get,
    path = "/v1/ui/session",
    tag = "appliance",
    summary = "Who the UI is signed in as",
    responses(
        (status = 200, description = "The key's name, and with the sign-in cookie the CSRF token and when the session ends", body = Object),
    ),
)]
async fn current_session(request: HttpRequest) -> HttpResponse {
    let caller = request.extensions().get::<Caller>().cloned();
    let key_name = caller.as_ref().map(|caller| caller.key_name.clone());
    let session = caller.and_then(|caller| caller.session);
    HttpResponse::Ok().json(json!({
        "key_name": key_name,
        "csrf_token": session.as_ref().map(|session| &session.csrf_token),
        "expires_at": session.as_ref().map(|session| &session.expires_at),
    }))
}

pub(super) fn routes(routes: &mut Routes) {
    routes.add(__path_current_session, current_session);
}
