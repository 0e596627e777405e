//! A schedule as the store keeps it, and each firing of it.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::Timing;
use crate::ids::{PlanId, RunId, ScheduleId};

/// A plan's schedule: when it fires (a cron expression in a zone) and the parameter values of the
/// runs it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub id: ScheduleId,
    pub plan_id: PlanId,
    pub cron_expression: String,
    /// An IANA zone name, the cron expression's wall clock.
    pub timezone: String,
    pub enabled: bool,
    /// Given values, without those sent as `null` (their defaults apply); `None` when none are left.
    pub parameters: Option<Map<String, Value>>,
    pub name: Option<String>,
    pub description: Option<String>,
    /// Fire even while the run of the previous firing goes on (off: that firing is skipped).
    pub allow_overlap: bool,
    pub created_at: String,
    /// The last change; occurrences up to it never fire, so enabling or changing a schedule does
    /// not fire what it missed before.
    pub modified_at: String,
    pub deleted_at: Option<String>,
}

impl Schedule {
    /// Its next `count` firings after `from` (none if its timing no longer reads).
    pub fn upcoming(&self, from: DateTime<Utc>, count: usize) -> Vec<DateTime<Utc>> {
        match Timing::saved(&self.cron_expression, &self.timezone) {
            Ok(timing) => timing.upcoming(from, count),
            Err(error) => {
                tracing::warn!(schedule_id = %self.id, %error, "a saved schedule's timing no longer reads");
                Vec::new()
            }
        }
    }
}

/// A schedule in the organisation-wide list, with its plan's title.
#[derive(Debug, Clone)]
pub struct ListedSchedule {
    pub schedule: Schedule,
    pub plan_title: String,
}

/// An enabled schedule of a live plan, with what its firings so far left.
#[derive(Debug, Clone)]
pub struct ArmedSchedule {
    pub schedule: Schedule,
    /// The latest occurrence handled, whatever came of it.
    pub last_fire_at: Option<DateTime<Utc>>,
    /// The run started by the latest firing that started one.
    pub last_run_id: Option<RunId>,
}

/// What came of one firing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FireOutcome {
    /// Recorded, the run being started; a restart finds it here and never fires it again.
    Starting,
    Started(RunId),
    /// Not fired: the previous firing's run had not ended.
    Skipped(String),
    /// The run could not be started.
    Failed(String),
}

impl FireOutcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            FireOutcome::Starting => "starting",
            FireOutcome::Started(_) => "started",
            FireOutcome::Skipped(_) => "skipped",
            FireOutcome::Failed(_) => "failed",
        }
    }

    pub fn run_id(&self) -> Option<&RunId> {
        match self {
            FireOutcome::Started(run_id) => Some(run_id),
            _ => None,
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            FireOutcome::Skipped(reason) | FireOutcome::Failed(reason) => Some(reason),
            FireOutcome::Starting | FireOutcome::Started(_) => None,
        }
    }
}
