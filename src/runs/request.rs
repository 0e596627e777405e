//! The task run request: Skyvern's `POST /v1/run/tasks` body, with this appliance's extensions,
//! parsed once into a typed `TaskSpec`.
//!
//! Every optional field accepts `null` (the SDK sends them all). Unknown fields are ignored, so
//! newer SDKs keep working. The request is stored whole and parsed again when the run starts,
//! so a run that waited in the queue across a restart runs exactly what was asked.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use super::Engine;
use crate::engine::{ScriptStep, script};
use crate::ids::{BrowserProfileId, SessionId};

/// The body as the SDK sends it (Skyvern's `TaskRunRequest`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = TaskRunRequest)]
pub struct TaskRequest {
    pub prompt: Option<String>,
    pub url: Option<String>,
    pub engine: Option<String>,
    pub title: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub proxy_location: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub data_extraction_schema: Option<Value>,
    pub error_code_mapping: Option<BTreeMap<String, Option<String>>>,
    pub max_steps: Option<i64>,
    pub webhook_url: Option<String>,
    pub totp_identifier: Option<String>,
    pub totp_url: Option<String>,
    pub browser_session_id: Option<String>,
    pub browser_profile_id: Option<String>,
    pub model: Option<serde_json::Map<String, Value>>,
    pub extra_http_headers: Option<BTreeMap<String, Option<String>>>,
    pub cdp_connect_headers: Option<BTreeMap<String, Option<String>>>,
    pub publish_workflow: Option<bool>,
    pub include_action_history_in_verification: Option<bool>,
    pub max_screenshot_scrolls: Option<i64>,
    pub browser_address: Option<String>,
    pub run_with: Option<String>,
    /// Extension: the actions the `code` engine replays.
    #[schema(value_type = Option<Vec<Object>>)]
    pub script: Option<Vec<ScriptStep>>,
    /// Extension: secret values by name; actions and the agent use them as `{{secret.NAME}}`.
    /// Kept in memory only, never stored or shown to a model.
    pub secrets: Option<BTreeMap<String, Option<String>>>,
    /// Extension: files for upload actions, by name, as base64; once stored, each is an `upload`
    /// artifact of the run and the request keeps only the names.
    pub files: Option<BTreeMap<String, Option<String>>>,
    /// Extension: this run's time budget, instead of `runs.time_budget_seconds`.
    pub time_budget_seconds: Option<u64>,
}

/// A valid task request, typed.
#[derive(Debug, Clone)]
pub struct TaskSpec {
    pub engine: Engine,
    pub prompt: Option<String>,
    pub url: Option<String>,
    pub title: Option<String>,
    pub script: Vec<ScriptStep>,
    pub data_extraction_schema: Option<Value>,
    pub time_budget: Option<Duration>,
    pub extra_http_headers: BTreeMap<String, String>,
    pub browser_address: Option<String>,
    /// The browser session the run drives, instead of a context of its own.
    pub browser_session_id: Option<SessionId>,
    /// The browser profile the run's own context starts from.
    pub browser_profile_id: Option<BrowserProfileId>,
    pub webhook_url: Option<String>,
    /// The agent's step limit for this run (else `agent.max_steps`).
    pub max_steps: Option<u32>,
    /// The model for this run (else `llm.model`).
    pub model: Option<String>,
    /// Error codes the agent may report, with their meaning.
    pub error_code_mapping: BTreeMap<String, String>,
    /// The names of the run's secrets (their values never leave memory).
    pub secret_names: Vec<String>,
    /// The names of the files the run may upload.
    pub file_names: Vec<String>,
    /// Where the run's verification codes come from, besides its credentials' TOTP secrets.
    pub totp: TotpSettings,
}

/// Skyvern's `totp_identifier` and `totp_url` of a run: the identifier (a mail address, a phone
/// number) codes for it are pushed to, and a URL the appliance asks for codes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TotpSettings {
    pub totp_identifier: Option<String>,
    pub totp_url: Option<String>,
}

impl TotpSettings {
    /// Checks both: `totp_url` is asked like a webhook is posted, so it follows the same rules.
    pub fn parse(totp_identifier: Option<String>, totp_url: Option<String>) -> Result<TotpSettings, InvalidRequest> {
        if let Some(url) = &totp_url {
            webhook_url(url).or_else(|message| invalid("totp_url", message))?;
        }
        if totp_identifier.as_ref().is_some_and(|identifier| identifier.len() > 1000) {
            return invalid("totp_identifier", "longer than 1000 bytes");
        }
        let present = |text: Option<String>| text.filter(|text| !text.trim().is_empty());
        Ok(TotpSettings { totp_identifier: present(totp_identifier), totp_url: present(totp_url) })
    }
}

/// A field of the request that is not acceptable, and why.
#[derive(Debug, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InvalidRequest {
    pub field: &'static str,
    pub message: String,
}

fn invalid<T>(field: &'static str, message: impl Into<String>) -> Result<T, InvalidRequest> {
    Err(InvalidRequest { field, message: message.into() })
}

/// Longest accepted prompt, title or URL.
const MAX_TEXT: usize = 100_000;
/// Largest accepted time budget: one day.
const MAX_BUDGET_SECONDS: u64 = 86_400;

/// Accepts only absolute http and https URLs.
pub fn web_url(text: &str) -> Result<(), String> {
    match url::Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(()),
        Ok(url) => Err(format!("only http and https URLs are allowed, not `{}:`", url.scheme())),
        Err(error) => Err(format!("`{}` is not a URL: {error}", text.chars().take(200).collect::<String>())),
    }
}

/// Accepts a URL a webhook may be posted to: http or https, with no user name or password in it
/// (a receiver's credentials would be kept and shown with the run).
pub fn webhook_url(text: &str) -> Result<(), String> {
    web_url(text)?;
    match url::Url::parse(text) {
        Ok(url) if !url.username().is_empty() || url.password().is_some() => {
            Err("a webhook URL may not carry a user name or password".into())
        }
        _ => Ok(()),
    }
}

/// Accepts the address of a remote Chromium's DevTools: ws://, wss://, http:// or https://.
pub fn cdp_address(text: &str) -> Result<(), String> {
    let scheme_ok = ["ws://", "wss://", "http://", "https://"].iter().any(|s| text.starts_with(s));
    if scheme_ok && url::Url::parse(text).is_ok() {
        Ok(())
    } else {
        Err("expected a CDP address: ws://, wss://, http:// or https://".into())
    }
}

impl TaskRequest {
    /// Checks every field and resolves the engine; `agent_available` says whether a model
    /// provider is configured.
    pub fn into_spec(self, agent_available: bool) -> Result<TaskSpec, InvalidRequest> {
        for (field, text) in [("prompt", &self.prompt), ("title", &self.title), ("url", &self.url)] {
            if text.as_ref().is_some_and(|t| t.len() > MAX_TEXT) {
                return invalid(field, format!("longer than {MAX_TEXT} bytes"));
            }
        }
        if let Some(url) = &self.url {
            web_url(url).or_else(|message| invalid("url", message))?;
        }
        if let Some(url) = &self.webhook_url {
            webhook_url(url).or_else(|message| invalid("webhook_url", message))?;
        }
        if let Some(address) = &self.browser_address {
            cdp_address(address).or_else(|message| invalid("browser_address", message))?;
        }
        let totp = TotpSettings::parse(self.totp_identifier.clone(), self.totp_url.clone())?;
        let browser_session_id = match &self.browser_session_id {
            Some(id) => Some(SessionId::parse(id).or_else(|error| invalid("browser_session_id", error.to_string()))?),
            None => None,
        };
        let browser_profile_id = match &self.browser_profile_id {
            Some(id) => {
                Some(BrowserProfileId::parse(id).or_else(|error| invalid("browser_profile_id", error.to_string()))?)
            }
            None => None,
        };
        if browser_profile_id.is_some() && browser_session_id.is_some() {
            return invalid(
                "browser_profile_id",
                "a run on a browser session has the session's storage: name a session or a profile, not both",
            );
        }
        if let Some(location) = &self.proxy_location
            && !(location.is_null() || location == "NONE")
        {
            return invalid("proxy_location", "this appliance has no proxies; use null or \"NONE\"");
        }
        if let Some(steps) = self.max_steps
            && !(1..=1000).contains(&steps)
        {
            return invalid("max_steps", "must be between 1 and 1000");
        }
        let time_budget = match self.time_budget_seconds {
            Some(0) => return invalid("time_budget_seconds", "must be positive"),
            Some(seconds) if seconds > MAX_BUDGET_SECONDS => {
                return invalid("time_budget_seconds", format!("may be at most {MAX_BUDGET_SECONDS}"));
            }
            other => other.map(Duration::from_secs),
        };
        let data_extraction_schema = match self.data_extraction_schema {
            // A JSON text is a schema; any other text is a description of the wanted output.
            Some(Value::String(text)) => Some(serde_json::from_str(&text).unwrap_or(Value::String(text))),
            Some(Value::Null) | None => None,
            Some(schema @ Value::Object(_)) => Some(schema),
            Some(_) => return invalid("data_extraction_schema", "expected a JSON Schema object or a text"),
        };
        if let Some(schema) = &data_extraction_schema {
            crate::engine::check_schema(schema)
                .or_else(|message| invalid("data_extraction_schema", format!("not a valid JSON Schema: {message}")))?;
        }
        for (name, value) in self.secrets.iter().flatten() {
            let name_ok =
                !name.is_empty() && name.len() <= 64 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !name_ok {
                return invalid("secrets", format!("`{name}`: names are 1-64 letters, digits or _"));
            }
            if value.as_ref().is_some_and(|v| v.len() > 4096) {
                return invalid("secrets", format!("`{name}`: at most 4096 bytes"));
            }
        }
        for name in self.files.iter().flat_map(|files| files.keys()) {
            if crate::artifacts::safe_file_name(name) != *name {
                return invalid("files", format!("`{name}` is not a plain file name"));
            }
        }
        let script = self.script.unwrap_or_default();
        script::validate(&script).or_else(|error| invalid("script", error.to_string()))?;
        let engine = resolve_engine(self.engine.as_deref(), self.run_with.as_deref(), !script.is_empty())?;
        match engine {
            Engine::Code if script.is_empty() && self.url.is_none() => {
                return invalid("script", "a code run needs a `script` (or at least a `url`)");
            }
            Engine::Agent if self.prompt.as_deref().is_none_or(|p| p.trim().is_empty()) => {
                return invalid("prompt", "the agent needs a prompt");
            }
            Engine::Agent if !agent_available => {
                return invalid(
                    "engine",
                    "the agent engine needs an LLM provider, and none is configured (llm.provider); send a `script` to run with the code engine",
                );
            }
            Engine::Agent | Engine::Code => {}
        }
        let model = match &self.model {
            None => None,
            Some(fields) => match fields.get("model_name").or_else(|| fields.get("model")) {
                Some(Value::String(name)) if !name.trim().is_empty() => Some(name.clone()),
                None | Some(Value::Null) => None,
                Some(_) => return invalid("model", "expected {\"model_name\": \"<model>\"}"),
            },
        };
        let extra_http_headers = self
            .extra_http_headers
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(name, value)| value.map(|value| (name, value)))
            .collect();
        Ok(TaskSpec {
            engine,
            prompt: self.prompt,
            url: self.url,
            title: self.title,
            script,
            data_extraction_schema,
            time_budget,
            extra_http_headers,
            browser_address: self.browser_address,
            browser_session_id,
            browser_profile_id,
            webhook_url: self.webhook_url,
            max_steps: self.max_steps.map(|steps| steps as u32),
            model,
            file_names: self.files.as_ref().map(|f| f.keys().cloned().collect()).unwrap_or_default(),
            secret_names: self.secrets.as_ref().map(|s| s.keys().cloned().collect()).unwrap_or_default(),
            totp,
            error_code_mapping: self
                .error_code_mapping
                .unwrap_or_default()
                .into_iter()
                .map(|(code, meaning)| (code, meaning.unwrap_or_default()))
                .collect(),
        })
    }
}

/// Skyvern's engine names (`skyvern-1.0`, `skyvern-2.0`) mean the agent; `run_with` or a script
/// selects the code engine.
fn resolve_engine(engine: Option<&str>, run_with: Option<&str>, has_script: bool) -> Result<Engine, InvalidRequest> {
    let named = match engine {
        None => None,
        Some("skyvern-1.0" | "skyvern-2.0" | "agent") => Some(Engine::Agent),
        Some("code") => Some(Engine::Code),
        Some(other) => {
            return invalid(
                "engine",
                format!("`{other}` is not supported; use skyvern-1.0, skyvern-2.0, agent or code"),
            );
        }
    };
    let chosen = match run_with {
        None => None,
        Some("agent") => Some(Engine::Agent),
        Some("code") => Some(Engine::Code),
        Some(other) => return invalid("run_with", format!("`{other}` is not one of agent, code")),
    };
    Ok(match (named, chosen) {
        (Some(Engine::Code), _) | (_, Some(Engine::Code)) => Engine::Code,
        (_, Some(Engine::Agent)) => Engine::Agent,
        // A script is replayed by the code engine whatever engine name the SDK sent by default.
        _ if has_script => Engine::Code,
        _ => Engine::Agent,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(body: Value) -> Result<TaskSpec, InvalidRequest> {
        serde_json::from_value::<TaskRequest>(body).unwrap().into_spec(false)
    }

    #[test]
    fn every_optional_field_accepts_null() {
        let body = json!({
            "prompt": "p", "url": "http://127.0.0.1/", "engine": null, "title": null, "proxy_location": null,
            "data_extraction_schema": null, "error_code_mapping": null, "max_steps": null, "webhook_url": null,
            "totp_identifier": null, "totp_url": null, "browser_session_id": null, "model": null,
            "extra_http_headers": null, "cdp_connect_headers": null, "publish_workflow": null,
            "include_action_history_in_verification": null, "max_screenshot_scrolls": null,
            "browser_address": null, "run_with": "code", "script": null, "time_budget_seconds": null
        });
        let spec = parse(body).unwrap();
        assert_eq!(spec.engine, Engine::Code);
    }

    #[test]
    fn a_script_selects_the_code_engine_even_with_the_sdk_default_engine() {
        let spec =
            parse(json!({"prompt": "p", "engine": "skyvern-1.0", "script": [{"action": "wait", "ms": 1}]})).unwrap();
        assert_eq!(spec.engine, Engine::Code);
    }

    #[test]
    fn bad_fields_are_named() {
        let cases = [
            (json!({"url": "ftp://x/", "script": []}), "url"),
            (json!({"url": "javascript:alert(1)", "run_with": "code"}), "url"),
            (json!({"run_with": "code"}), "script"),
            (json!({"prompt": "p", "engine": "openai-cua"}), "engine"),
            (json!({"prompt": "p", "run_with": "code", "url": "http://a/", "max_steps": 0}), "max_steps"),
            (json!({"run_with": "code", "url": "http://a/", "time_budget_seconds": 0}), "time_budget_seconds"),
            (json!({"run_with": "code", "url": "http://a/", "browser_address": "localhost:9222"}), "browser_address"),
            (json!({"run_with": "code", "url": "http://a/", "webhook_url": "ftp://hooks.example/"}), "webhook_url"),
            (
                json!({"run_with": "code", "url": "http://a/", "webhook_url": "https://u:p@hooks.example/"}),
                "webhook_url",
            ),
        ];
        for (body, field) in cases {
            let error = parse(body.clone()).unwrap_err();
            assert_eq!(error.field, field, "{body}");
        }
    }

    #[test]
    fn a_schema_given_as_json_text_is_parsed() {
        let spec =
            parse(json!({"run_with": "code", "url": "http://a/", "data_extraction_schema": "{\"type\": \"object\"}"}))
                .unwrap();
        assert_eq!(spec.data_extraction_schema, Some(json!({"type": "object"})));
    }
}
