//! One run's ffmpeg process, and the thread that feeds it frames.
//!
//! Frames go to ffmpeg's standard input as a multipart JPEG stream, and ffmpeg stamps each with
//! the moment it reads it, so the video keeps the page's own timing. The feeder writes at most
//! `max_fps` frames a second, always the latest: a burst of repaints becomes one frame, and the
//! last picture of a burst is never lost. At the end the latest picture is written once more, so
//! the video lasts until the run ended even if the page held still before.

use std::io::Write;
use std::path::Path;
use std::process::ChildStdin;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ffmpeg_sidecar::child::FfmpegChild;
use ffmpeg_sidecar::command::FfmpegCommand;

use super::finalize::{collect_errors, errors_or_ok};
use crate::config::RecordingConfig;

/// Frames waiting for the feeder; more are dropped (the feeder keeps only the latest anyway).
const QUEUE: usize = 8;
/// Seconds between forced key frames: where a player can seek to.
const KEY_FRAME_SECONDS: u32 = 2;

pub(super) struct Encoder {
    frames: SyncSender<Arc<[u8]>>,
    feeder: JoinHandle<Result<(), String>>,
}

impl Encoder {
    /// Starts ffmpeg writing a fragmented MP4 at `part`, `width` x `height` (made even).
    pub fn start(settings: &RecordingConfig, part: &Path, width: u32, height: u32) -> std::io::Result<Encoder> {
        let (width, height) = (width & !1, height & !1);
        let fit = format!(
            "scale={width}:{height}:force_original_aspect_ratio=decrease,\
             pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,format=yuv420p"
        );
        let mut command = FfmpegCommand::new_with_path(&settings.ffmpeg);
        command
            .hide_banner()
            .args(["-nostats", "-use_wallclock_as_timestamps", "1", "-f", "mpjpeg"])
            .input("pipe:0")
            .filter(fit)
            .codec_video("libx264")
            .preset("veryfast")
            .args(["-tune", "zerolatency", "-threads", "1"])
            .crf(settings.crf)
            .fps_mode("passthrough")
            .args(["-force_key_frames", &format!("expr:gte(t,n_forced*{KEY_FRAME_SECONDS})")])
            .args(["-movflags", "+frag_keyframe+empty_moov+default_base_moof", "-frag_duration", "1000000"])
            .args(["-video_track_timescale", "1000", "-an"])
            .overwrite()
            .output(part);
        let mut child = command.spawn()?;
        let stdin = child.take_stdin().ok_or_else(|| std::io::Error::other("ffmpeg's input is not a pipe"))?;
        let errors = collect_errors(&mut child)?;
        let (frames, incoming) = sync_channel(QUEUE);
        let spacing = Duration::from_secs_f64(1.0 / f64::from(settings.max_fps.max(1)));
        let feeder = std::thread::Builder::new()
            .name("recording".into())
            .spawn(move || feed(&incoming, stdin, spacing, child, errors))?;
        Ok(Encoder { frames, feeder })
    }

    /// Hands a frame to the feeder without waiting.
    pub fn push(&self, jpeg: Arc<[u8]>) {
        match self.frames.try_send(jpeg) {
            Ok(()) | Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {}
        }
    }

    /// Writes the last picture at this moment, closes the video and waits for ffmpeg to exit.
    pub async fn finish(self) -> Result<(), String> {
        let Encoder { frames, feeder } = self;
        drop(frames);
        match tokio::task::spawn_blocking(move || feeder.join()).await {
            Ok(Ok(result)) => result,
            _ => Err("the recording's feeder thread stopped unexpectedly".into()),
        }
    }
}

/// The feeder thread: paces frames into ffmpeg until the channel closes, then ends the video.
fn feed(
    incoming: &Receiver<Arc<[u8]>>,
    mut stdin: ChildStdin,
    spacing: Duration,
    mut child: FfmpegChild,
    errors: JoinHandle<Vec<String>>,
) -> Result<(), String> {
    let mut pending: Option<Arc<[u8]>> = None;
    let mut written: Option<(Arc<[u8]>, Instant)> = None;
    let mut broken = None;
    loop {
        let wait = match (&pending, &written) {
            (None, _) => Duration::from_secs(3600),
            (Some(_), None) => Duration::ZERO,
            (Some(_), Some((_, at))) => spacing.saturating_sub(at.elapsed()),
        };
        match incoming.recv_timeout(wait) {
            Ok(frame) => pending = Some(frame),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        let due = written.as_ref().is_none_or(|(_, at)| at.elapsed() >= spacing);
        if due && let Some(frame) = pending.take() {
            if broken.is_none()
                && let Err(error) = write_frame(&mut stdin, &frame)
            {
                broken = Some(format!("ffmpeg stopped taking frames: {error}"));
            }
            written = Some((frame, Instant::now()));
        }
    }
    let last = pending.or_else(|| written.as_ref().map(|(frame, _)| frame.clone()));
    if let (Some(frame), None) = (last, &broken) {
        if let Some((_, at)) = &written {
            std::thread::sleep(spacing.saturating_sub(at.elapsed()));
        }
        let _ = write_frame(&mut stdin, &frame);
    }
    drop(stdin);
    let status = child.wait().map_err(|error| format!("ffmpeg could not be waited for: {error}"))?;
    let errors = errors.join().unwrap_or_default();
    match broken {
        Some(reason) => Err(reason),
        None => errors_or_ok(status, errors),
    }
}

/// One part of the multipart stream that ffmpeg's `mpjpeg` reader takes.
fn write_frame(stdin: &mut ChildStdin, jpeg: &[u8]) -> std::io::Result<()> {
    write!(stdin, "--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\n\r\n", jpeg.len())?;
    stdin.write_all(jpeg)?;
    stdin.write_all(b"\r\n")?;
    stdin.flush()
}
