//! One run's ffmpeg process, and the thread that feeds it frames.
//!
//! Frames go to ffmpeg's standard input in a Matroska stream (`matroska`), each stamped with the
//! moment the appliance received it, so the video keeps the page's own timing however late ffmpeg
//! reads. The feeder writes at most `max_fps` frames a second, always the latest: a burst of
//! repaints becomes one frame, and the last picture of a burst is never lost. The video opens on
//! black at the moment the browser opened, and at the end the latest picture is written once
//! more, so the video lasts as long as the run even if the page held still before it ended.

use std::io::Write;
use std::path::Path;
use std::process::ChildStdin;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ffmpeg_sidecar::child::FfmpegChild;
use ffmpeg_sidecar::command::FfmpegCommand;

use super::finalize::{collect_errors, errors_or_ok};
use super::matroska;
use crate::config::RecordingConfig;

/// Frames waiting for the feeder; more are dropped (the feeder keeps only the latest anyway).
const QUEUE: usize = 8;
/// What the video shows until the page first paints: black (scaled to the video's size), so the
/// video starts when the run's browser opened, not when the page first painted.
const BEFORE_THE_FIRST_PAINT: &[u8] = include_bytes!("blank.jpg");
/// Seconds between forced key frames: where a player can seek to.
const KEY_FRAME_SECONDS: u32 = 2;

/// A picture and when the appliance received it.
struct Frame {
    at: Instant,
    jpeg: Arc<[u8]>,
}

pub(super) struct Encoder {
    frames: SyncSender<Frame>,
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
            .args(["-nostats", "-f", "matroska"])
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
        let mut stdin = child.take_stdin().ok_or_else(|| std::io::Error::other("ffmpeg's input is not a pipe"))?;
        let errors = collect_errors(&mut child)?;
        let (frames, incoming) = sync_channel(QUEUE);
        let started = Instant::now();
        matroska::write_header(&mut stdin, width, height)?;
        let _ = frames.try_send(Frame { at: started, jpeg: Arc::from(BEFORE_THE_FIRST_PAINT) });
        let spacing = Duration::from_secs_f64(1.0 / f64::from(settings.max_fps.max(1)));
        let feeder = std::thread::Builder::new()
            .name("recording".into())
            .spawn(move || feed(&incoming, Stream { stdin, started, last_ms: None }, spacing, child, errors))?;
        Ok(Encoder { frames, feeder })
    }

    /// Hands a frame to the feeder without waiting: when the feeder is behind (ffmpeg is slow)
    /// or gone, the frame is dropped.
    pub fn push(&self, jpeg: Arc<[u8]>) {
        let _ = self.frames.try_send(Frame { at: Instant::now(), jpeg });
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

/// ffmpeg's input, and the timing of what was written to it.
struct Stream {
    stdin: ChildStdin,
    started: Instant,
    last_ms: Option<u64>,
}

impl Stream {
    /// Writes a frame shown from `at` (a millisecond after the previous one at the earliest).
    fn write(&mut self, at: Instant, jpeg: &[u8]) -> std::io::Result<()> {
        let at_ms = at.saturating_duration_since(self.started).as_millis() as u64;
        let at_ms = self.last_ms.map_or(at_ms, |last| at_ms.max(last + 1));
        matroska::write_frame(&mut self.stdin, at_ms, jpeg)?;
        self.stdin.flush()?;
        self.last_ms = Some(at_ms);
        Ok(())
    }
}

/// The feeder thread: paces frames into ffmpeg until the channel closes, then ends the video.
fn feed(
    incoming: &Receiver<Frame>,
    mut stream: Stream,
    spacing: Duration,
    mut child: FfmpegChild,
    errors: JoinHandle<Vec<String>>,
) -> Result<(), String> {
    let mut pending: Option<Frame> = None;
    let mut written: Option<Frame> = None;
    let mut broken = None;
    loop {
        let wait = match (&pending, &written) {
            (None, _) => Duration::from_secs(3600),
            (Some(_), None) => Duration::ZERO,
            (Some(_), Some(last)) => spacing.saturating_sub(last.at.elapsed()),
        };
        match incoming.recv_timeout(wait) {
            Ok(frame) => pending = Some(frame),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        let due = written.as_ref().is_none_or(|last| last.at.elapsed() >= spacing);
        if due && let Some(frame) = pending.take() {
            if broken.is_none()
                && let Err(error) = stream.write(frame.at, &frame.jpeg)
            {
                broken = Some(format!("ffmpeg stopped taking frames: {error}"));
            }
            written = Some(frame);
        }
    }
    // The latest picture, at its own time, then once more to show it until now.
    if broken.is_none() {
        if let Some(frame) = pending.take() {
            let _ = stream.write(frame.at, &frame.jpeg);
            written = Some(frame);
        }
        if let Some(frame) = &written {
            let _ = stream.write(Instant::now(), &frame.jpeg);
        }
    }
    drop(stream);
    let status = child.wait().map_err(|error| format!("ffmpeg could not be waited for: {error}"))?;
    let errors = errors.join().unwrap_or_default();
    match broken {
        Some(reason) => Err(reason),
        None => errors_or_ok(status, errors),
    }
}
