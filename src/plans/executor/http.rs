//! The `http_request` block: one HTTP call from the appliance, its URL, headers and body rendered
//! with the run's values. A 2xx answer completes the block; any other fails it with the status
//! and body (the answer is still its output); no answer in `timeout` seconds times it out.
//!
//! As Skyvern does: a JSON body unless the headers say otherwise (a form otherwise), no body on a
//! GET, the answer's body read as JSON when it is JSON and as text when not.

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::{BlockResult, Execution, Scope};
use crate::plans::{HttpMethod, HttpRequestBlock, RenderError};
use crate::runs::StepStatus;

/// The longest answer body kept in the output.
const MAX_BODY_BYTES: usize = 1 << 20;

impl Execution<'_> {
    pub(super) async fn http_request(
        &self,
        block: &HttpRequestBlock,
        scope: &Scope<'_>,
    ) -> Result<BlockResult, RenderError> {
        let url = self.render(&block.url, scope)?;
        if let Err(message) = crate::runs::web_url(&url) {
            return Ok(BlockResult::failed(format!("HTTP request failed: {message}")));
        }
        let mut headers = Map::new();
        for (name, value) in block.headers.iter().flatten() {
            headers.insert(name.clone(), Value::String(self.render(value, scope)?));
        }
        let body = block.body.as_ref().map(|body| self.render_json(body, scope)).transpose()?;
        let method = method_of(block.method);
        let client = if block.follow_redirects {
            self.tools.http.clone()
        } else {
            match reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build() {
                Ok(client) => client,
                Err(error) => return Ok(BlockResult::failed(format!("HTTP request failed: {error}"))),
            }
        };
        let mut request =
            client.request(method.clone(), &url).timeout(Duration::from_secs(u64::from(block.timeout.max(1))));
        let content_type = headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
            .and_then(|(_, value)| value.as_str())
            .unwrap_or("application/json")
            .to_owned();
        for (name, value) in &headers {
            request = request.header(name, value.as_str().unwrap_or_default());
        }
        if let Some(body) = body.as_ref().filter(|_| method != reqwest::Method::GET) {
            request = if content_type.contains("application/json") {
                request.json(body)
            } else {
                request.form(&form_fields(body))
            };
        }
        let sent = json!({"request_method": method.as_str(), "request_url": url, "request_headers": headers, "request_body": body});
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) if error.is_timeout() => {
                let output = json!({"error": "Request timed out", "error_type": "timeout"});
                let reason = format!("the request got no answer within {} s", block.timeout);
                return Ok(BlockResult::ended(StepStatus::TimedOut, reason).with_output(Some(output)));
            }
            Err(error) => {
                let output = json!({"error": error.to_string(), "error_type": "unknown"});
                return Ok(BlockResult::failed(format!("HTTP request failed: {error}")).with_output(Some(output)));
            }
        };
        let status = response.status();
        let response_headers: Map<String, Value> = response
            .headers()
            .iter()
            .map(|(name, value)| (name.to_string(), Value::String(value.to_str().unwrap_or_default().to_owned())))
            .collect();
        let bytes = response.bytes().await.unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_BODY_BYTES)]).into_owned();
        let response_body = serde_json::from_str::<Value>(&text).unwrap_or(Value::String(text));
        let mut output = json!({
            "status_code": status.as_u16(),
            "response_headers": response_headers,
            "response_body": response_body,
            "headers": response_headers,
            "body": response_body,
            "url": url,
        });
        if let (Value::Object(output), Value::Object(sent)) = (&mut output, sent) {
            output.extend(sent);
        }
        Ok(if status.is_success() {
            BlockResult::completed(output)
        } else {
            let shown = match &output["response_body"] {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            BlockResult::failed(format!("HTTP {}: {shown}", status.as_u16())).with_output(Some(output))
        })
    }
}

fn method_of(method: HttpMethod) -> reqwest::Method {
    match method {
        HttpMethod::Get => reqwest::Method::GET,
        HttpMethod::Post => reqwest::Method::POST,
        HttpMethod::Put => reqwest::Method::PUT,
        HttpMethod::Patch => reqwest::Method::PATCH,
        HttpMethod::Delete => reqwest::Method::DELETE,
        HttpMethod::Head => reqwest::Method::HEAD,
        HttpMethod::Options => reqwest::Method::OPTIONS,
    }
}

/// A body's fields as form fields (texts as they are, other values as JSON).
fn form_fields(body: &Value) -> Vec<(String, String)> {
    match body {
        Value::Object(fields) => fields
            .iter()
            .map(|(name, value)| {
                let text = match value {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                (name.clone(), text)
            })
            .collect(),
        _ => Vec::new(),
    }
}
