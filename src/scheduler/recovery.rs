//! What becomes of runs a previous process left unfinished (after a crash, a `kill -9` or a
//! shutdown that outlasted its grace period). The rule:
//!
//! - `created` and `queued` runs are queued again, in their original order;
//! - `canceling` runs end `canceled`: someone asked for it and the run is stopped now;
//! - `running` runs that had not done anything yet (no timeline item) go back to the queue, in
//!   their original place; those that had end `failed` (`interrupted`), with the reason, because
//!   their page state is gone and replaying actions could repeat side effects (a payment, a post);
//! - `paused` and `interaction_required` runs end `failed` (`interrupted`) too: a person was
//!   steering, or was asked about, a page that is gone;
//! - `review_required` task runs keep waiting for their reviewer: they need no browser.
//!
//! Plan runs go by steps instead: a plan run that was under way (`running`, `paused`,
//! `interaction_required`, or waiting for an approval) is queued again; its attempts cut short
//! are closed `failed` (`interrupted`), and the executor resumes the plan where it was: a
//! completed step is never run again (see `plans::executor`).
//!
//! So no run is left in a status that nothing will advance.

use crate::ids::RunId;
use crate::plans::INTERRUPTED;
use crate::runs::{RunError, RunStatus, RunType, StepStatus};
use crate::store::{StatusChange, Store, StoreError, Transition};

/// Statuses of runs that were being driven by a worker.
const INTERRUPTIBLE: [RunStatus; 4] =
    [RunStatus::Running, RunStatus::Paused, RunStatus::InteractionRequired, RunStatus::Canceling];

/// At start-up: applies the rule to every unfinished run; returns the runs to queue, oldest first.
pub(super) async fn resolve_unfinished(store: &Store) -> Result<Vec<RunId>, StoreError> {
    let mut statuses = vec![RunStatus::Created, RunStatus::Queued, RunStatus::ReviewRequired];
    statuses.extend(INTERRUPTIBLE);
    settle(store, &statuses).await
}

/// At shutdown, once the workers stopped: applies the rule to the runs they were driving, so no
/// run stays `running` while the appliance is down. Queued runs wait for the next start.
pub(super) async fn settle_interrupted(store: &Store) -> Result<(), StoreError> {
    let mut statuses = INTERRUPTIBLE.to_vec();
    statuses.push(RunStatus::ReviewRequired);
    settle(store, &statuses).await.map(drop)
}

async fn settle(store: &Store, statuses: &[RunStatus]) -> Result<Vec<RunId>, StoreError> {
    let unfinished = store.runs_with_status(statuses).await?;
    let mut queue = Vec::new();
    for run in unfinished {
        let change = match run.status {
            RunStatus::Queued => {
                queue.push(run.id);
                continue;
            }
            RunStatus::Created => StatusChange::to(RunStatus::Queued),
            RunStatus::Canceling => StatusChange {
                failure_reason: Some("canceled by a person".into()),
                ..StatusChange::to(RunStatus::Canceled)
            },
            _ if run.run_type == RunType::WorkflowRun => {
                store.close_open_step_runs(&run.id, StepStatus::Failed, INTERRUPTED).await?;
                StatusChange::to(RunStatus::Queued)
            }
            // A task run waiting for its reviewer needs no browser: it keeps waiting.
            RunStatus::ReviewRequired => continue,
            _ if !store.run_has_activity(&run.id).await? && run.status == RunStatus::Running => {
                StatusChange::to(RunStatus::Queued)
            }
            _ => StatusChange::with_error(
                RunStatus::Failed,
                RunError::new(
                    "system",
                    "interrupted",
                    "the appliance stopped while this run was in progress; it had already acted on the page, \
                     so it was not restarted (re-run it to try again)",
                ),
            ),
        };
        let to = change.to;
        match store.transition(&run.id, change).await? {
            Transition::Applied(_) if to == RunStatus::Queued => queue.push(run.id),
            Transition::Applied(_) => tracing::info!(run_id = %run.id, status = %to, "resolved an interrupted run"),
            Transition::Refused { current } => {
                tracing::warn!(run_id = %run.id, %current, "an interrupted run changed status while being resolved")
            }
        }
    }
    Ok(queue)
}
