//! One HTTP attempt of a delivery: the POST itself and what came of it, with nothing decided
//! yet about retrying. The client follows no redirects, uses no proxy, bounds the whole attempt
//! by `timeout_seconds` and, unless `allow_private`, connects only to public addresses.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use super::address::{self, PublicOnly, Refused};
use super::retry;
use crate::config::WebhooksConfig;

/// How much of a receiver's answer is kept.
pub const EXCERPT_BYTES: usize = 2048;

/// What one attempt brought back.
#[derive(Debug, Clone, Default)]
pub struct Sent {
    /// When the attempt began.
    pub attempted_at: String,
    pub status_code: Option<u16>,
    pub latency_ms: i64,
    pub error: Option<String>,
    /// The start of the receiver's answer, at most `EXCERPT_BYTES`.
    pub response_excerpt: Option<String>,
    pub retry_after: Option<Duration>,
    /// The address was not allowed; nothing was sent.
    pub refused: bool,
}

impl Sent {
    /// An attempt begun now that ended before an answer, for `reason`.
    pub fn failed_now(reason: impl Into<String>) -> Sent {
        Sent { attempted_at: crate::clock::now(), error: Some(reason.into()), ..Sent::default() }
    }

    fn refused(refusal: &Refused) -> Sent {
        Sent { refused: true, ..Sent::failed_now(refusal.to_string()) }
    }
}

/// The HTTP client of every delivery.
pub fn client(config: &WebhooksConfig) -> reqwest::Result<reqwest::Client> {
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(Duration::from_secs(config.timeout_seconds))
        .user_agent(concat!("skyvern-appliance/", env!("CARGO_PKG_VERSION"), " (webhooks)"));
    let builder = if config.allow_private { builder } else { builder.dns_resolver(Arc::new(PublicOnly)) };
    builder.build()
}

/// Posts `body` with `headers` to `url`.
pub async fn post(
    client: &reqwest::Client,
    allow_private: bool,
    url: &str,
    headers: &[(&'static str, String)],
    body: &str,
) -> Sent {
    let parsed = match url::Url::parse(url) {
        Ok(parsed) => parsed,
        Err(error) => return Sent::failed_now(format!("not a URL: {error}")),
    };
    if !allow_private && let Err(refusal) = address::check_literal_host(&parsed) {
        return Sent::refused(&refusal);
    }
    let mut request = client.post(parsed).body(body.to_owned());
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let attempted_at = crate::clock::now();
    let started = Instant::now();
    let response = request.send().await;
    let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let mut response = match response {
        Ok(response) => response,
        Err(error) => {
            if let Some(refusal) = refusal_in(&error) {
                return Sent::refused(refusal);
            }
            return Sent { attempted_at, latency_ms, error: Some(describe(&error)), ..Sent::default() };
        }
    };
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| retry::parse_retry_after(value, SystemTime::now()));
    let mut excerpt = Vec::new();
    let mut error = None;
    while excerpt.len() < EXCERPT_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => excerpt.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(reading) => {
                error = Some(format!("the answer could not be read: {}", describe(&reading)));
                break;
            }
        }
    }
    Sent {
        attempted_at,
        status_code: Some(response.status().as_u16()),
        latency_ms,
        error,
        response_excerpt: Some(excerpt_of(&excerpt)),
        retry_after,
        refused: false,
    }
}

/// At most `EXCERPT_BYTES` of `bytes` as text, cut on a character boundary.
fn excerpt_of(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(EXCERPT_BYTES)]);
    let mut end = text.len().min(EXCERPT_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

/// The refusal of the address check, if that is why the request failed.
fn refusal_in(error: &reqwest::Error) -> Option<&Refused> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(refusal) = current.downcast_ref::<Refused>() {
            return Some(refusal);
        }
        source = current.source();
    }
    None
}

/// The error's causes (reqwest's own message only repeats the URL).
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return "timed out".into();
    }
    let mut parts = Vec::new();
    let mut source = std::error::Error::source(error);
    while let Some(current) = source {
        parts.push(current.to_string());
        source = current.source();
    }
    if parts.is_empty() { error.to_string() } else { parts.join(": ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_excerpt_is_cut_at_2_kb_on_a_character_boundary() {
        let long = "é".repeat(2000);
        let excerpt = excerpt_of(long.as_bytes());
        assert!(excerpt.len() <= EXCERPT_BYTES && excerpt.chars().all(|c| c == 'é'));
        assert_eq!(excerpt_of(b"ok"), "ok");
    }
}
