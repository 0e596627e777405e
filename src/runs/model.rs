//! What a run is, as stored: its kind, engine, status, result and accounting.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::RunStatus;
use crate::ids::{PlanId, PlanVersionId, RunId};

/// Skyvern's run types that this appliance produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunType {
    /// A prompt and a start URL (task runs, `tsk_…`).
    TaskV1,
    /// A plan (Skyvern's workflow, `wr_…`).
    WorkflowRun,
}

impl RunType {
    pub fn as_str(self) -> &'static str {
        match self {
            RunType::TaskV1 => "task_v1",
            RunType::WorkflowRun => "workflow_run",
        }
    }

    pub fn parse(text: &str) -> Option<RunType> {
        [RunType::TaskV1, RunType::WorkflowRun].into_iter().find(|kind| kind.as_str() == text)
    }

    /// Skyvern's run types that this appliance never produces: a filter may name them (and
    /// matches nothing), as Skyvern's clients may send any of its types.
    pub const SKYVERN_ONLY: [&'static str; 5] =
        ["task_v2", "openai_cua", "anthropic_cua", "ui_tars", "yutori_navigator"];
}

/// Which engine drives the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Engine {
    /// The LLM-driven observe/decide/act loop.
    Agent,
    /// Deterministic replay of an action script, with no model.
    Code,
}

impl Engine {
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Agent => "agent",
            Engine::Code => "code",
        }
    }

    pub fn parse(text: &str) -> Option<Engine> {
        [Engine::Agent, Engine::Code].into_iter().find(|engine| engine.as_str() == text)
    }
}

/// One entry of a run's `errors`: Skyvern's `{type, code, message}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunError {
    #[serde(rename = "type")]
    pub kind: String,
    pub code: String,
    pub message: String,
}

impl RunError {
    pub fn new(kind: &str, code: &str, message: impl Into<String>) -> RunError {
        RunError { kind: kind.to_owned(), code: code.to_owned(), message: message.into() }
    }
}

/// Model usage summed over a run (filled by the agent engine).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: i64,
    pub cached_tokens: i64,
    pub output_tokens: i64,
    pub cost_usd: f64,
}

/// A run as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Run {
    pub id: RunId,
    pub run_type: RunType,
    pub engine: Engine,
    pub status: RunStatus,
    pub title: Option<String>,
    pub prompt: Option<String>,
    pub url: Option<String>,
    /// The request as it was accepted, whole, so the run can be re-run or reproduced.
    pub request: Value,
    pub output: Option<Value>,
    pub failure_reason: Option<String>,
    pub errors: Vec<RunError>,
    pub step_count: i64,
    pub action_count: i64,
    /// Whether a browser context was ever opened for the run.
    pub browser_opened: bool,
    pub browser_session_id: Option<String>,
    pub webhook_url: Option<String>,
    /// The plan a plan run runs, and its version.
    pub plan: Option<PlanVersionRef>,
    /// The run this one repeats (`POST /v1/runs/{id}/rerun`).
    pub rerun_of: Option<RunId>,
    pub usage: Usage,
    pub created_at: String,
    pub modified_at: String,
    pub queued_at: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// When retention removed the run's files (screenshots, recording, downloads, …); `None`
    /// while it keeps them.
    #[serde(default)]
    pub artifacts_removed_at: Option<String>,
}

/// A run about to be stored.
#[derive(Debug, Clone)]
pub struct NewRun {
    pub id: RunId,
    pub run_type: RunType,
    pub engine: Engine,
    pub title: Option<String>,
    pub prompt: Option<String>,
    pub url: Option<String>,
    pub request: Value,
    pub browser_session_id: Option<String>,
    pub webhook_url: Option<String>,
    pub plan: Option<PlanVersionRef>,
    /// The run this one repeats.
    pub rerun_of: Option<RunId>,
}

/// The plan (`wpid_…`) and version (`w_…`) a plan run was started with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanVersionRef {
    pub plan_id: PlanId,
    pub version_id: PlanVersionId,
}
