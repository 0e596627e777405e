//! Steps and step runs: where each piece of a run's work sits and how each attempt of it went.
//!
//! A task run's steps are the agent's steps. A plan run has one step per block at each place it
//! runs (each item of a loop, each visit of a polling block), under the loop it belongs to; the
//! agent's steps of a browser block sit under that block's step. A step's runs are its attempts.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ItemStatus, Usage};
use crate::ids::{StepId, StepRunId};

/// The status of one attempt of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Queued,
    Running,
    Completed,
    Failed,
    Terminated,
    TimedOut,
    Canceled,
    /// On a branch a conditional did not take.
    Skipped,
}

impl StepStatus {
    const ALL: [StepStatus; 8] = [
        StepStatus::Queued,
        StepStatus::Running,
        StepStatus::Completed,
        StepStatus::Failed,
        StepStatus::Terminated,
        StepStatus::TimedOut,
        StepStatus::Canceled,
        StepStatus::Skipped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Queued => "queued",
            StepStatus::Running => "running",
            StepStatus::Completed => "completed",
            StepStatus::Failed => "failed",
            StepStatus::Terminated => "terminated",
            StepStatus::TimedOut => "timed_out",
            StepStatus::Canceled => "canceled",
            StepStatus::Skipped => "skipped",
        }
    }

    pub fn parse(text: &str) -> Option<StepStatus> {
        StepStatus::ALL.into_iter().find(|status| status.as_str() == text)
    }

    /// Whether the attempt is over.
    pub fn is_final(self) -> bool {
        !matches!(self, StepStatus::Queued | StepStatus::Running)
    }
}

impl From<ItemStatus> for StepStatus {
    fn from(status: ItemStatus) -> StepStatus {
        match status {
            ItemStatus::Running => StepStatus::Running,
            ItemStatus::Completed => StepStatus::Completed,
            ItemStatus::Failed => StepStatus::Failed,
            ItemStatus::Canceled => StepStatus::Canceled,
        }
    }
}

/// Where a new step sits and what it is.
#[derive(Debug, Clone, Default)]
pub struct StepPlace {
    /// The step it belongs to: a loop's step for the blocks inside it, a block's step for the
    /// agent's steps of that block.
    pub parent: Option<StepId>,
    pub label: String,
    /// The block type, or `agent_step` / `navigation` for the agent's own steps.
    pub kind: String,
    /// Inside a loop: the item's index and value.
    pub loop_index: Option<i64>,
    pub loop_value: Option<Value>,
    /// Which visit of the block this is in its list (1 unless a `next_block_label` points back).
    pub visit: i64,
}

/// One attempt of a step, as stored.
#[derive(Debug, Clone, Serialize)]
pub struct StepRunRecord {
    pub step_run_id: StepRunId,
    pub attempt: i64,
    pub status: StepStatus,
    pub output: Option<Value>,
    pub failure_reason: Option<String>,
    pub usage: Usage,
    pub started_at: String,
    pub finished_at: Option<String>,
}

/// A step with its attempts, oldest first.
#[derive(Debug, Clone, Serialize)]
pub struct StepRecord {
    pub step_id: StepId,
    pub parent_step_id: Option<StepId>,
    pub position: i64,
    pub label: String,
    pub kind: String,
    pub loop_index: Option<i64>,
    pub loop_value: Option<Value>,
    pub visit: i64,
    pub created_at: String,
    pub runs: Vec<StepRunRecord>,
}

impl StepRecord {
    /// The newest attempt.
    pub fn last_run(&self) -> Option<&StepRunRecord> {
        self.runs.last()
    }
}
