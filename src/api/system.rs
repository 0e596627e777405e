//! The appliance itself: version, health, and its status for the UI (browser pool, queue,
//! disk, and whether new runs are refused for want of free space).

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::AppState;
use super::error::ApiError;
use super::routes::Routes;
use crate::runs::RunStatus;
use crate::store::RunFilter;

#[utoipa::path(
    get,
    path = "/v1/version",
    tag = "appliance",
    summary = "The appliance's version",
    responses((status = 200, description = "Its version and name", body = Object)),
)]
async fn version() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "version": env!("CARGO_PKG_VERSION"), "name": "skyvern-appliance" }))
}

/// Detailed health: the browser pool's state. Authenticated like the rest of `/v1`.
#[utoipa::path(
    get,
    path = "/v1/health",
    tag = "appliance",
    summary = "Health, with the browser pool",
    responses((status = 200, description = "`ok` and the browser pool's state", body = Object)),
)]
async fn health(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok", "browser_pool": state.pool.stats().await }))
}

/// The browser pool (as `/health`), how many runs wait and run, what the data directory holds
/// and the room left on its disk; `disk.low` while new runs are refused for want of free space
/// (`retention.min_free_gb`), with `disk.detail` saying what to free.
#[utoipa::path(
    get,
    path = "/v1/system/status",
    tag = "appliance",
    summary = "The appliance's status",
    responses(
        (status = 200, description = "The browser pool, the queue, the data directory's disk and whether it is too full for new runs, the version", body = Object),
    ),
)]
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
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "appliance",
    summary = "Liveness (no API key)",
    responses((status = 200, description = "`{\"status\": \"ok\"}`", body = Object)),
)]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

pub(super) fn routes(routes: &mut Routes) {
    routes.add(__path_version, version).add(__path_health, health).add(__path_status, status);
}

/// The routes outside `/v1`.
pub(super) fn open_routes(routes: &mut Routes) {
    routes.add(__path_healthz, healthz);
}
