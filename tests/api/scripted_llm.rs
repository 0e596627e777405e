//! A scripted model provider for the agent tests: it speaks both OpenAI's chat completions and
//! Anthropic's messages, answers from a queue the test fills (each answer may look at the prompt
//! to find element ids), and records every request it received.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use skyvern::config::ModelPrice;

use crate::helpers::TestApp;

/// One scripted reaction to a request.
pub enum Reply {
    /// The model's answer text.
    Answer(String),
    /// An HTTP error, with an optional Retry-After.
    Status(u16, Option<&'static str>),
    /// Never answer.
    Hang,
    /// The answer text, given only once every request holding the same barrier has arrived:
    /// proof that those requests were in flight at the same time.
    Together(Arc<tokio::sync::Barrier>, String),
}

type Script = Box<dyn Fn(&str) -> Reply + Send + Sync>;

#[derive(Default)]
struct State {
    replies: Mutex<VecDeque<Script>>,
    received: Mutex<Vec<Value>>,
}

pub struct ScriptedLlm {
    pub base_url: String,
    state: Arc<State>,
    _server: actix_web::dev::ServerHandle,
}

/// Tokens every scripted answer reports: input (of which cached) and output.
pub const INPUT_TOKENS: i64 = 100;
pub const CACHED_TOKENS: i64 = 20;
pub const OUTPUT_TOKENS: i64 = 10;

/// The text of the last user message, in either wire format.
fn last_prompt(body: &Value) -> String {
    let message = body["messages"].as_array().and_then(|m| m.last()).cloned().unwrap_or_default();
    match &message["content"] {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts.iter().filter_map(|p| p["text"].as_str()).collect::<Vec<_>>().join("\n"),
        _ => String::new(),
    }
}

/// A successful answer carrying `text`, in the wire format the request used.
fn answer(anthropic: bool, text: String) -> HttpResponse {
    if anthropic {
        HttpResponse::Ok().json(json!({
            "id": "msg_1", "type": "message", "role": "assistant",
            "content": [{"type": "text", "text": text}],
            "usage": {"input_tokens": INPUT_TOKENS - CACHED_TOKENS, "cache_read_input_tokens": CACHED_TOKENS, "output_tokens": OUTPUT_TOKENS}
        }))
    } else {
        HttpResponse::Ok().json(json!({
            "id": "chatcmpl-1", "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": INPUT_TOKENS, "completion_tokens": OUTPUT_TOKENS, "prompt_tokens_details": {"cached_tokens": CACHED_TOKENS}}
        }))
    }
}

async fn respond(state: web::Data<Arc<State>>, request: HttpRequest, body: web::Json<Value>) -> HttpResponse {
    let anthropic = request.path().ends_with("/messages");
    let prompt = last_prompt(&body);
    state.received.lock().unwrap().push(body.into_inner());
    let script = state.replies.lock().unwrap().pop_front();
    let Some(script) = script else {
        return HttpResponse::InternalServerError().json(json!({"error": "the test script has no more answers"}));
    };
    match script(&prompt) {
        Reply::Answer(text) => answer(anthropic, text),
        Reply::Together(barrier, text) => {
            barrier.wait().await;
            answer(anthropic, text)
        }
        Reply::Status(status, retry_after) => {
            let mut response = HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap());
            if let Some(seconds) = retry_after {
                response.insert_header(("retry-after", seconds));
            }
            response.json(json!({"error": {"message": format!("scripted {status}"), "code": "model_not_found"}}))
        }
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(120)).await;
            HttpResponse::Ok().finish()
        }
    }
}

impl ScriptedLlm {
    pub fn start() -> ScriptedLlm {
        let state = Arc::new(State::default());
        let shared = web::Data::new(state.clone());
        let (base_url, server) = crate::helpers::serve_locally(move |config| {
            config
                .app_data(shared.clone())
                .app_data(web::JsonConfig::default().limit(64 * 1024 * 1024))
                .route("/v1/chat/completions", web::post().to(respond))
                .route("/v1/messages", web::post().to(respond));
        });
        ScriptedLlm { base_url, state, _server: server }
    }

    /// Queues a reaction computed from the prompt.
    pub fn then(&self, script: impl Fn(&str) -> Reply + Send + Sync + 'static) -> &ScriptedLlm {
        self.state.replies.lock().unwrap().push_back(Box::new(script));
        self
    }

    /// Queues a decision: `actions(prompt)` builds the actions from the page in the prompt.
    pub fn decide(&self, actions: impl Fn(&str) -> Value + Send + Sync + 'static) -> &ScriptedLlm {
        self.then(move |prompt| {
            Reply::Answer(json!({"reasoning": "scripted reasoning", "actions": actions(prompt)}).to_string())
        })
    }

    /// Queues `count` decisions answered only when all `count` requests are in flight at once.
    pub fn decide_together(
        &self,
        count: usize,
        actions: impl Fn(&str) -> Value + Send + Sync + Clone + 'static,
    ) -> &ScriptedLlm {
        let barrier = Arc::new(tokio::sync::Barrier::new(count));
        for _ in 0..count {
            let (barrier, actions) = (barrier.clone(), actions.clone());
            self.then(move |prompt| {
                let text = json!({"reasoning": "scripted reasoning", "actions": actions(prompt)}).to_string();
                Reply::Together(barrier.clone(), text)
            });
        }
        self
    }

    /// The appliance with this provider (`openai` or `anthropic`) as its model, `test-model`.
    pub async fn appliance(&self, provider: &'static str, customize: impl FnOnce(&mut skyvern::Config)) -> TestApp {
        let base = self.base_url.clone();
        TestApp::spawn_with(move |config| {
            config.llm.provider = provider.into();
            config.llm.base_url = if provider == "openai" { format!("{base}/v1") } else { base };
            config.llm.model = "test-model".into();
            config.llm.vision = false;
            config.llm.timeout_seconds = 5;
            config.llm.max_retries = 2;
            config.llm.retry_base_ms = 20;
            config.prices.insert("test-model".into(), ModelPrice { input: 1.0, cached_input: 0.5, output: 2.0 });
            customize(config);
        })
        .await
    }

    pub fn received(&self) -> Vec<Value> {
        self.state.received.lock().unwrap().clone()
    }
}

/// The id of the element whose line in the prompt contains `needle`.
pub fn element(prompt: &str, needle: &str) -> String {
    prompt
        .lines()
        .find(|line| line.starts_with('[') && line.contains(needle))
        .and_then(|line| line[1..].split(']').next())
        .unwrap_or_else(|| panic!("no element with {needle:?} in the prompt:\n{prompt}"))
        .to_owned()
}
