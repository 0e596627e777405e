//! The timeline of a run: thoughts, blocks and numbered actions, in the order they happened.

use serde::Serialize;
use serde_json::Value;

use crate::ids::{ArtifactId, RunId, StepRunId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimelineKind {
    /// The model's reasoning for a decision.
    Thought,
    /// A block (step) started or finished.
    Block,
    /// One browser operation, numbered per run.
    Action,
    /// A person held control of the browser.
    Control,
}

impl TimelineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TimelineKind::Thought => "thought",
            TimelineKind::Block => "block",
            TimelineKind::Action => "action",
            TimelineKind::Control => "control",
        }
    }

    pub fn parse(text: &str) -> Option<TimelineKind> {
        [TimelineKind::Thought, TimelineKind::Block, TimelineKind::Action, TimelineKind::Control]
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

/// The state of a timeline item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Running,
    Completed,
    Failed,
    Canceled,
}

impl ItemStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Running => "running",
            ItemStatus::Completed => "completed",
            ItemStatus::Failed => "failed",
            ItemStatus::Canceled => "canceled",
        }
    }

    pub fn parse(text: &str) -> Option<ItemStatus> {
        [ItemStatus::Running, ItemStatus::Completed, ItemStatus::Failed, ItemStatus::Canceled]
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

/// One stored timeline item.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineItem {
    pub id: i64,
    pub run_id: RunId,
    pub step_run_id: Option<StepRunId>,
    pub kind: TimelineKind,
    pub action_number: Option<i64>,
    pub label: String,
    pub status: ItemStatus,
    pub detail: Value,
    pub screenshot_artifact_id: Option<ArtifactId>,
    pub started_at: String,
    pub finished_at: Option<String>,
}

/// A timeline item about to be stored.
#[derive(Debug, Clone)]
pub struct NewTimelineItem {
    pub run_id: RunId,
    pub step_run_id: Option<StepRunId>,
    pub kind: TimelineKind,
    pub label: String,
    pub detail: Value,
}

/// How a started timeline item ended.
#[derive(Debug, Clone)]
pub struct ItemOutcome {
    pub status: ItemStatus,
    pub detail: Value,
    pub screenshot_artifact_id: Option<ArtifactId>,
}
