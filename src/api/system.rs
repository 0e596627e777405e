//! The appliance itself: version and health.

use actix_web::{HttpResponse, get, web};
use serde_json::json;

use super::AppState;

async fn version() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "version": env!("CARGO_PKG_VERSION"), "name": "skyvern-appliance" }))
}

/// Detailed health: the browser pool's state. Authenticated like the rest of `/v1`.
async fn health(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok", "browser_pool": state.pool.stats().await }))
}

/// Liveness for process supervisors and load balancers: says only that the server answers.
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

pub fn routes(config: &mut web::ServiceConfig) {
    config.service(web::resource("/version").get(version)).service(web::resource("/health").get(health));
}
