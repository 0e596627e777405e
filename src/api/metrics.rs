//! `GET /metrics`: the appliance's metrics in Prometheus' text exposition format (see
//! `crate::metrics`). On the main listener it needs an API key like `/v1`; `metrics.listen` may
//! open a second listener that serves only this route, without a key, for a scraper on a
//! loopback or private network (`configure_metrics_only`).

use actix_web::{HttpResponse, web};

use super::AppState;
use super::error::{ApiError, Code};
use super::routes::Routes;

#[utoipa::path(
    get,
    path = "/metrics",
    tag = "appliance",
    summary = "Metrics in Prometheus' text exposition format",
    responses((status = 200, description = "The metrics (text format 0.0.4)", content_type = "text/plain; version=0.0.4", body = String)),
)]
async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let text = state.exporter.render().await?;
    Ok(HttpResponse::Ok().content_type(crate::metrics::CONTENT_TYPE).body(text))
}

/// `/metrics`: behind the API key on the main listener (`super::configure`), alone and without
/// one on the metrics listener.
pub(super) fn routes(routes: &mut Routes) {
    routes.add(__path_metrics, metrics);
}

/// The metrics listener: `/metrics` without a key, and nothing else.
pub fn configure_metrics_only(state: web::Data<AppState>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |config| {
        let mut table = Routes::new("");
        routes(&mut table);
        config.app_data(state);
        table.register(config);
        config.default_service(web::to(not_metrics));
    }
}

async fn not_metrics() -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(Code::NotFound, "this listener serves only /metrics"))
}
