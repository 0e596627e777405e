//! What a run announces: the kinds of event in the event log, their names, and which of them
//! are the run's milestones (`task_run.completed`, `task_run.interaction_required`, …) that
//! webhooks deliver.
//!
//! Every event is written by the store in the same transaction as the change it describes, with
//! an id that only grows; followers (SSE streams, the webhook dispatcher, the search index)
//! resume after the last id they saw.

mod filter;
mod follow;

pub use filter::{EventFilter, EventTypePattern};
pub use follow::{Followed, follow};

use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ids::RunId;
use crate::runs::{RunStatus, RunType};

/// One event of the log.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    /// Grows with every event; a follower resumes after the last one it saw.
    pub id: i64,
    pub run_id: RunId,
    pub run_type: RunType,
    /// The run's status when the event happened.
    pub status: RunStatus,
    pub event_type: String,
    pub payload: Value,
    pub created_at: String,
    /// The event as compact JSON, rendered once however many followers send it.
    #[serde(skip)]
    json: OnceLock<String>,
}

impl Event {
    pub fn new(
        id: i64,
        run_id: RunId,
        run_type: RunType,
        status: RunStatus,
        event_type: String,
        payload: Value,
        created_at: String,
    ) -> Event {
        Event { id, run_id, run_type, status, event_type, payload, created_at, json: OnceLock::new() }
    }

    /// The event as compact JSON.
    pub fn json(&self) -> &str {
        self.json.get_or_init(|| serde_json::to_string(self).unwrap_or_default())
    }

    /// The status `run_id` moved to, if this event is that run's status change.
    pub fn status_change_of(&self, run_id: &RunId) -> Option<RunStatus> {
        (self.run_id == *run_id && self.event_type == STATUS_CHANGED).then_some(self.status)
    }
}

/// One kind of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// The run moved from one status to another (or was created).
    StatusChanged,
    /// A timeline item started, finished or got its screenshot.
    TimelineItem,
    /// A step attempt started or finished.
    StepRun,
    /// A file was kept for the run.
    Artifact,
    /// A webhook delivery was attempted.
    WebhookAttempt,
    /// The run reached a status its owner wants to hear about: a terminal one, or one that
    /// waits for a person. Named after the run type, as Skyvern's events are
    /// (`task_run.completed`, `workflow_run.failed`).
    Milestone(RunType, RunStatus),
}

const STATUS_CHANGED: &str = "run.status_changed";

/// The event-type names that are not milestones.
const PLAIN: [(EventKind, &str); 5] = [
    (EventKind::StatusChanged, STATUS_CHANGED),
    (EventKind::TimelineItem, "run.timeline_item"),
    (EventKind::StepRun, "run.step_run"),
    (EventKind::Artifact, "run.artifact"),
    (EventKind::WebhookAttempt, "webhook.attempt"),
];

impl EventKind {
    /// The milestone a run reaching `status` announces, if that status is one.
    pub fn milestone(run_type: RunType, status: RunStatus) -> Option<EventKind> {
        is_milestone(status).then_some(EventKind::Milestone(run_type, status))
    }

    /// The event's `event_type`.
    pub fn name(self) -> String {
        match self {
            EventKind::Milestone(run_type, status) => format!("{}.{status}", milestone_prefix(run_type)),
            plain => {
                PLAIN.iter().find(|(kind, _)| *kind == plain).map(|(_, name)| (*name).to_owned()).unwrap_or_default()
            }
        }
    }

    pub fn parse(name: &str) -> Option<EventKind> {
        if let Some((kind, _)) = PLAIN.iter().find(|(_, known)| *known == name) {
            return Some(*kind);
        }
        let (prefix, status) = name.split_once('.')?;
        let run_type = [RunType::TaskV1, RunType::WorkflowRun].into_iter().find(|t| milestone_prefix(*t) == prefix)?;
        let status = status.parse::<RunStatus>().ok()?;
        EventKind::milestone(run_type, status)
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// Terminal statuses, and those where the run waits for a person.
fn is_milestone(status: RunStatus) -> bool {
    status.is_terminal() || matches!(status, RunStatus::InteractionRequired | RunStatus::ReviewRequired)
}

fn milestone_prefix(run_type: RunType) -> &'static str {
    match run_type {
        RunType::TaskV1 => "task_run",
        RunType::WorkflowRun => "workflow_run",
    }
}

/// Every event type name, for error messages and documentation.
pub fn all_names() -> Vec<String> {
    let mut names: Vec<String> = PLAIN.iter().map(|(_, name)| (*name).to_owned()).collect();
    for run_type in [RunType::TaskV1, RunType::WorkflowRun] {
        names.extend(RunStatus::ALL.iter().filter_map(|s| EventKind::milestone(run_type, *s)).map(EventKind::name));
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_back_to_its_kind() {
        for name in all_names() {
            assert_eq!(EventKind::parse(&name).map(EventKind::name), Some(name.clone()), "{name}");
        }
        assert_eq!(EventKind::parse("task_run.running"), None, "running is not a milestone");
        assert_eq!(EventKind::parse("run.nothing"), None);
    }

    #[test]
    fn milestones_are_terminal_and_waiting_statuses_named_after_the_run_type() {
        let names: Vec<String> = RunStatus::ALL
            .iter()
            .filter_map(|s| EventKind::milestone(RunType::TaskV1, *s))
            .map(EventKind::name)
            .collect();
        assert_eq!(
            names,
            [
                "task_run.interaction_required",
                "task_run.review_required",
                "task_run.completed",
                "task_run.failed",
                "task_run.terminated",
                "task_run.timed_out",
                "task_run.canceled"
            ]
        );
        assert_eq!(
            EventKind::milestone(RunType::WorkflowRun, RunStatus::Canceled).map(EventKind::name).as_deref(),
            Some("workflow_run.canceled")
        );
    }
}
