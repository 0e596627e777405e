//! The video of every run, and of a browser session's time between runs while a person drives
//! it: screencast frames piped to the system's ffmpeg (this module is the
//! only one that starts it, through ffmpeg-sidecar) and encoded as H.264 at the pace the page
//! changed (variable frame rate: a page that holds still adds no frames).
//!
//! While the run goes on, ffmpeg writes a fragmented MP4, `<run_id>.part.mp4` in the folder of
//! recordings in progress, which stays playable up to its last fragment (one a second) if the
//! appliance dies. When the run ends, whatever its status, the part is closed and copied without
//! re-encoding into the run's `recording.mp4` with its index first (seekable; a `<video>` starts
//! playing before it has it all), which becomes the run's `recording` artifact (a session's
//! become its recordings, `recording.mp4`, `recording-2.mp4`, … in its folder). At start-up, the
//! parts a crash left behind (the only files in that folder) are finished the same way
//! (`leftovers`).

mod cpu;
mod encoder;
mod finalize;
mod leftovers;
mod mailbox;
mod matroska;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::artifacts::{ArtifactFiles, ArtifactType};
use crate::browser::ScreencastFrame;
use crate::config::RecordingConfig;
use crate::ids::{RunId, SessionId};

use self::cpu::EncoderCpu;
use self::encoder::Encoder;

/// The H.264 encoder that recordings use: ffmpeg must have it (Debian's `ffmpeg` does).
pub const VIDEO_ENCODER: &str = "libx264";

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
    /// The CPU time of the encoders, for the metrics.
    cpu: Arc<EncoderCpu>,
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

/// Whose time a recording shows.
#[derive(Debug, Clone)]
pub enum Owner {
    Run(RunId),
    /// A browser session, while a person drives it between runs.
    Session(SessionId),
}

impl Owner {
    fn as_str(&self) -> &str {
        match self {
            Owner::Run(run_id) => run_id.as_str(),
            Owner::Session(session_id) => session_id.as_str(),
        }
    }

    /// The owner a part's name (without its suffix) names.
    fn parse(name: &str) -> Option<Owner> {
        RunId::parse(name).map(Owner::Run).or_else(|_| SessionId::parse(name).map(Owner::Session)).ok()
    }
}

impl std::fmt::Display for Owner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One recording in progress.
pub struct Recording {
    owner: Owner,
    encoder: Encoder,
    part: PathBuf,
    recorder: Recorder,
}

impl Recorder {
    pub fn new(settings: RecordingConfig, artifacts: ArtifactFiles, parts: PathBuf, size: (u32, u32)) -> Recorder {
        Recorder { settings: Arc::new(settings), artifacts, parts, size, cpu: Arc::default() }
    }

    /// Seconds of CPU that the encoders of every recording since the start have used (blocking:
    /// reads `/proc`).
    pub fn encoder_cpu_seconds(&self) -> f64 {
        self.cpu.seconds()
    }

    /// Whether ffmpeg can be started; says why not.
    pub fn check(&self) -> Result<(), String> {
        if !self.settings.enabled {
            return Ok(());
        }
        finalize::probe(&self.settings.ffmpeg)
    }

    /// Starts recording a run or a session (ffmpeg is started off the async threads).
    pub async fn start(&self, owner: Owner) -> Result<Recording, RecordingError> {
        if !self.settings.enabled {
            return Err(RecordingError::Disabled);
        }
        let recorder = self.clone();
        let ffmpeg = self.settings.ffmpeg.clone();
        tokio::task::spawn_blocking(move || recorder.start_now(owner)).await.unwrap_or_else(|join| {
            Err(RecordingError::Spawn { ffmpeg, source: std::io::Error::other(join.to_string()) })
        })
    }

    fn start_now(self, owner: Owner) -> Result<Recording, RecordingError> {
        let folder = &self.parts;
        std::fs::create_dir_all(folder).map_err(|source| RecordingError::Folder { path: folder.clone(), source })?;
        let part = folder.join(format!("{owner}{PART_SUFFIX}"));
        let encoder = Encoder::start(&self.settings, &part, self.size, self.cpu.clone())
            .map_err(|source| RecordingError::Spawn { ffmpeg: self.settings.ffmpeg.clone(), source })?;
        Ok(Recording { owner, encoder, part, recorder: self })
    }

    /// Finishes the recordings that a crash of the appliance left as parts.
    pub async fn finish_leftovers(&self) {
        leftovers::finish_all(self).await
    }

    /// Turns a closed part into its owner's recording; false when it holds no picture.
    async fn keep(&self, owner: &Owner, part: PathBuf) -> bool {
        let folder = match owner {
            Owner::Run(run_id) => self.artifacts.run_dir(run_id),
            Owner::Session(session_id) => self.artifacts.session_dir(session_id),
        };
        if let Err(error) = tokio::fs::create_dir_all(&folder).await {
            tracing::error!(%owner, %error, "the folder cannot be made; the recording part is kept for the next start");
            return false;
        }
        let video = free_name(&folder);
        let ffmpeg = self.settings.ffmpeg.clone();
        let (from, to) = (part.clone(), video.clone());
        let copied = tokio::task::spawn_blocking(move || finalize::index_first(&ffmpeg, &from, &to)).await;
        match copied {
            Ok(Ok(())) => {}
            Ok(Err(reason)) => {
                tracing::warn!(%owner, reason, "the recording holds no playable picture; none is kept");
                let _ = tokio::fs::remove_file(&video).await;
                let _ = tokio::fs::remove_file(&part).await;
                return false;
            }
            Err(error) => {
                tracing::error!(%owner, %error, "finishing a recording panicked; its part is kept for the next start");
                return false;
            }
        }
        let _ = tokio::fs::remove_file(&part).await;
        let kept = match owner {
            Owner::Run(run_id) => self.artifacts.adopt(run_id, ArtifactType::Recording, &video).await.map(drop),
            Owner::Session(session_id) => self.artifacts.adopt_session_recording(session_id, &video).await.map(drop),
        };
        if let Err(error) = &kept {
            tracing::error!(%owner, %error, "the recording could not be recorded");
        }
        kept.is_ok()
    }
}

impl Recording {
    /// Adds a frame; never waits (under load, frames are dropped, the latest kept).
    pub fn push(&self, frame: &ScreencastFrame) {
        self.encoder.push(frame.jpeg.clone());
    }

    /// Closes the video at the current moment and keeps it as its owner's recording.
    pub async fn finish(self) {
        let Recording { owner, encoder, part, recorder } = self;
        if let Err(reason) = encoder.finish().await {
            tracing::warn!(%owner, reason, "ffmpeg reported an error while recording");
        }
        recorder.keep(&owner, part).await;
    }
}

/// `recording.mp4` in the owner's folder, or `recording-2.mp4`, … when it was recorded before (a
/// run interrupted before it did anything and run again, a session driven more than once).
fn free_name(folder: &std::path::Path) -> PathBuf {
    let mut video = folder.join(FINAL_FILE);
    let mut number = 1;
    while video.exists() {
        number += 1;
        video = folder.join(format!("recording-{number}.mp4"));
    }
    video
}

/// The first line of `ffmpeg -version` (e.g. `ffmpeg version 5.1.6-0+deb12u1 …`), or why it did
/// not answer.
pub fn ffmpeg_version(ffmpeg: &Path) -> Result<String, String> {
    let stdout = run_ffmpeg(ffmpeg, &["-version"])?;
    Ok(stdout.lines().next().unwrap_or_default().trim().to_owned())
}

/// Whether `ffmpeg -encoders` lists `encoder` among its video encoders.
pub fn ffmpeg_has_encoder(ffmpeg: &Path, encoder: &str) -> Result<bool, String> {
    Ok(lists_video_encoder(&run_ffmpeg(ffmpeg, &["-encoders"])?, encoder))
}

/// Runs ffmpeg with `args` to the end; its output, or why it failed.
fn run_ffmpeg(ffmpeg: &Path, args: &[&str]) -> Result<String, String> {
    let output = std::process::Command::new(ffmpeg)
        .args(["-hide_banner", "-nostdin"])
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|error| format!("cannot run {}: {error}", ffmpeg.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let run = format!("{} {}", ffmpeg.display(), args.join(" "));
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!("{run} failed ({}) {}", output.status, stderr.trim()).trim_end().to_owned());
    }
    if stdout.trim().is_empty() {
        return Err(format!("{run} printed nothing (is it ffmpeg?)"));
    }
    Ok(stdout)
}

/// Whether a listing of `ffmpeg -encoders` (` V....D libx264   libx264 H.264 …`) has `encoder`
/// as a video encoder.
fn lists_video_encoder(listing: &str, encoder: &str) -> bool {
    listing.lines().any(|line| {
        let mut words = line.split_whitespace();
        let flags = words.next().unwrap_or_default();
        flags.len() == 6 && flags.starts_with('V') && words.next() == Some(encoder)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_left_by_a_crash_is_finished_for_the_run_or_session_its_name_gives() {
        assert!(matches!(Owner::parse("tsk_123"), Some(Owner::Run(id)) if id.as_str() == "tsk_123"));
        assert!(matches!(Owner::parse("wr_7"), Some(Owner::Run(_))));
        assert!(matches!(Owner::parse("pbs_42"), Some(Owner::Session(id)) if id.as_str() == "pbs_42"));
        assert!(Owner::parse("notes").is_none(), "anything else is left alone");
    }

    #[test]
    fn the_video_encoder_is_found_in_ffmpegs_list_of_encoders() {
        let listing = "Encoders:\n V..... = Video\n ------\n V....D libx264rgb           libx264 H.264 RGB\n \
                       A....D aac                  AAC\n V....D libx264              libx264 H.264 / AVC\n";
        assert!(lists_video_encoder(listing, "libx264"));
        assert!(!lists_video_encoder(listing, "aac"), "an audio encoder is no video encoder");
        assert!(!lists_video_encoder(&listing.replace(" libx264  ", " h264_v4l2m2m  "), "libx264"));
    }
}
