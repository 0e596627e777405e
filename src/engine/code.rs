//! The `code` engine: replays an action script in order, with no model.
//!
//! The run's `url`, when given, is loaded first. Every action becomes a numbered timeline item
//! with a screenshot; `extract` actions merge their fields into the output, which is shaped by the
//! run's `data_extraction_schema`. The first failing action fails the run, naming the action, its
//! selector and the reason. Between two actions, a person who asked for control gets it, and the
//! script goes on from where it was once they hand it back.

use serde_json::{Map, Value, json};

use super::extract::conform;
use super::perform::{action_error, run_step, system_error};
use super::{Action, Outcome, RunRecorder, ScriptStep};
use crate::artifacts::ArtifactType;
use crate::browser::RunPage;
use crate::ids::StepRunId;
use crate::runs::{ItemOutcome, ItemStatus, RunError, TaskSpec, TimelineKind};

/// Runs the script of `spec` on `page`.
pub async fn run_script(recorder: &RunRecorder, page: &RunPage, spec: &TaskSpec) -> Outcome {
    match replay(recorder, page, spec).await {
        Ok(output) => Outcome::Completed { output },
        Err(error) => Outcome::Failed(error),
    }
}

async fn replay(recorder: &RunRecorder, page: &RunPage, spec: &TaskSpec) -> Result<Option<Value>, RunError> {
    let steps: Vec<ScriptStep> = spec
        .url
        .iter()
        .map(|url| ScriptStep::from(Action::Goto { url: url.clone() }))
        .chain(spec.script.iter().cloned())
        .collect();
    let label = spec.title.clone().unwrap_or_else(|| "Script".to_owned());
    let step = recorder.begin_step(&label, "task").await.map_err(system_error)?;
    let script_json = serde_json::to_vec_pretty(&spec.script).unwrap_or_default();
    recorder.save_artifact(&step, ArtifactType::ScriptFile, "json", script_json).await.map_err(system_error)?;
    let block = recorder
        .start_item(&step, TimelineKind::Block, label, json!({ "engine": "code", "actions": steps.len() }))
        .await
        .map_err(system_error)?;
    if !spec.extra_http_headers.is_empty() {
        page.set_extra_headers(&spec.extra_http_headers).await.map_err(|e| action_error(0, "set headers", &e))?;
    }

    let result = run_actions(recorder, page, &step, &steps).await.and_then(|extracted| {
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
        detail: json!({ "engine": "code", "actions": steps.len(), "error": failure }),
        screenshot_artifact_id: None,
    };
    recorder.finish_item(block, block_outcome).await.map_err(system_error)?;
    let output = result.as_ref().ok().cloned().flatten();
    recorder.finish_step(&step, status, output, failure).await.map_err(system_error)?;
    result
}

/// Executes the steps in order; returns the merged extractions.
async fn run_actions(
    recorder: &RunRecorder,
    page: &RunPage,
    step_run: &StepRunId,
    steps: &[ScriptStep],
) -> Result<Map<String, Value>, RunError> {
    let mut extracted = Map::new();
    for (index, step) in steps.iter().enumerate() {
        recorder.hand_over_if_asked(step_run).await.map_err(system_error)?;
        match run_step(recorder, page, step_run, step).await? {
            Ok(Some(Value::Object(fields))) if matches!(step.action, Action::Extract { .. }) => {
                extracted.extend(fields)
            }
            Ok(_) => {}
            Err(error) => return Err(action_error(index + 1, &step.action.to_string(), &error)),
        }
    }
    Ok(extracted)
}
