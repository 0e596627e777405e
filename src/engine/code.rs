//! The `code` engine: replays an action script in order, with no model.
//!
//! The run's `url`, when given, is loaded first. Every action becomes a numbered timeline item
//! with a screenshot; `extract` actions merge their fields into the output, which is shaped by the
//! run's `data_extraction_schema`. The first failing action fails the run, naming the action, its
//! selector and the reason.

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::extract::conform;
use super::{Action, Outcome, RunRecorder};
use crate::artifacts::ArtifactType;
use crate::browser::{BrowserError, OptionChoice, RunPage};
use crate::ids::{ArtifactId, StepRunId};
use crate::runs::{ItemOutcome, ItemStatus, RunError, TaskSpec, TimelineKind};

/// Runs the script of `spec` on `page`.
pub async fn run_script(recorder: &RunRecorder, page: &RunPage, spec: &TaskSpec) -> Outcome {
    match replay(recorder, page, spec).await {
        Ok(output) => Outcome::Completed { output },
        Err(error) => Outcome::Failed(error),
    }
}

fn system_error(error: impl std::fmt::Display) -> RunError {
    RunError::new("system", "store_error", format!("the run could not be recorded: {error}"))
}

async fn replay(recorder: &RunRecorder, page: &RunPage, spec: &TaskSpec) -> Result<Option<Value>, RunError> {
    let actions: Vec<Action> =
        spec.url.iter().map(|url| Action::Goto { url: url.clone() }).chain(spec.script.iter().cloned()).collect();
    let label = spec.title.clone().unwrap_or_else(|| "Script".to_owned());
    let step = recorder.begin_step(&label, "task").await.map_err(system_error)?;
    let script_json = serde_json::to_vec_pretty(&spec.script).unwrap_or_default();
    recorder.save_artifact(&step, ArtifactType::ScriptFile, "json", script_json).await.map_err(system_error)?;
    let block = recorder
        .start_item(&step, TimelineKind::Block, label, json!({ "engine": "code", "actions": actions.len() }))
        .await
        .map_err(system_error)?;
    if !spec.extra_http_headers.is_empty() {
        page.set_extra_headers(&spec.extra_http_headers).await.map_err(|e| action_error(0, "set headers", &e))?;
    }

    let result = run_actions(recorder, page, &step, &actions).await.and_then(|extracted| {
        let output = (!extracted.is_empty()).then_some(Value::Object(extracted));
        match (output, &spec.data_extraction_schema) {
            (Some(output), Some(schema)) => conform(output, schema)
                .map(Some)
                .map_err(|reason| RunError::new("extraction", "extraction_invalid", reason)),
            (output, _) => Ok(output),
        }
    });

    let (status, failure) = match &result {
        Ok(_) => (ItemStatus::Completed, None),
        Err(error) => (ItemStatus::Failed, Some(error.message.clone())),
    };
    let block_outcome = ItemOutcome {
        status,
        detail: json!({ "engine": "code", "actions": actions.len(), "error": failure }),
        screenshot_artifact_id: None,
    };
    recorder.finish_item(block, block_outcome).await.map_err(system_error)?;
    let output = result.as_ref().ok().cloned().flatten();
    recorder.finish_step(&step, status, output, failure).await.map_err(system_error)?;
    result
}

/// Executes the actions in order; returns the merged extractions.
async fn run_actions(
    recorder: &RunRecorder,
    page: &RunPage,
    step: &StepRunId,
    actions: &[Action],
) -> Result<Map<String, Value>, RunError> {
    let mut extracted = Map::new();
    for (index, action) in actions.iter().enumerate() {
        let detail = serde_json::to_value(action).unwrap_or(Value::Null);
        let item = recorder
            .start_item(step, TimelineKind::Action, action.to_string(), detail.clone())
            .await
            .map_err(system_error)?;
        let result = perform(page, action).await;
        let screenshot = keep_screenshot(recorder, page, step, action).await;
        let (status, detail) = match &result {
            Ok(Some(value)) => (ItemStatus::Completed, json!({ "action": detail, "result": value })),
            Ok(None) => (ItemStatus::Completed, json!({ "action": detail })),
            Err(error) => (ItemStatus::Failed, json!({ "action": detail, "error": error.to_string() })),
        };
        recorder
            .finish_item(item, ItemOutcome { status, detail, screenshot_artifact_id: screenshot })
            .await
            .map_err(system_error)?;
        match (action, result) {
            (Action::Extract { .. }, Ok(Some(Value::Object(fields)))) => extracted.extend(fields),
            (_, Ok(_)) => {}
            (_, Err(error)) => return Err(action_error(index + 1, &action.to_string(), &error)),
        }
    }
    Ok(extracted)
}

/// Takes the action's screenshot; a page that cannot be pictured (the browser died) has none.
async fn keep_screenshot(
    recorder: &RunRecorder,
    page: &RunPage,
    step: &StepRunId,
    action: &Action,
) -> Option<ArtifactId> {
    let (kind, full_page) = match action {
        Action::Screenshot { full_page } => (ArtifactType::Screenshot, *full_page),
        _ => (ArtifactType::ScreenshotAction, false),
    };
    let bytes = page.screenshot(full_page).await.ok()?;
    match recorder.save_artifact(step, kind, "jpg", bytes).await {
        Ok(artifact) => Some(artifact.id),
        Err(error) => {
            tracing::warn!(%error, "a screenshot could not be kept");
            None
        }
    }
}

/// Does one action; returns what it read or chose, for the timeline (`extract`: the fields).
async fn perform(page: &RunPage, action: &Action) -> Result<Option<Value>, BrowserError> {
    let wait_limit = |timeout_ms: &Option<u64>| timeout_ms.map(Duration::from_millis).unwrap_or(page.action_timeout());
    match action {
        Action::Goto { url } => page.goto(url).await?,
        Action::Click { selector } => page.click(selector).await?,
        Action::Fill { selector, value } => page.fill(selector, value).await?,
        Action::Type { selector, text } => page.type_text(selector, text).await?,
        Action::SelectOption { selector, value, label } => {
            let choice = match (value, label) {
                (Some(value), _) => OptionChoice::Value(value.clone()),
                (None, label) => OptionChoice::Label(label.clone().unwrap_or_default()),
            };
            let chosen = page.select_option(selector, &choice).await?;
            return Ok(Some(json!({ "selected": chosen })));
        }
        Action::Check { selector, checked } => page.set_checked(selector, *checked).await?,
        Action::PressKey { key, selector } => page.press_key(key, selector.as_deref()).await?,
        Action::Scroll { selector, x, y } => page.scroll(selector.as_deref(), *x, *y).await?,
        Action::WaitForSelector { selector, timeout_ms } => {
            page.wait_for_selector(selector, wait_limit(timeout_ms)).await?
        }
        Action::WaitForText { text, timeout_ms } => page.wait_for_text(text, wait_limit(timeout_ms)).await?,
        Action::Wait { ms } => tokio::time::sleep(Duration::from_millis(*ms)).await,
        Action::Extract { fields } => {
            let required: Vec<String> =
                fields.values().filter_map(|field| field.required_selector().map(str::to_owned)).collect();
            let spec = serde_json::to_value(fields).unwrap_or_default();
            return Ok(Some(page.extract(&spec, &required).await?));
        }
        Action::Screenshot { .. } => {}
    }
    Ok(None)
}

/// The run's error for a failed action: its number, what it was and why it failed.
fn action_error(number: usize, action: &str, error: &BrowserError) -> RunError {
    let code = match error {
        BrowserError::Crashed => "browser_crashed",
        BrowserError::NotFound { .. } => "element_not_found",
        BrowserError::Refused { .. } => "action_refused",
        BrowserError::Navigation { .. } => "navigation_failed",
        BrowserError::Launch(_) | BrowserError::Cdp(_) => "browser_error",
    };
    let kind = if matches!(error, BrowserError::Crashed) { "browser" } else { "action" };
    RunError::new(kind, code, format!("action {number} ({action}) failed: {error}"))
}
