//! Cancel: a queued run ends `canceled` at once and never gets a browser; a running one moves to
//! `canceling` and its worker stops it, closes its browser context and ends it `canceled`.

use super::Scheduler;
use crate::ids::RunId;
use crate::runs::{Run, RunStatus};
use crate::store::{StatusChange, StoreError, Transition};

#[derive(Debug, thiserror::Error)]
pub enum CancelError {
    #[error("run {run_id} already ended with status {status}")]
    AlreadyFinished { run_id: RunId, status: RunStatus },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Scheduler {
    /// Cancels a run; returns it as it is after the request.
    pub async fn cancel(&self, run_id: &RunId) -> Result<Run, CancelError> {
        let store = &self.shared.store;
        // A run may change status while we look (a queued run starts): try again with the new one.
        for _ in 0..4 {
            let run = store.run(run_id).await?;
            let target = match run.status {
                RunStatus::Created | RunStatus::Queued | RunStatus::ReviewRequired => RunStatus::Canceled,
                RunStatus::Running | RunStatus::Paused | RunStatus::InteractionRequired => RunStatus::Canceling,
                RunStatus::Canceling => return Ok(run),
                status => return Err(CancelError::AlreadyFinished { run_id: run_id.clone(), status }),
            };
            let change =
                StatusChange { failure_reason: Some("canceled by a person".into()), ..StatusChange::to(target) };
            match store.transition(run_id, change).await? {
                Transition::Applied(run) => {
                    if target == RunStatus::Canceled {
                        self.forget_queued(run_id);
                        self.take_secrets(run_id);
                    }
                    // A plan run waiting for its reviewer has a worker to stop too.
                    self.signal_cancel(run_id);
                    return Ok(*run);
                }
                Transition::Refused { .. } => continue,
            }
        }
        Ok(store.run(run_id).await?)
    }

    fn signal_cancel(&self, run_id: &RunId) {
        if let Some(token) = self.shared.active.lock().unwrap_or_else(|p| p.into_inner()).get(run_id) {
            token.cancel();
        }
    }
}
