//! The appliance itself: version, health, and its status for the UI (browser pool, queue,
//! disk, and whether new runs are refused for want of free space).

use actix_web::{HttpResponse, get, web};
use serde_json::json;

use super::AppState;
use super::error::ApiError;
use crate::runs::RunStatus;
use crate::store::RunFilter;

async fn version() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "version": env!("CARGO_PKG_VERSION"), "name": "skyvern-appliance" }))
}

/// Detailed health: the browser pool's state. Authenticated like the rest of `/v1`.
async fn health(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok", "browser_pool": state.pool.stats().await }))
}

/// The browser pool (as `/health`), how many runs wait and run, what the data directory holds
/// and the room left on its disk; `disk.low` while new runs are refused for want of free space
/// (`retention.min_free_gb`), with `disk.detail` saying what to free.
async fn status(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let queued = runs_with_status(&state, RunStatus::Queued).await?;
    let running = runs_with_status(&state, RunStatus::Running).await?;
    let data_dir = state.data_dir.clone();
    let disk = tokio::task::spawn_blocking(move || crate::data_dir::disk_usage(&data_dir))
        .await
        .map_err(|join| ApiError::internal(&join))?
        .map_err(|error| ApiError::internal(&error))?;
    let low = state.room.shortage(disk.free_bytes);
    Ok(HttpResponse::Ok().json(json!({
        "browser_pool": state.pool.stats().await,
        "queue": { "queued": queued, "running": running },
        "disk": {
            "data_dir": state.data_dir,
            "used_bytes": disk.used_bytes,
            "free_bytes": disk.free_bytes,
            "total_bytes": disk.total_bytes,
            "min_free_bytes": state.room.min_free_bytes(),
            "low": low.is_some(),
            "detail": low.map(|low| low.to_string()),
        },
        "version": env!("CARGO_PKG_VERSION"),
    })))
}

async fn runs_with_status(state: &AppState, status: RunStatus) -> Result<u64, ApiError> {
    let filter = RunFilter { statuses: vec![status], page: 1, page_size: 1, ..RunFilter::default() };
    Ok(state.store.list_runs(filter).await?.total)
}

/// Liveness for process supervisors and load balancers: says only that the server answers.
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .service(web::resource("/version").get(version))
        .service(web::resource("/health").get(health))
        .service(web::resource("/system/status").get(status));
}
