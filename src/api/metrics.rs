//! `GET /metrics`: the appliance's metrics in Prometheus' text exposition format (see
//! `crate::metrics`). On the main listener it needs an API key like `/v1`; `metrics.listen` may
//! open a second listener that serves only this route, without a key, for a scraper on a
//! loopback or private network (`configure_metrics_only`).

use actix_web::middleware::from_fn;
use actix_web::{HttpResponse, web};

use super::AppState;
use super::auth::require_api_key;
use super::error::{ApiError, Code};

async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let text = state.exporter.render().await?;
    Ok(HttpResponse::Ok().content_type(crate::metrics::CONTENT_TYPE).body(text))
}

/// `/metrics` behind the API key, on the main listener.
pub fn routes(config: &mut web::ServiceConfig) {
    config.service(web::resource("/metrics").wrap(from_fn(require_api_key)).get(metrics));
}

/// The metrics listener: `/metrics` without a key, and nothing else.
pub fn configure_metrics_only(state: web::Data<AppState>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |config| {
        config.app_data(state).service(web::resource("/metrics").get(metrics)).default_service(web::to(not_metrics));
    }
}

async fn not_metrics() -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(Code::NotFound, "this listener serves only /metrics"))
}
