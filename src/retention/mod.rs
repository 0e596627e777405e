//! Retention: finished runs are kept as long as `[retention]` allows.
//!
//! One task owns the removals (`sweep`): it wakes every `retention.interval_seconds` and each time
//! a run ends, and makes one pass. Runs that ended longer ago than `max_age_days` are removed
//! whole. While the data directory holds more than `max_disk_gb`, finished runs lose their files,
//! oldest end first, and when that is not enough are removed whole, oldest first. A run that has
//! not ended is never touched. A removed run leaves a tombstone in the store (its routes answer
//! 410) and is taken out of the search index. A panicking pass is caught and the task goes on.
//! The store forgets a run's files before their folder is removed; at start-up the task removes
//! the folders that a stop in between left behind.
//!
//! `room` is the other half: below `min_free_gb` free on the data directory's disk, no new run
//! starts.

mod room;
mod sweep;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use room::{DiskLow, DiskRoom};
pub use sweep::{PassOutcome, SweepError, Sweeper, SweeperParts};

use crate::events::Event;
use crate::store::Store;

/// How long a pass in progress gets to finish at shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The retention task; stopping it lets a pass in progress end at its next run.
pub struct Retention {
    shutdown: CancellationToken,
    tasks: TaskTracker,
}

impl Retention {
    /// Starts the task, unless no limit is set (`max_age_days` and `max_disk_gb` both 0).
    pub fn start(sweeper: Sweeper, store: &Store, interval: Duration) -> Retention {
        let retention = Retention { shutdown: sweeper.stopping(), tasks: TaskTracker::new() };
        if sweeper.is_off() {
            tracing::info!("retention keeps every run: retention.max_age_days and max_disk_gb are 0");
        } else {
            let ended = store.subscribe_events();
            retention.tasks.spawn(run(sweeper, ended, interval, retention.shutdown.clone()));
        }
        retention
    }

    pub async fn shut_down(&self) {
        self.shutdown.cancel();
        self.tasks.close();
        if tokio::time::timeout(SHUTDOWN_GRACE, self.tasks.wait()).await.is_err() {
            tracing::warn!("retention did not stop in time");
        }
    }
}

/// Passes until `shutdown`, one after each interval and after each run's end.
async fn run(
    sweeper: Sweeper,
    mut events: broadcast::Receiver<Arc<Event>>,
    interval: Duration,
    shutdown: CancellationToken,
) {
    match sweeper.remove_leftovers().await {
        Ok(0) => {}
        Ok(folders) => tracing::info!(folders, "removed the folders of removed runs that an earlier stop left"),
        Err(error) => tracing::warn!(%error, "the folders of removed runs could not be looked for"),
    }
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(interval) => {}
            () = a_run_ended(&mut events) => {}
        }
        // Runs that ended together make one pass.
        while events.try_recv().is_ok() {}
        match AssertUnwindSafe(sweeper.pass()).catch_unwind().await {
            Ok(Ok(outcome)) if outcome.changed_anything() => tracing::info!(
                runs_removed = outcome.runs_removed,
                runs_with_files_removed = outcome.runs_with_files_removed,
                bytes_freed = outcome.bytes_freed,
                used_bytes = outcome.used_bytes,
                "retention pass"
            ),
            Ok(Ok(outcome)) => tracing::debug!(used_bytes = outcome.used_bytes, "retention pass: nothing to remove"),
            Ok(Err(error)) => tracing::warn!(%error, "a retention pass failed; the next one tries again"),
            Err(_) => tracing::error!("a retention pass panicked; the next one tries again"),
        }
    }
}

/// Returns once a run reaches a terminal status (or events were missed, one may have).
async fn a_run_ended(events: &mut broadcast::Receiver<Arc<Event>>) {
    loop {
        match events.recv().await {
            Ok(event) if event.status_change_of(&event.run_id).is_some_and(|status| status.is_terminal()) => return,
            Ok(_) => {}
            Err(RecvError::Lagged(_)) => return,
            Err(RecvError::Closed) => std::future::pending().await,
        }
    }
}
