//! Plan schedules (Skyvern's workflow schedules): a cron expression in an IANA time zone that
//! starts a run of a plan, with the parameter values saved with it.
//!
//! A schedule is checked when it is saved, as Skyvern checks it (`timing`, `parameters`): a
//! standard five-field cron expression (six, seconds first, when `schedules.min_interval_seconds`
//! is under a minute), a known zone, no two firings in a day closer than the minimum, and values
//! only for the plan's workflow parameters, each parameter given a value or having a default.
//!
//! One task, the **ticker** (`ticker`), owns the firing: it sleeps until the earliest next
//! occurrence of any enabled schedule, or until a change to a schedule wakes it. It fires each due
//! schedule once, for its latest occurrence (missed ones collapse into it), records the firing in
//! the store before the run is started, and skips a firing while the run of the schedule's
//! previous firing goes on, unless the schedule allows overlap. The run itself is started through
//! `StartPlanRun`, so firing knows nothing of how a plan runs; the appliance's is
//! `QueuedPlanRuns` (`plan_runs`), the scheduler's queue.

mod error;
mod model;
mod parameters;
mod plan_runs;
mod request;
mod service;
mod ticker;
mod timing;

pub use error::{InvalidSchedule, ScheduleError};
pub use model::{ArmedSchedule, FireOutcome, ListedSchedule, Schedule};
pub use plan_runs::QueuedPlanRuns;
pub use request::{ScheduleRequest, ScheduleSpec};
pub use service::Schedules;
pub use timing::{Timing, instant_of, shown_instant, stored_instant};

use futures::future::BoxFuture;
use serde_json::{Map, Value};

use crate::ids::{PlanId, RunId, ScheduleId};

/// Starts a run of a plan for a schedule's firing, with the schedule's parameter values; answers
/// the run's id, or why it could not be started.
pub trait StartPlanRun: Send + Sync + 'static {
    fn start(
        &self,
        plan_id: PlanId,
        parameters: Map<String, Value>,
        schedule_id: ScheduleId,
    ) -> BoxFuture<'static, Result<RunId, String>>;
}
