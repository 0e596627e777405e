//! The HTTP API and UI: the only module that speaks actix-web.
//!
//! `/v1/…` is Skyvern's REST API (one file per resource) behind the API-key check (the header, or
//! the UI's sign-in cookie with its CSRF rule: `auth`); `/healthz` is
//! the one unauthenticated route and says nothing but "ok"; `/metrics` is Prometheus' scrape,
//! behind the key (`metrics`); `/cdp/…` is a browser session's CDP
//! endpoint, authenticated by the unguessable token in its path (see `cdp`); every other path is
//! the embedded UI, behind a login. Errors are JSON from one table of codes (`error`). Every response says
//! `X-Content-Type-Options: nosniff`, so a browser never reads a file as something it is not
//! labelled as.

mod agents;
mod api_keys;
mod artifacts;
mod auth;
mod block_runs;
mod browser_profiles;
mod cdp;
mod credentials;
mod error;
mod events;
mod files;
mod headers;
mod live;
mod metrics;
mod model;
mod openapi;
mod path_ids;
mod plan_runs;
mod query;
mod recordings;
mod reruns;
mod routes;
mod run_files;
mod runs;
mod schedules;
mod sessions;
mod system;
mod ui;
mod ui_session;
mod webhook_secret;
mod webhooks;

use std::panic::AssertUnwindSafe;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{Next, from_fn};
use actix_web::{HttpResponse, web};
use futures::FutureExt;

pub use error::{ApiError, Code};
use error::{Location, Problem};
pub use headers::security_headers;
pub use metrics::configure_metrics_only;
use routes::Routes;

use crate::agent::llm::LlmClient;
use crate::artifacts::ArtifactFiles;
use crate::auth::KeyChecker;
use crate::auth::ui_sessions::UiSessions;
use crate::browser::BrowserPool;
use crate::files::UploadedFiles;
use crate::live::LiveRuns;
use crate::scheduler::Scheduler;
use crate::schedules::Schedules;
use crate::search::SearchIndex;
use crate::store::Store;
use crate::vault::Vault;
use crate::views::Links;
use crate::webhooks::Webhooks;

/// What every handler can reach.
pub struct AppState {
    pub store: Store,
    pub scheduler: Scheduler,
    pub pool: BrowserPool,
    pub artifacts: ArtifactFiles,
    pub files: UploadedFiles,
    pub live: LiveRuns,
    pub search: SearchIndex,
    pub keys: KeyChecker,
    /// Sign-ins to the UI.
    pub ui_sessions: UiSessions,
    /// Whether cookies are marked `Secure` (the appliance's public address is HTTPS).
    pub secure_cookies: bool,
    /// The model provider, as the agent uses it; `None` when none is configured.
    pub llm: Option<LlmClient>,
    /// The model settings, to show (the API key only as set or not).
    pub llm_settings: crate::config::LlmConfig,
    /// The data directory, whose use `/v1/system/status` reports.
    pub data_dir: std::path::PathBuf,
    /// Whether the data directory's disk has room for new runs (`retention.min_free_gb`).
    pub room: crate::retention::DiskRoom,
    pub links: Links,
    pub webhooks: Webhooks,
    pub sessions: crate::sessions::Sessions,
    pub schedules: Schedules,
    pub vault: Vault,
    pub profiles: crate::profiles::Profiles,
    /// How often an idle event stream says it is alive.
    pub heartbeat: std::time::Duration,
    /// Cancelled when the appliance stops, to end streams that would otherwise never end.
    pub stopping: tokio_util::sync::CancellationToken,
    /// Counts live viewers.
    pub metrics: crate::metrics::Metrics,
    /// Answers `GET /metrics`.
    pub exporter: crate::metrics::Exporter,
}

/// Registers every route on an actix `App`.
pub fn configure(state: web::Data<AppState>, max_body_bytes: usize) -> impl FnOnce(&mut web::ServiceConfig) {
    move |config| {
        let json = web::JsonConfig::default().limit(max_body_bytes).error_handler(error::json_body_error);
        let form = web::FormConfig::default().limit(4096);
        config
            .app_data(state)
            .app_data(json)
            .app_data(form)
            .app_data(
                web::PathConfig::default().error_handler(|e, _| {
                    ApiError::invalid(Location::path_part(), Problem::Value, e.to_string()).into()
                }),
            )
            .app_data(
                web::QueryConfig::default().error_handler(|e, _| {
                    ApiError::invalid(Location::query_part(), Problem::Value, e.to_string()).into()
                }),
            )
            .service(
                web::scope("/metrics")
                    .wrap(from_fn(auth::require_api_key))
                    .configure(|config| table(metrics::routes, "/metrics").register(config)),
            )
            .service(ui::public_asset)
            .service(ui::login_page)
            .service(ui::login)
            .service(ui::logout)
            .configure(|config| table(open_routes, "").register(config))
            .service(
                web::scope("/v1")
                    .wrap(from_fn(json_method_not_allowed))
                    .wrap(from_fn(auth::require_api_key))
                    .configure(|config| table(api_routes, "/v1").register(config))
                    .default_service(web::to(unknown_api_route)),
            )
            .service(web::scope("").wrap(from_fn(auth::require_login)).default_service(web::to(ui::page)));
    }
}

fn table(routes: fn(&mut Routes), scope: &'static str) -> Routes {
    let mut table = Routes::new(scope);
    routes(&mut table);
    table
}

/// Every `/v1` route, behind the API key, in the order actix matches them (a fixed path such as
/// `/v1/agents/runs` before `/v1/agents/{id}`).
fn api_routes(routes: &mut Routes) {
    runs::routes(routes);
    reruns::routes(routes);
    files::routes(routes);
    block_runs::routes(routes);
    plan_runs::routes(routes);
    agents::routes(routes);
    schedules::routes(routes);
    credentials::routes(routes);
    browser_profiles::routes(routes);
    events::routes(routes);
    live::routes(routes);
    recordings::routes(routes);
    artifacts::routes(routes);
    system::routes(routes);
    webhooks::routes(routes);
    sessions::routes(routes);
    api_keys::routes(routes);
    webhook_secret::routes(routes);
    model::routes(routes);
    ui_session::routes(routes);
    routes.add(openapi::__path_openapi_document, openapi::openapi_document);
}

/// The API routes outside `/v1`, without the API key: the health check and a browser session's
/// CDP endpoint.
fn open_routes(routes: &mut Routes) {
    system::open_routes(routes);
    cdp::routes(routes);
}

async fn unknown_api_route() -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(Code::NotFound, "no such API route"))
}

/// A known API path asked with a method it does not serve answers a JSON 405 with `Allow`, as
/// FastAPI does (actix's own 405 has no body).
async fn json_method_not_allowed(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let response = next.call(request).await?.map_into_boxed_body();
    if response.status() != actix_web::http::StatusCode::METHOD_NOT_ALLOWED {
        return Ok(response);
    }
    let (request, response) = response.into_parts();
    Ok(ServiceResponse::new(request, error::method_not_allowed_as_json(response)))
}

/// Turns a panic in a handler into a JSON 500 instead of a dropped connection.
pub async fn contain_panics(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let path = request.path().to_owned();
    match AssertUnwindSafe(next.call(request)).catch_unwind().await {
        Ok(response) => response,
        Err(_) => {
            tracing::error!(path, "a request handler panicked");
            Err(ApiError::new(Code::Internal, "the appliance could not complete the request").into())
        }
    }
}
