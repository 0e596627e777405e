//! Engines: what drives a run's browser once the scheduler has given it one.
//!
//! `code` replays an action script deterministically, with no model. Each engine records its own
//! timeline and artifacts through a `RunRecorder` and returns an `Outcome`; the scheduler owns
//! the status changes, the time limits and cancellation.

mod code;
mod codes;
mod extract;
mod interactions;
mod perform;
pub mod python;
mod recorder;
mod screenshots;
pub mod script;
mod secrets;

pub use code::run_script;
pub use codes::{CodeFuture, CodeSource, VERIFICATION_CODE};
pub use extract::{check_schema, conform};
pub use interactions::{Interactions, NotWaiting};
pub use perform::{action_error, run_step, system_error};
pub use recorder::{Activity, ActivityHold, RunRecorder};
pub use script::{Action, Field, FieldSpec, ScriptStep};
pub use secrets::{Secrets, credential_references, placeholder};

use serde_json::Value;

use crate::runs::RunError;

/// How an engine's work on a run ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The goal was met; `output` holds the result.
    Completed { output: Option<Value> },
    /// Something went wrong.
    Failed(RunError),
    /// The goal cannot be met (the agent said so, or reported a user-defined error code).
    Terminated(RunError),
    /// A wait of the run's own ran out (a plan's approval that nobody gave in time).
    TimedOut(RunError),
}
