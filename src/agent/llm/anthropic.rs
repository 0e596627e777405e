//! Anthropic's Messages API (`POST {base_url}/v1/messages`).

use serde_json::{Value, json};

use super::{Answer, AttemptError, ChatRequest, Part, TokenUsage, bad_response, base_url, post_json};
use crate::config::LlmConfig;

pub(super) const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
const API_VERSION: &str = "2023-06-01";

fn content(parts: &[Part]) -> Value {
    parts
        .iter()
        .map(|part| match part {
            Part::Text { text } => json!({ "type": "text", "text": text }),
            Part::Image { jpeg_base64, .. } => json!({
                "type": "image",
                "source": { "type": "base64", "media_type": "image/jpeg", "data": jpeg_base64 }
            }),
        })
        .collect()
}

pub(super) async fn send(
    http: &reqwest::Client,
    settings: &LlmConfig,
    request: &ChatRequest,
) -> Result<Answer, AttemptError> {
    let base = base_url(settings, DEFAULT_BASE_URL);
    let messages: Vec<Value> = request
        .messages
        .iter()
        .map(|message| json!({ "role": message.role.as_str(), "content": content(&message.parts) }))
        .collect();
    let body = json!({
        "model": request.model,
        "system": request.system,
        "messages": messages,
        "max_tokens": settings.max_tokens,
        "temperature": settings.temperature,
    });
    let call = http
        .post(format!("{base}/v1/messages"))
        .header("x-api-key", settings.api_key.expose())
        .header("anthropic-version", API_VERSION)
        .json(&body);
    let raw = post_json(call, &request.model).await?;
    let answer = raw["content"]
        .as_array()
        .ok_or_else(|| bad_response("no content".into()))?
        .iter()
        .filter_map(|block| block["text"].as_str())
        .collect::<Vec<_>>()
        .join("");
    let cached = raw["usage"]["cache_read_input_tokens"].as_i64().unwrap_or(0);
    let usage = TokenUsage {
        input: raw["usage"]["input_tokens"].as_i64().unwrap_or(0) + cached,
        cached,
        output: raw["usage"]["output_tokens"].as_i64().unwrap_or(0),
    };
    Ok((answer, usage, raw))
}
