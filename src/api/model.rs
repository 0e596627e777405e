//! The model provider (`/v1/model`): its settings, and a test call. A provider that fails the
//! test is an answer (`ok: false` with the reason), never an error of the appliance; the
//! provider's API key is never in an answer, not even inside a provider's error message.

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::AppState;
use super::routes::Routes;

/// The longest reply a test shows.
const REPLY_CHARS: usize = 200;

/// The configured provider, address and model, whether screenshots are sent, and whether an API
/// key is set (never the key).
#[utoipa::path(
    get,
    path = "/v1/model",
    tag = "appliance",
    summary = "The model provider's settings",
    responses(
        (status = 200, description = "Provider, address, model, vision, and whether an API key is set (never the key)", body = Object),
    ),
)]
async fn model_settings(state: web::Data<AppState>) -> HttpResponse {
    let settings = &state.llm_settings;
    HttpResponse::Ok().json(json!({
        "provider": state.llm.as_ref().map(|llm| llm.provider_name()),
        "base_url": state.llm.as_ref().map(|llm| llm.base_url()),
        "model": settings.model,
        "vision": settings.vision,
        "api_key_set": !settings.api_key.is_empty(),
    }))
}

/// One small real call to the provider, without retries.
#[utoipa::path(
    post,
    path = "/v1/model/test",
    tag = "appliance",
    summary = "Test the model provider",
    responses(
        (status = 200, description = "`ok` with the reply and latency, or `ok: false` with the reason", body = Object),
    ),
)]
async fn test_model(state: web::Data<AppState>) -> HttpResponse {
    let settings = &state.llm_settings;
    let Some(llm) = &state.llm else {
        return HttpResponse::Ok().json(json!({
            "ok": false,
            "provider": null,
            "model": settings.model,
            "error": "no model provider is configured (set llm.provider to openai or anthropic)",
        }));
    };
    let model = llm.default_model();
    match llm.probe().await {
        Ok(reply) => HttpResponse::Ok().json(json!({
            "ok": true,
            "provider": llm.provider_name(),
            "model": model,
            "latency_ms": reply.latency.as_millis() as u64,
            "reply": reply.text.chars().take(REPLY_CHARS).collect::<String>(),
        })),
        Err(error) => {
            let mut message = error.to_string();
            if !settings.api_key.is_empty() {
                message = message.replace(settings.api_key.expose(), "[the API key]");
            }
            tracing::warn!(provider = llm.provider_name(), model, "the model provider test failed");
            HttpResponse::Ok().json(json!({
                "ok": false,
                "provider": llm.provider_name(),
                "model": model,
                "error": message,
            }))
        }
    }
}

pub(super) fn routes(routes: &mut Routes) {
    routes.add(__path_model_settings, model_settings).add(__path_test_model, test_model);
}
