//! `GET /v1/ui/session`: who the UI is signed in as, and the CSRF token its changes carry.

use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use serde_json::json;

use super::auth::Caller;

/// With the sign-in cookie: the key's name, the CSRF token and when the session ends. With the
/// `x-api-key` header: the key's name, and `null` for the rest.
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

pub fn routes(config: &mut web::ServiceConfig) {
    config.service(web::resource("/ui/session").get(current_session));
}
