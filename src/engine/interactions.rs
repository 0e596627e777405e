//! Questions for a person: a run that needs input only a person has (an MFA code, a security
//! answer) waits in `interaction_required` until `POST /v1/runs/{id}/interactions` answers; a
//! plan's approval step waits in `review_required` until `POST /v1/runs/{id}/review` decides.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::ids::RunId;

/// The runs waiting for an answer (a text, or a reviewer's decision), each with the channel its
/// answer goes through.
pub struct Interactions<T = String> {
    waiting: Arc<Mutex<HashMap<RunId, oneshot::Sender<T>>>>,
}

impl<T> Clone for Interactions<T> {
    fn clone(&self) -> Self {
        Interactions { waiting: self.waiting.clone() }
    }
}

impl<T> Default for Interactions<T> {
    fn default() -> Self {
        Interactions { waiting: Arc::default() }
    }
}

/// Why an answer could not be delivered.
#[derive(Debug, thiserror::Error)]
#[error("run {0} is not waiting for an answer")]
pub struct NotWaiting(pub RunId);

impl<T> Interactions<T> {
    /// Registers the run as waiting; the receiver gets the answer.
    pub fn wait_for_answer(&self, run_id: &RunId) -> oneshot::Receiver<T> {
        let (sender, receiver) = oneshot::channel();
        self.waiting.lock().unwrap_or_else(|p| p.into_inner()).insert(run_id.clone(), sender);
        receiver
    }

    /// Hands a person's answer to the waiting run.
    pub fn answer(&self, run_id: &RunId, answer: T) -> Result<(), NotWaiting> {
        let sender = self.waiting.lock().unwrap_or_else(|p| p.into_inner()).remove(run_id);
        match sender {
            Some(sender) => sender.send(answer).map_err(|_| NotWaiting(run_id.clone())),
            None => Err(NotWaiting(run_id.clone())),
        }
    }

    /// Forgets a run that stopped waiting (canceled, timed out).
    pub fn forget(&self, run_id: &RunId) {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner()).remove(run_id);
    }
}
