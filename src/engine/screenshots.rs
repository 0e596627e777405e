//! Each action's screenshot is a picture the live view already has: the first frame the page
//! painted after the action (it shows what the action did), or the latest one if the page did
//! not repaint within `FRAME_PATIENCE` or the next action began first; if the page had not
//! painted at all yet (a slow first paint), its first frame within `FIRST_PAINT_PATIENCE`.
//! Nothing is captured on the run's path: the picture is chosen and kept in the background, and
//! a run ends only once the pictures of its actions are kept.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use super::RunRecorder;
use crate::artifacts::ArtifactType;
use crate::ids::StepRunId;

/// How long an action's picture waits for the page to repaint.
const FRAME_PATIENCE: Duration = Duration::from_millis(250);
/// How long an action's picture waits for a page that had not painted at all yet.
const FIRST_PAINT_PATIENCE: Duration = Duration::from_secs(2);
/// How long the end of a run waits for pictures still being kept.
const FLUSH_PATIENCE: Duration = Duration::from_secs(5);

/// The pictures of one run's actions that are still being kept.
#[derive(Clone, Default)]
pub struct ActionScreenshots {
    pending: TaskTracker,
    /// Bumped when the next action begins (or the run ends): pending pictures take the latest
    /// frame then.
    moved_on: Arc<watch::Sender<u64>>,
}

impl RunRecorder {
    /// The page now, as the live view last received it (none before it first painted).
    pub fn latest_picture(&self) -> Option<Arc<[u8]>> {
        self.live.latest().map(|frame| frame.frame.jpeg.clone())
    }

    /// An action begins: the pictures of those before it are the page as it is now.
    pub fn action_begins(&self) {
        self.screenshots.moved_on.send_modify(|count| *count += 1);
    }

    /// Keeps the picture of the page after the action of timeline item `item`, in the background.
    pub fn keep_screenshot_after(&self, step_run_id: &StepRunId, item: i64) {
        let seen = self.live.sequence();
        let mut moved_on = self.screenshots.moved_on.subscribe();
        moved_on.mark_unchanged();
        let (recorder, step_run_id) = (self.clone(), step_run_id.clone());
        self.screenshots.pending.spawn(
            async move {
                let enough = async {
                    let _ = moved_on.changed().await;
                };
                let frame = match recorder.live.frame_after(seen, FRAME_PATIENCE, enough).await {
                    Some(frame) => Some(frame),
                    // The page had not painted at all yet: its first frame, if it comes in time.
                    None => recorder.live.frame_after(0, FIRST_PAINT_PATIENCE, std::future::pending()).await,
                };
                let Some(frame) = frame else { return };
                let jpeg = frame.frame.jpeg.to_vec();
                let saved = recorder.artifacts.save(
                    &recorder.run_id,
                    Some(&step_run_id),
                    ArtifactType::ScreenshotAction,
                    "jpg",
                    jpeg,
                );
                let kept = match saved.await {
                    Ok(artifact) => {
                        recorder.store.attach_screenshot(item, &artifact.id).await.map_err(|e| e.to_string())
                    }
                    Err(error) => Err(error.to_string()),
                };
                if let Err(error) = kept {
                    tracing::warn!(run_id = %recorder.run_id, %error, "an action's screenshot could not be kept");
                }
            }
            .in_current_span(),
        );
    }

    /// Waits until the pictures of every action so far are kept.
    pub async fn flush_screenshots(&self) {
        self.action_begins();
        self.screenshots.pending.close();
        if tokio::time::timeout(FLUSH_PATIENCE, self.screenshots.pending.wait()).await.is_err() {
            tracing::warn!(run_id = %self.run_id, "some action screenshots were not kept in time");
        }
    }
}
