//! The action layer both engines share: one script step becomes a numbered timeline item, the
//! browser operation, and the screenshot after it. A person who asks for control during an
//! action that only waits gets it at once; the wait starts again once they hand back.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{Action, RunRecorder, ScriptStep, Secrets, codes};
use crate::artifacts::ArtifactType;
use crate::browser::{BrowserError, OptionChoice, RunPage};
use crate::ids::{ArtifactId, StepRunId};
use crate::runs::{ItemOutcome, ItemStatus, RunError, TimelineKind};

/// The run error for a failure to record the run.
pub fn system_error(error: impl std::fmt::Display) -> RunError {
    RunError::new("system", "store_error", format!("the run could not be recorded: {error}"))
}

/// Runs one step with its timeline item and screenshot. The outer error is a recording failure;
/// the inner result is the action's own.
pub async fn run_step(
    recorder: &RunRecorder,
    page: &RunPage,
    step_run: &StepRunId,
    step: &ScriptStep,
) -> Result<Result<Option<Value>, BrowserError>, RunError> {
    let detail = json!({ "action": step.action, "intent": step.intent });
    let item = recorder
        .start_item(step_run, TimelineKind::Action, step.action.to_string(), detail.clone())
        .await
        .map_err(system_error)?;
    recorder.action_begins();
    recorder.metrics.action_begins();
    let acting = Instant::now();
    let code = match step.action.typed_text().filter(|(_, text)| codes::wants_code(text)) {
        Some((selector, _)) => recorder.verification_code(step_run).await.map_err(system_error)?.map_err(|reason| {
            BrowserError::Refused { target: selector.to_owned(), reason: format!("no verification code: {reason}") }
        }),
        None => Ok(()),
    };
    let result = match &step.action {
        _ if code.is_err() => code.map(|()| None),
        Action::Download { selector, timeout_ms } => download(recorder, page, step_run, selector, *timeout_ms).await?,
        Action::Upload { selector, file } => match recorder.upload_file(file).await.map_err(system_error)? {
            Some(path) => page.upload(selector, &[path]).await.map(|()| None),
            None => Err(BrowserError::Refused {
                target: selector.clone(),
                reason: format!("the run has no file named {file}"),
            }),
        },
        action if action.only_waits() => loop {
            tokio::select! {
                result = perform(page, action, &recorder.secrets) => break result,
                () = recorder.control_requested() => {
                    if !recorder.hand_over_if_asked(step_run).await.map_err(system_error)? {
                        break perform(page, action, &recorder.secrets).await;
                    }
                }
            }
        },
        action => perform(page, action, &recorder.secrets).await,
    };
    // Page text read back (an extraction) may hold a secret that was typed in.
    let result = result.map(|value| value.map(|value| redacted(value, &recorder.secrets)));
    let timing = json!({ "act": acting.elapsed().as_secs_f64() * 1000.0 });
    let screenshot = match &step.action {
        Action::Screenshot { full_page } => capture(recorder, page, step_run, *full_page).await,
        _ => {
            recorder.keep_screenshot_after(step_run, item);
            None
        }
    };
    let mut detail = detail;
    match &result {
        Ok(Some(value)) => detail["result"] = value.clone(),
        Ok(None) => {}
        Err(error) => detail["error"] = json!(error.to_string()),
    }
    detail["timing_ms"] = timing;
    let status = if result.is_ok() { ItemStatus::Completed } else { ItemStatus::Failed };
    recorder
        .finish_item(item, ItemOutcome { status, detail, screenshot_artifact_id: screenshot })
        .await
        .map_err(system_error)?;
    Ok(result)
}

/// Keeps a screenshot the script asked for; a page that cannot be pictured (the browser died)
/// has none.
async fn capture(recorder: &RunRecorder, page: &RunPage, step_run: &StepRunId, full_page: bool) -> Option<ArtifactId> {
    let bytes = page.screenshot(full_page).await.ok()?;
    match recorder.save_artifact(step_run, ArtifactType::Screenshot, "jpg", bytes).await {
        Ok(artifact) => Some(artifact.id),
        Err(error) => {
            tracing::warn!(%error, "a screenshot could not be kept");
            None
        }
    }
}

/// Does one action; returns what it read or chose, for the timeline (`extract`: the fields).
async fn perform(page: &RunPage, action: &Action, secrets: &Secrets) -> Result<Option<Value>, BrowserError> {
    let wait_limit = |timeout_ms: &Option<u64>| timeout_ms.map(Duration::from_millis).unwrap_or(page.action_timeout());
    match action {
        Action::Goto { url } => page.goto(url).await?,
        Action::Click { selector } => page.click(selector).await?,
        Action::Hover { selector } => page.hover(selector).await?,
        Action::Back => page.back().await?,
        Action::NewTab { url } => return Ok(Some(json!({ "tab": page.new_tab(url).await? }))),
        Action::SwitchTab { index } => page.switch_tab(*index).await?,
        Action::Fill { selector, value } => page.fill(selector, &secrets.fill_in(value), secrets.shown(value)).await?,
        Action::Type { selector, text } => {
            page.type_text(selector, &secrets.fill_in(text), secrets.shown(text)).await?
        }
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
        Action::Screenshot { .. } | Action::Download { .. } | Action::Upload { .. } => {}
    }
    Ok(None)
}

/// How long a download may take to arrive unless the action says.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(30);

/// Clicks and keeps the downloaded file as an artifact; the result names it.
async fn download(
    recorder: &RunRecorder,
    page: &RunPage,
    step_run: &StepRunId,
    selector: &str,
    timeout_ms: Option<u64>,
) -> Result<Result<Option<Value>, BrowserError>, RunError> {
    let timeout = timeout_ms.map(Duration::from_millis).unwrap_or(DOWNLOAD_TIMEOUT);
    let path = match page.download(selector, timeout).await {
        Ok(path) => path,
        Err(error) => return Ok(Err(error)),
    };
    let artifact = recorder.save_download(step_run, &path).await.map_err(system_error)?;
    Ok(Ok(Some(json!({ "downloaded": artifact.filename, "artifact_id": artifact.id, "size": artifact.size_bytes }))))
}

/// `value` with every secret replaced by its placeholder.
fn redacted(value: Value, secrets: &Secrets) -> Value {
    if secrets.is_empty() {
        return value;
    }
    serde_json::from_str(&secrets.redact(&value.to_string())).unwrap_or(Value::Null)
}

/// The run's error for a failed action: its number, what it was and why it failed.
pub fn action_error(number: usize, action: &str, error: &BrowserError) -> RunError {
    let code = match error {
        BrowserError::Crashed => "browser_crashed",
        BrowserError::NotFound { .. } => "element_not_found",
        BrowserError::Refused { .. } => "action_refused",
        BrowserError::Covered { .. } => "element_covered",
        BrowserError::Navigation { .. } => "navigation_failed",
        BrowserError::Launch(_) | BrowserError::Unreachable(_) | BrowserError::Cdp(_) => "browser_error",
    };
    let kind = if matches!(error, BrowserError::Crashed) { "browser" } else { "action" };
    RunError::new(kind, code, format!("action {number} ({action}) failed: {error}"))
}
