//! Each action's screenshot is a picture the live view already has: the first frame the page
//! painted after the action (it shows what the action did), or the latest one if the page did
//! not repaint within `FRAME_PATIENCE` or the next action began first. Nothing is captured on
//! the run's path: the picture is chosen and kept in the background, and a run ends only once
//! the pictures of its actions are kept.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio_util::task::TaskTracker;

use crate::artifacts::{ArtifactFiles, ArtifactType};
use crate::ids::{RunId, StepRunId};
use crate::live::LiveRun;
use crate::store::Store;

/// How long an action's picture waits for the page to repaint.
const FRAME_PATIENCE: Duration = Duration::from_millis(250);
/// How long the end of a run waits for pictures still being kept.
const FLUSH_PATIENCE: Duration = Duration::from_secs(5);

/// The pictures of one run's actions.
#[derive(Clone)]
pub struct ActionScreenshots {
    run_id: RunId,
    live: Arc<LiveRun>,
    store: Store,
    artifacts: ArtifactFiles,
    pending: TaskTracker,
    /// Bumped when the next action begins (or the run ends): pending pictures take the latest
    /// frame then.
    moved_on: Arc<watch::Sender<u64>>,
}

impl ActionScreenshots {
    pub fn new(run_id: RunId, live: Arc<LiveRun>, store: Store, artifacts: ArtifactFiles) -> ActionScreenshots {
        ActionScreenshots {
            run_id,
            live,
            store,
            artifacts,
            pending: TaskTracker::new(),
            moved_on: Arc::new(watch::Sender::new(0)),
        }
    }

    /// The page now, as the live view last received it (none before it first painted).
    pub fn latest(&self) -> Option<Arc<[u8]>> {
        self.live.latest().map(|frame| frame.frame.jpeg.clone())
    }

    /// An action begins: the pictures of those before it are the page as it is now.
    pub fn moving_on(&self) {
        self.moved_on.send_modify(|count| *count += 1);
    }

    /// Keeps the picture of the page after the action of timeline item `item`, in the background.
    pub fn keep_after(&self, step_run_id: &StepRunId, item: i64) {
        let seen = self.live.sequence();
        let mut moved_on = self.moved_on.subscribe();
        moved_on.mark_unchanged();
        let (shots, step_run_id) = (self.clone(), step_run_id.clone());
        self.pending.spawn(async move {
            let enough = async {
                let _ = moved_on.changed().await;
            };
            let Some(frame) = shots.live.frame_after(seen, FRAME_PATIENCE, enough).await else { return };
            let jpeg = frame.frame.jpeg.to_vec();
            let saved =
                shots.artifacts.save(&shots.run_id, Some(&step_run_id), ArtifactType::ScreenshotAction, "jpg", jpeg);
            let kept = match saved.await {
                Ok(artifact) => shots.store.attach_screenshot(item, &artifact.id).await.map_err(|e| e.to_string()),
                Err(error) => Err(error.to_string()),
            };
            if let Err(error) = kept {
                tracing::warn!(run_id = %shots.run_id, %error, "an action's screenshot could not be kept");
            }
        });
    }

    /// Waits until the pictures of every action so far are kept.
    pub async fn flush(&self) {
        self.moving_on();
        self.pending.close();
        if tokio::time::timeout(FLUSH_PATIENCE, self.pending.wait()).await.is_err() {
            tracing::warn!(run_id = %self.run_id, "some action screenshots were not kept in time");
        }
    }
}
