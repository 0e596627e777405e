//! The video of every run: screencast frames piped to the system's ffmpeg (this module is the
//! only one that starts it, through ffmpeg-sidecar) and encoded as H.264 at the pace the page
//! changed (variable frame rate: a page that holds still adds no frames).
//!
//! While the run goes on, ffmpeg writes a fragmented MP4, `<run_id>.part.mp4` in the folder of
//! recordings in progress, which stays playable up to its last fragment (one a second) if the
//! appliance dies. When the run ends, whatever its status, the part is closed and copied without
//! re-encoding into the run's `recording.mp4` with its index first (seekable; a `<video>` starts
//! playing before it has it all), which becomes the run's `recording` artifact. At start-up, the
//! parts a crash left behind (the only files in that folder) are finished the same way
//! (`leftovers`).

mod encoder;
mod finalize;
mod leftovers;
mod mailbox;
mod matroska;

use std::path::PathBuf;
use std::sync::Arc;

use crate::artifacts::{Artifact, ArtifactFiles, ArtifactType};
use crate::browser::ScreencastFrame;
use crate::config::RecordingConfig;
use crate::ids::RunId;

use self::encoder::Encoder;

/// How a part's file name ends, after the run's id.
const PART_SUFFIX: &str = ".part.mp4";
/// The finished video's name in the run's folder.
const FINAL_FILE: &str = "recording.mp4";

/// Starts and finishes the runs' recordings.
#[derive(Clone)]
pub struct Recorder {
    settings: Arc<RecordingConfig>,
    artifacts: ArtifactFiles,
    /// Where the parts of recordings in progress are written.
    parts: PathBuf,
    /// The viewport's size in CSS pixels, which is the frames' size.
    size: (u32, u32),
}

/// Why a run is not being recorded.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error("recording is disabled in the configuration")]
    Disabled,
    #[error("cannot prepare the recording folder {path}: {source}")]
    Folder { path: PathBuf, source: std::io::Error },
    #[error("cannot start ffmpeg ({ffmpeg}): {source}")]
    Spawn { ffmpeg: PathBuf, source: std::io::Error },
}

/// One run's recording in progress.
pub struct Recording {
    run_id: RunId,
    encoder: Encoder,
    part: PathBuf,
    recorder: Recorder,
}

impl Recorder {
    pub fn new(settings: RecordingConfig, artifacts: ArtifactFiles, parts: PathBuf, size: (u32, u32)) -> Recorder {
        Recorder { settings: Arc::new(settings), artifacts, parts, size }
    }

    /// Whether ffmpeg can be started; says why not.
    pub fn check(&self) -> Result<(), String> {
        if !self.settings.enabled {
            return Ok(());
        }
        finalize::probe(&self.settings.ffmpeg)
    }

    /// Starts recording a run (ffmpeg is started off the async threads).
    pub async fn start(&self, run_id: &RunId) -> Result<Recording, RecordingError> {
        if !self.settings.enabled {
            return Err(RecordingError::Disabled);
        }
        let (recorder, run_id) = (self.clone(), run_id.clone());
        let ffmpeg = self.settings.ffmpeg.clone();
        tokio::task::spawn_blocking(move || recorder.start_now(run_id)).await.unwrap_or_else(|join| {
            Err(RecordingError::Spawn { ffmpeg, source: std::io::Error::other(join.to_string()) })
        })
    }

    fn start_now(self, run_id: RunId) -> Result<Recording, RecordingError> {
        let (width, height) = self.size;
        let folder = &self.parts;
        std::fs::create_dir_all(folder).map_err(|source| RecordingError::Folder { path: folder.clone(), source })?;
        let part = folder.join(format!("{run_id}{PART_SUFFIX}"));
        let encoder = Encoder::start(&self.settings, &part, width, height)
            .map_err(|source| RecordingError::Spawn { ffmpeg: self.settings.ffmpeg.clone(), source })?;
        Ok(Recording { run_id, encoder, part, recorder: self })
    }

    /// Finishes the recordings that a crash of the appliance left as parts.
    pub async fn finish_leftovers(&self) {
        leftovers::finish_all(self).await
    }

    /// Turns a run's closed part into its `recording` artifact; `None` when it holds no picture.
    async fn keep(&self, run_id: &RunId, part: PathBuf) -> Option<Artifact> {
        let folder = self.artifacts.run_dir(run_id);
        if let Err(error) = tokio::fs::create_dir_all(&folder).await {
            tracing::error!(%run_id, %error, "the run's folder cannot be made; its recording part is kept for the next start");
            return None;
        }
        let video = free_name(&folder);
        let ffmpeg = self.settings.ffmpeg.clone();
        let (from, to) = (part.clone(), video.clone());
        let copied = tokio::task::spawn_blocking(move || finalize::index_first(&ffmpeg, &from, &to)).await;
        match copied {
            Ok(Ok(())) => {}
            Ok(Err(reason)) => {
                tracing::warn!(%run_id, reason, "the run's recording holds no playable picture; none is kept");
                let _ = tokio::fs::remove_file(&video).await;
                let _ = tokio::fs::remove_file(&part).await;
                return None;
            }
            Err(error) => {
                tracing::error!(%run_id, %error, "finishing a recording panicked; its part is kept for the next start");
                return None;
            }
        }
        let _ = tokio::fs::remove_file(&part).await;
        match self.artifacts.adopt(run_id, ArtifactType::Recording, &video).await {
            Ok(artifact) => Some(artifact),
            Err(error) => {
                tracing::error!(%run_id, %error, "the run's recording could not be recorded as an artifact");
                None
            }
        }
    }
}

impl Recording {
    /// Adds a frame; never waits (under load, frames are dropped, the latest kept).
    pub fn push(&self, frame: &ScreencastFrame) {
        self.encoder.push(frame.jpeg.clone());
    }

    /// Closes the video at the current moment and keeps it as the run's `recording` artifact.
    pub async fn finish(self) -> Option<Artifact> {
        let Recording { run_id, encoder, part, recorder } = self;
        if let Err(reason) = encoder.finish().await {
            tracing::warn!(%run_id, reason, "ffmpeg reported an error while recording the run");
        }
        recorder.keep(&run_id, part).await
    }
}

/// `recording.mp4` in the run's folder, or `recording-2.mp4`, … when the run was recorded before
/// (it was interrupted before it did anything and ran again).
fn free_name(folder: &std::path::Path) -> PathBuf {
    let mut video = folder.join(FINAL_FILE);
    let mut number = 1;
    while video.exists() {
        number += 1;
        video = folder.join(format!("recording-{number}.mp4"));
    }
    video
}
