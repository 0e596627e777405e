//! Why a schedule was refused or not found, with Skyvern's messages, which its clients show.

use crate::ids::{PlanId, ScheduleId};
use crate::store::StoreError;

/// A schedule that cannot be saved as asked (Skyvern answers these 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidSchedule {
    #[error("Invalid cron expression: {0}")]
    Cron(String),
    #[error("Cron interval must be at least {}", interval(*.min_interval_seconds))]
    TooFrequent { min_interval_seconds: u64 },
    #[error("Invalid timezone '{0}'")]
    Timezone(String),
    #[error("Unknown schedule parameters for workflow {plan_id}: {}", .keys.join(", "))]
    UnknownParameters { plan_id: PlanId, keys: Vec<String> },
    #[error("Missing schedule parameters for workflow {plan_id}: {}", .keys.join(", "))]
    MissingParameters { plan_id: PlanId, keys: Vec<String> },
    /// A value that does not fit its parameter's type.
    #[error("{0}")]
    Parameter(String),
}

/// What a schedule operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error(transparent)]
    Invalid(#[from] InvalidSchedule),
    #[error("Workflow {0} not found")]
    PlanNotFound(PlanId),
    #[error("Schedule {0} not found")]
    NotFound(ScheduleId),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `5 minutes`, `1 minute`, `30 seconds`: whole minutes in minutes, as Skyvern says it.
fn interval(seconds: u64) -> String {
    let (count, unit) = if seconds.is_multiple_of(60) { (seconds / 60, "minute") } else { (seconds, "second") };
    format!("{count} {unit}{}", if count == 1 { "" } else { "s" })
}
