//! One run's ffmpeg process, and the thread that feeds it frames.
//!
//! Frames go to ffmpeg's standard input in a Matroska stream (`matroska`), each stamped with the
//! moment the appliance received it, so the video keeps the page's own timing however late ffmpeg
//! reads. The feeder writes at most `max_fps` frames a second, always the latest (`mailbox`): a
//! burst of repaints becomes one frame, and the last picture of a burst is never lost. Each
//! frame's time is put on the grid of `max_fps` (one frame per slot, slots only grow), and the
//! video is declared at that rate, so its timestamps strictly increase and every tool reads them
//! as they are (variable frame rate: a still page adds no frames). The video opens on black at
//! the moment the browser opened, and at the end the latest picture is written once more, so the
//! video lasts as long as the run even if the page held still before it ended.

use std::io::Write;
use std::path::Path;
use std::process::ChildStdin;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ffmpeg_sidecar::child::FfmpegChild;
use ffmpeg_sidecar::command::FfmpegCommand;

use super::cpu::EncoderCpu;
use super::finalize::{collect_errors, errors_or_ok};
use super::mailbox::{Delivery, Mailbox};
use super::matroska;
use crate::config::RecordingConfig;

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
    frames: Arc<Mailbox<Frame>>,
    feeder: JoinHandle<Result<(), String>>,
}

impl Encoder {
    /// Starts ffmpeg writing a fragmented MP4 at `part`, `width` x `height` (made even); its CPU
    /// time is counted in `cpu`.
    pub fn start(
        settings: &RecordingConfig,
        part: &Path,
        (width, height): (u32, u32),
        cpu: Arc<EncoderCpu>,
    ) -> std::io::Result<Encoder> {
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
            .codec_video(super::VIDEO_ENCODER)
            // The fastest preset whose videos stay small (measured in the README's figures).
            .preset("superfast")
            .args(["-tune", "zerolatency", "-threads", "1"])
            .crf(settings.crf)
            .fps_mode("vfr")
            .args(["-r", &settings.max_fps.to_string()])
            .args(["-force_key_frames", &format!("expr:gte(t,n_forced*{KEY_FRAME_SECONDS})")])
            .args(["-movflags", "+frag_keyframe+empty_moov+default_base_moof", "-frag_duration", "1000000"])
            .args(["-video_track_timescale", &(settings.max_fps * 1000).to_string(), "-an"])
            .overwrite()
            .output(part);
        let mut child = crate::processes::started_lowered(settings.nice, || command.spawn())??;
        cpu.started(child.as_inner().id());
        let mut stdin = child.take_stdin().ok_or_else(|| std::io::Error::other("ffmpeg's input is not a pipe"))?;
        let errors = collect_errors(&mut child)?;
        let frames = Arc::new(Mailbox::new());
        let started = Instant::now();
        matroska::write_header(&mut stdin, width, height)?;
        frames.put(Frame { at: started, jpeg: Arc::from(BEFORE_THE_FIRST_PAINT) });
        let fps = settings.max_fps.max(1);
        let stream = Stream { stdin, started, fps, last_slot: None };
        let incoming = frames.clone();
        let feeder = std::thread::Builder::new()
            .name("recording".into())
            .spawn(move || feed(&incoming, stream, child, errors, &cpu))?;
        Ok(Encoder { frames, feeder })
    }

    /// Hands a frame to the feeder without waiting, in place of one it has not taken yet.
    pub fn push(&self, jpeg: Arc<[u8]>) {
        self.frames.put(Frame { at: Instant::now(), jpeg });
    }

    /// Writes the last picture at this moment, closes the video and waits for ffmpeg to exit.
    pub async fn finish(self) -> Result<(), String> {
        let Encoder { frames, feeder } = self;
        frames.close();
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
    /// Frames a second of the grid that frames are put on.
    fps: u32,
    /// The grid slot of the last frame written.
    last_slot: Option<u64>,
}

impl Stream {
    /// The time between two slots of the grid.
    fn spacing(&self) -> Duration {
        Duration::from_secs_f64(1.0 / f64::from(self.fps))
    }

    /// Writes a frame shown from `at`, in its slot of the grid (the one after the last, at the
    /// earliest).
    fn write(&mut self, at: Instant, jpeg: &[u8]) -> std::io::Result<()> {
        let seconds = at.saturating_duration_since(self.started).as_secs_f64();
        let slot = (seconds * f64::from(self.fps)).round() as u64;
        let slot = self.last_slot.map_or(slot, |last| slot.max(last + 1));
        let at_ms = (slot as f64 * 1000.0 / f64::from(self.fps)).round() as u64;
        matroska::write_frame(&mut self.stdin, at_ms, jpeg)?;
        self.stdin.flush()?;
        self.last_slot = Some(slot);
        Ok(())
    }
}

/// The feeder thread: paces the latest frames into ffmpeg until the mailbox closes, then ends
/// the video.
fn feed(
    incoming: &Mailbox<Frame>,
    mut stream: Stream,
    mut child: FfmpegChild,
    errors: JoinHandle<Vec<String>>,
    cpu: &EncoderCpu,
) -> Result<(), String> {
    let spacing = stream.spacing();
    let mut written: Option<Frame> = None;
    let mut broken = None;
    loop {
        // One frame per slot: wait out the rest of the last one's.
        if let Some(last) = &written {
            std::thread::sleep(spacing.saturating_sub(last.at.elapsed()));
        }
        let frame = match incoming.take(Duration::from_secs(3600)) {
            Delivery::Frame(frame) => frame,
            Delivery::Nothing => continue,
            Delivery::Closed => break,
        };
        if broken.is_none()
            && let Err(error) = stream.write(frame.at, &frame.jpeg)
        {
            broken = Some(format!("ffmpeg stopped taking frames: {error}"));
        }
        written = Some(frame);
    }
    // The latest picture, shown until now.
    if broken.is_none()
        && let Some(frame) = &written
    {
        let _ = stream.write(Instant::now(), &frame.jpeg);
    }
    drop(stream);
    cpu.ended(child.as_inner().id());
    let status = child.wait().map_err(|error| format!("ffmpeg could not be waited for: {error}"))?;
    let errors = errors.join().unwrap_or_default();
    match broken {
        Some(reason) => Err(reason),
        None => errors_or_ok(status, errors),
    }
}
