//! Runs: what a run is, its statuses and their transition table, its request, its steps and its
//! timeline.

mod model;
mod request;
mod status;
mod steps;
mod timeline;

pub use model::{Engine, NewRun, PlanVersionRef, Run, RunError, RunType, Usage};
pub use request::{InvalidRequest, TaskRequest, TaskSpec, TotpSettings, cdp_address, web_url, webhook_url};
pub use status::{RunStatus, UnknownStatus};
pub use steps::{StepPlace, StepRecord, StepRunRecord, StepStatus};
pub use timeline::{ItemOutcome, ItemStatus, NewTimelineItem, TimelineItem, TimelineKind};
