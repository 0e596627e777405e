//! OpenAI-compatible chat completions (`POST {base_url}/chat/completions`).

use serde_json::{Value, json};

use super::{Answer, AttemptError, ChatRequest, Part, TokenUsage, bad_response, base_url, post_json};
use crate::config::LlmConfig;

pub(super) const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

fn content(parts: &[Part]) -> Value {
    parts
        .iter()
        .map(|part| match part {
            Part::Text { text } => json!({ "type": "text", "text": text }),
            Part::Image { jpeg_base64, .. } => {
                json!({ "type": "image_url", "image_url": { "url": format!("data:image/jpeg;base64,{jpeg_base64}") } })
            }
        })
        .collect()
}

pub(super) async fn send(
    http: &reqwest::Client,
    settings: &LlmConfig,
    request: &ChatRequest,
) -> Result<Answer, AttemptError> {
    let base = base_url(settings, DEFAULT_BASE_URL);
    let mut messages = vec![json!({ "role": "system", "content": request.system })];
    messages.extend(
        request
            .messages
            .iter()
            .map(|message| json!({ "role": message.role.as_str(), "content": content(&message.parts) })),
    );
    let body = json!({
        "model": request.model,
        "messages": messages,
        "max_tokens": settings.max_tokens,
        "temperature": settings.temperature,
    });
    let mut call = http.post(format!("{base}/chat/completions")).json(&body);
    if !settings.api_key.is_empty() {
        call = call.bearer_auth(settings.api_key.expose());
    }
    let raw = post_json(call, &request.model).await?;
    let answer = raw["choices"][0]["message"]["content"]
        .as_str()
        .ok_or_else(|| bad_response("no choices[0].message.content".into()))?
        .to_owned();
    let usage = TokenUsage {
        input: raw["usage"]["prompt_tokens"].as_i64().unwrap_or(0),
        cached: raw["usage"]["prompt_tokens_details"]["cached_tokens"].as_i64().unwrap_or(0),
        output: raw["usage"]["completion_tokens"].as_i64().unwrap_or(0),
    };
    Ok((answer, usage, raw))
}
