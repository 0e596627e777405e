//! Which events a follower wants: one run, some statuses, run types or event types.

use super::{Event, EventKind};
use crate::ids::RunId;
use crate::runs::{RunStatus, RunType};

/// An `event_type` a follower asks for: a whole name (`task_run.completed`) or every name of a
/// family (`task_run.*`, `run.*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventTypePattern {
    Exact(String),
    /// The family's prefix, with its dot (`task_run.`).
    Family(String),
}

const FAMILIES: [&str; 4] = ["run", "task_run", "workflow_run", "webhook"];

impl EventTypePattern {
    pub fn parse(text: &str) -> Result<EventTypePattern, String> {
        if let Some(family) = text.strip_suffix(".*") {
            return if FAMILIES.contains(&family) {
                Ok(EventTypePattern::Family(format!("{family}.")))
            } else {
                Err(format!("`{family}.*` is not a family of events; families: {}", FAMILIES.join(", ")))
            };
        }
        match EventKind::parse(text) {
            Some(kind) => Ok(EventTypePattern::Exact(kind.name())),
            None => Err(format!("`{}` is not an event type; one of: {}", clip(text), super::all_names().join(", "))),
        }
    }

    pub fn matches(&self, event_type: &str) -> bool {
        match self {
            EventTypePattern::Exact(name) => name == event_type,
            EventTypePattern::Family(prefix) => event_type.starts_with(prefix.as_str()),
        }
    }
}

/// Which events to return or stream; an empty list lets everything through.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub run_id: Option<RunId>,
    /// The run's status when the event happened.
    pub statuses: Vec<RunStatus>,
    pub run_types: Vec<RunType>,
    pub event_types: Vec<EventTypePattern>,
}

impl EventFilter {
    pub fn for_run(run_id: RunId) -> EventFilter {
        EventFilter { run_id: Some(run_id), ..EventFilter::default() }
    }

    pub fn matches(&self, event: &Event) -> bool {
        self.run_id.as_ref().is_none_or(|id| *id == event.run_id)
            && (self.statuses.is_empty() || self.statuses.contains(&event.status))
            && (self.run_types.is_empty() || self.run_types.contains(&event.run_type))
            && (self.event_types.is_empty() || self.event_types.iter().any(|p| p.matches(&event.event_type)))
    }
}

fn clip(text: &str) -> String {
    text.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_and_exact_names_are_accepted_and_anything_else_refused() {
        let family = EventTypePattern::parse("task_run.*").unwrap();
        assert!(family.matches("task_run.completed") && !family.matches("run.status_changed"));
        let exact = EventTypePattern::parse("run.artifact").unwrap();
        assert!(exact.matches("run.artifact") && !exact.matches("run.artifacts"));
        for bad in ["task_run.running", "nothing.*", "", "run."] {
            assert!(EventTypePattern::parse(bad).is_err(), "{bad} was accepted");
        }
    }
}
