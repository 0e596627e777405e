//! At start-up: the recordings of runs and sessions that were interrupted by a crash of the
//! appliance.
//!
//! Their ffmpeg saw its input close when the appliance died and closed the part by itself; it
//! may still be at it, so each part waits for the processes writing it (a few seconds at most)
//! before it is finished like any other recording.

use std::path::Path;
use std::time::Duration;

use super::{Owner, PART_SUFFIX, Recorder};
use crate::processes;

/// How long a previous process's ffmpeg may take to close its part.
const CLOSING_PATIENCE: Duration = Duration::from_secs(10);
const LOOK_AGAIN: Duration = Duration::from_millis(100);

pub(super) async fn finish_all(recorder: &Recorder) {
    let Ok(mut parts) = tokio::fs::read_dir(&recorder.parts).await else { return };
    while let Ok(Some(part)) = parts.next_entry().await {
        let name = part.file_name().to_string_lossy().into_owned();
        let Some(owner) = name.strip_suffix(PART_SUFFIX).and_then(Owner::parse) else { continue };
        let part = part.path();
        wait_for_writers(&part).await;
        if recorder.keep(&owner, part).await {
            tracing::info!(%owner, "kept a recording interrupted by a crash, up to the crash");
        }
    }
}

/// Waits until no process writes `part`; kills those still at it after `CLOSING_PATIENCE`.
async fn wait_for_writers(part: &Path) {
    let marker = part.to_string_lossy();
    let started = tokio::time::Instant::now();
    while started.elapsed() < CLOSING_PATIENCE {
        if processes::mentioning(&marker).is_empty() {
            return;
        }
        tokio::time::sleep(LOOK_AGAIN).await;
    }
    for pid in processes::mentioning(&marker) {
        processes::kill_now(pid);
    }
}
