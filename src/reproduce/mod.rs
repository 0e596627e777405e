//! The exact request that makes a run again, for a person to send it themselves: the body the run
//! was asked with, with what was never kept put back (each secret's value as a placeholder to fill
//! in, each file sent as content given that content again, from the run's uploads), as JSON, as a
//! `curl` command (`curl`) or as a Python script using the `skyvern` SDK (`python`). The API key is
//! never written out: both read it from `$SKYVERN_API_KEY`.

mod curl;
mod python;

use std::collections::BTreeMap;

use serde_json::Value;

pub use curl::curl_command;
pub use python::python_script;

use crate::runs::{Run, RunType};

/// The fields the appliance adds to a plan run's stored request, which no client sends.
const ADDED_TO_PLAN_RUNS: [&str; 2] = ["trigger_type", "workflow_schedule_id"];

/// How a reproduction is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Curl,
    Python,
}

impl Format {
    pub const NAMES: [&'static str; 3] = ["json", "curl", "python"];

    pub fn parse(text: &str) -> Option<Format> {
        match text {
            "json" => Some(Format::Json),
            "curl" => Some(Format::Curl),
            "python" => Some(Format::Python),
            _ => None,
        }
    }
}

/// The body the run was asked with, as it was stored: without a plan run's fields that the
/// appliance added (a run asked for with it is asked for through the API again).
pub fn asked_for(run: &Run) -> Value {
    let mut body = run.request.clone();
    if run.run_type == RunType::WorkflowRun
        && let Value::Object(fields) = &mut body
    {
        for field in ADDED_TO_PLAN_RUNS {
            fields.remove(field);
        }
    }
    body
}

/// What a person fills in for the secret `name`.
pub fn secret_placeholder(name: &str) -> String {
    format!("<value of secret {name}>")
}

/// `asked_for`, ready to send: each secret's value a placeholder, and each file whose content
/// was not kept in the request given it again from `contents` (the run's uploads, by name), as
/// base64. A file named by an uploaded file's reference keeps its reference.
pub fn reproducing_body(run: &Run, contents: &BTreeMap<String, Vec<u8>>) -> Value {
    use base64::Engine as _;
    let mut body = asked_for(run);
    if let Some(Value::Object(secrets)) = body.get_mut("secrets") {
        for (name, value) in secrets.iter_mut() {
            *value = Value::String(secret_placeholder(name));
        }
    }
    if let Some(Value::Object(files)) = body.get_mut("files") {
        for (name, value) in files.iter_mut().filter(|(_, value)| value.is_null()) {
            let content = contents.get(name).map(Vec::as_slice).unwrap_or_default();
            *value = Value::String(base64::engine::general_purpose::STANDARD.encode(content));
        }
    }
    body
}

/// The lines that say what the person must do before sending the request, without a comment
/// mark: set the key, fill in the secrets (their names are letters, digits and `_`).
fn instructions(body: &Value) -> Vec<String> {
    let mut lines = vec!["Set SKYVERN_API_KEY to an API key of the appliance first.".to_owned()];
    let secrets: Vec<&str> = body
        .get("secrets")
        .and_then(Value::as_object)
        .map(|s| s.keys().map(String::as_str).collect())
        .unwrap_or_default();
    if !secrets.is_empty() {
        lines.push(format!(
            "Replace each {} with the secret's value ({}).",
            secret_placeholder("NAME"),
            secrets.join(", ")
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::ids::RunId;
    use crate::runs::{Engine, RunStatus, Usage};

    pub(super) fn a_run(run_type: RunType, request: Value) -> Run {
        Run {
            id: RunId::parse("tsk_1").unwrap(),
            run_type,
            engine: Engine::Code,
            status: RunStatus::Completed,
            title: None,
            prompt: None,
            url: None,
            request,
            output: None,
            failure_reason: None,
            errors: Vec::new(),
            step_count: 0,
            action_count: 0,
            browser_opened: true,
            browser_session_id: None,
            webhook_url: None,
            plan: None,
            rerun_of: None,
            usage: Usage::default(),
            created_at: "2025-01-01T00:00:00Z".into(),
            modified_at: "2025-01-01T00:00:00Z".into(),
            queued_at: None,
            started_at: None,
            finished_at: None,
            artifacts_removed_at: None,
        }
    }

    #[test]
    fn secrets_become_placeholders_and_files_get_their_content_back() {
        let run = a_run(
            RunType::TaskV1,
            json!({"url": "http://a/", "secrets": {"pin": null}, "files": {"cv.txt": null, "photo.png": "skyvern-file://file_7"}}),
        );
        let contents = BTreeMap::from([("cv.txt".to_owned(), b"Ada".to_vec())]);
        assert_eq!(
            reproducing_body(&run, &contents),
            json!({"url": "http://a/", "secrets": {"pin": "<value of secret pin>"},
                   "files": {"cv.txt": "QWRh", "photo.png": "skyvern-file://file_7"}})
        );
    }

    #[test]
    fn a_plan_run_is_asked_for_without_the_fields_the_appliance_added() {
        let run = a_run(
            RunType::WorkflowRun,
            json!({"agent_id": "wpid_1", "parameters": {"n": 1}, "trigger_type": "scheduled", "workflow_schedule_id": "wfs_1"}),
        );
        assert_eq!(asked_for(&run), json!({"agent_id": "wpid_1", "parameters": {"n": 1}}));
    }
}
