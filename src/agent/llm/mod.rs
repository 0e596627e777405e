//! Model providers: any OpenAI-compatible chat-completions server (OpenAI, Ollama, vLLM,
//! llama.cpp, LM Studio, OpenRouter) and Anthropic's Messages API, behind one `LlmClient`.
//!
//! Both speak plain HTTP through reqwest: the two wire formats are small, and owning them keeps
//! every provider's token accounting (cached tokens included), error bodies and `Retry-After`
//! in view. Transient failures (429, 5xx, 529, timeouts, refused connections) are retried with
//! exponential backoff and full jitter (`retry`).

mod anthropic;
mod openai;
mod retry;

use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use crate::config::LlmConfig;

/// Who speaks in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
}

/// One part of a message.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Part {
    Text {
        text: String,
    },
    /// A JPEG screenshot; traces keep only `artifact_id`, never the bytes.
    Image {
        #[serde(skip)]
        jpeg_base64: String,
        artifact_id: Option<String>,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub role: Role,
    pub parts: Vec<Part>,
}

impl Message {
    pub fn text(role: Role, text: impl Into<String>) -> Message {
        Message { role, parts: vec![Part::Text { text: text.into() }] }
    }
}

/// What the model is asked.
#[derive(Debug, Clone, Serialize)]
pub struct ChatRequest {
    pub model: String,
    pub system: String,
    pub messages: Vec<Message>,
}

/// Tokens of one call, as the provider counted them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TokenUsage {
    pub input: i64,
    pub cached: i64,
    pub output: i64,
}

/// The model's answer.
#[derive(Debug, Clone)]
pub struct ChatReply {
    pub text: String,
    pub usage: TokenUsage,
    /// The provider's whole response body.
    pub raw: Value,
    pub latency: Duration,
}

/// Why no answer came.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LlmError {
    #[error("the model provider is unavailable: {0}")]
    Unavailable(String),
    #[error("the model provider kept refusing for rate limits: {0}")]
    RateLimited(String),
    #[error("the model provider does not know model `{model}`: {detail}")]
    UnknownModel { model: String, detail: String },
    #[error("the model provider refused the request ({status}): {detail}")]
    Rejected { status: u16, detail: String },
    #[error("the model provider's answer is not understood: {0}")]
    BadResponse(String),
}

impl LlmError {
    /// The run error code for this failure.
    pub fn code(&self) -> &'static str {
        match self {
            LlmError::Unavailable(_) => "llm_unavailable",
            LlmError::RateLimited(_) => "llm_rate_limited",
            LlmError::UnknownModel { .. } => "llm_unknown_model",
            LlmError::Rejected { .. } => "llm_rejected",
            LlmError::BadResponse(_) => "llm_bad_response",
        }
    }
}

/// One attempt's failure: retried when `transient`, after `retry_after` if the provider said.
#[derive(Debug)]
struct AttemptError {
    error: LlmError,
    transient: bool,
    retry_after: Option<Duration>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Provider {
    OpenAi,
    Anthropic,
}

/// A configured model provider.
#[derive(Clone)]
pub struct LlmClient {
    provider: Provider,
    http: reqwest::Client,
    settings: LlmConfig,
}

impl LlmClient {
    /// The configured client, or `None` when no provider is set.
    pub fn from_config(settings: &LlmConfig) -> Result<Option<LlmClient>, String> {
        let provider = match settings.provider.as_str() {
            "" => return Ok(None),
            "openai" => Provider::OpenAi,
            "anthropic" => Provider::Anthropic,
            other => return Err(format!("llm.provider `{other}` is not one of openai, anthropic")),
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(settings.timeout_seconds))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Some(LlmClient { provider, http, settings: settings.clone() }))
    }

    pub fn provider_name(&self) -> &'static str {
        match self.provider {
            Provider::OpenAi => "openai",
            Provider::Anthropic => "anthropic",
        }
    }

    pub fn default_model(&self) -> &str {
        &self.settings.model
    }

    pub fn vision(&self) -> bool {
        self.settings.vision
    }

    /// The address calls go to: `llm.base_url`, or the provider's own.
    pub fn base_url(&self) -> &str {
        let default = match self.provider {
            Provider::OpenAi => openai::DEFAULT_BASE_URL,
            Provider::Anthropic => anthropic::DEFAULT_BASE_URL,
        };
        base_url(&self.settings, default)
    }

    /// One small call, never retried: whether the provider answers with these settings. A
    /// person waits for it (`POST /v1/model/test`), so a failure is told at once.
    pub async fn probe(&self) -> Result<ChatReply, LlmError> {
        let request = ChatRequest {
            model: self.settings.model.clone(),
            system: "This is a connection test.".into(),
            messages: vec![Message::text(Role::User, "Reply with the single word: ok")],
        };
        let started = Instant::now();
        let sent = match self.provider {
            Provider::OpenAi => openai::send(&self.http, &self.settings, &request).await,
            Provider::Anthropic => anthropic::send(&self.http, &self.settings, &request).await,
        };
        let (text, usage, raw) = sent.map_err(|failure| failure.error)?;
        Ok(ChatReply { text, usage, raw, latency: started.elapsed() })
    }

    /// Asks the model, retrying transient failures.
    pub async fn chat(&self, request: &ChatRequest) -> Result<ChatReply, LlmError> {
        let started = Instant::now();
        let policy = retry::Policy::from(&self.settings);
        let (text, usage, raw) = policy
            .run(|| async {
                match self.provider {
                    Provider::OpenAi => openai::send(&self.http, &self.settings, request).await,
                    Provider::Anthropic => anthropic::send(&self.http, &self.settings, request).await,
                }
            })
            .await?;
        Ok(ChatReply { text, usage, raw, latency: started.elapsed() })
    }
}

/// What a provider's answer carries: the text, its tokens, and the whole body.
type Answer = (String, TokenUsage, Value);

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// The configured base URL without a trailing slash, or the provider's own.
fn base_url<'a>(settings: &'a LlmConfig, default: &'a str) -> &'a str {
    if settings.base_url.is_empty() { default } else { settings.base_url.trim_end_matches('/') }
}

/// Sends a prepared call and reads a 2xx JSON body; anything else becomes an `AttemptError`.
async fn post_json(call: reqwest::RequestBuilder, model: &str) -> Result<Value, AttemptError> {
    let response = call.send().await.map_err(transport_failure)?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.map_err(transport_failure)?;
    if !(200..300).contains(&status) {
        return Err(http_failure(status, &text, &headers, model));
    }
    serde_json::from_str(&text).map_err(|e| bad_response(format!("not JSON: {e}")))
}

fn bad_response(message: String) -> AttemptError {
    AttemptError { error: LlmError::BadResponse(message), transient: false, retry_after: None }
}

/// Classifies an HTTP failure of either provider.
fn http_failure(status: u16, body: &str, headers: &reqwest::header::HeaderMap, model: &str) -> AttemptError {
    let detail: String = body.chars().take(500).collect();
    let retry_after = retry::retry_after(headers);
    let mentions_model = body.contains("model");
    let (error, transient) = match status {
        429 => (LlmError::RateLimited(detail), true),
        404 if mentions_model => (LlmError::UnknownModel { model: model.to_owned(), detail }, false),
        400 if body.contains("model_not_found") || body.contains("does not exist") => {
            (LlmError::UnknownModel { model: model.to_owned(), detail }, false)
        }
        500..=599 => (LlmError::Unavailable(format!("HTTP {status}: {detail}")), true),
        _ => (LlmError::Rejected { status, detail }, false),
    };
    AttemptError { error, transient, retry_after }
}

/// Classifies a transport failure (refused, reset, timed out): always transient. The message
/// names the address and the deepest cause ("Connection refused"), which reqwest's own leaves out.
fn transport_failure(error: reqwest::Error) -> AttemptError {
    let address = error.url().map(|url| format!(" from {url}")).unwrap_or_default();
    let what = if error.is_timeout() {
        format!("no answer in time{address}")
    } else {
        let root = std::iter::successors(std::error::Error::source(&error), |cause| cause.source()).last();
        match root {
            Some(root) => format!("{error}: {root}"),
            None => error.to_string(),
        }
    };
    AttemptError { error: LlmError::Unavailable(what), transient: true, retry_after: None }
}
