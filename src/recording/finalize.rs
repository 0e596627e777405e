//! Running ffmpeg to its end: checking that it starts at all, and copying a closed fragmented
//! part into an MP4 with its index first, without re-encoding.

use std::path::Path;
use std::process::ExitStatus;
use std::thread::JoinHandle;

use ffmpeg_sidecar::child::FfmpegChild;
use ffmpeg_sidecar::command::FfmpegCommand;
use ffmpeg_sidecar::event::{FfmpegEvent, LogLevel};

/// What ffmpeg says when its input held no frame.
const NOTHING_ENCODED: &str = "Output file is empty";

/// Whether `ffmpeg -version` runs.
pub(super) fn probe(ffmpeg: &Path) -> Result<(), String> {
    let mut command = FfmpegCommand::new_with_path(ffmpeg);
    command.hide_banner().args(["-nostdin", "-version"]);
    run_to_end(&mut command)
}

/// Copies the fragmented `part` into `video`, index first; fails when the part held no picture.
pub(super) fn index_first(ffmpeg: &Path, part: &Path, video: &Path) -> Result<(), String> {
    let mut command = FfmpegCommand::new_with_path(ffmpeg);
    command
        .hide_banner()
        .args(["-nostats", "-nostdin"])
        .input(part)
        .codec_video("copy")
        .args(["-movflags", "+faststart", "-an"])
        .overwrite()
        .output(video);
    run_to_end(&mut command)
}

fn run_to_end(command: &mut FfmpegCommand) -> Result<(), String> {
    let mut child = command.spawn().map_err(|error| format!("cannot start ffmpeg: {error}"))?;
    let errors = collect_errors(&mut child).map_err(|error| error.to_string())?;
    let status = child.wait().map_err(|error| format!("ffmpeg could not be waited for: {error}"))?;
    errors_or_ok(status, errors.join().unwrap_or_default())
}

/// Drains ffmpeg's log on a thread of its own (a full pipe would stall ffmpeg), keeping the
/// errors, and the warning that nothing was encoded.
pub(super) fn collect_errors(child: &mut FfmpegChild) -> std::io::Result<JoinHandle<Vec<String>>> {
    let events = child.iter().map_err(|error| std::io::Error::other(error.to_string()))?;
    std::thread::Builder::new().name("ffmpeg-log".into()).spawn(move || {
        events
            .filter_map(|event| match event {
                FfmpegEvent::Log(LogLevel::Error | LogLevel::Fatal, line) => Some(line),
                FfmpegEvent::Log(_, line) if line.contains(NOTHING_ENCODED) => Some(line),
                _ => None,
            })
            .collect()
    })
}

/// Success when ffmpeg exited well and encoded something; otherwise its errors.
pub(super) fn errors_or_ok(status: ExitStatus, errors: Vec<String>) -> Result<(), String> {
    let nothing = errors.iter().any(|line| line.contains(NOTHING_ENCODED));
    if status.success() && !nothing {
        return Ok(());
    }
    let tail: Vec<&str> = errors.iter().rev().take(3).rev().map(String::as_str).collect();
    Err(format!("ffmpeg ended with {status}: {}", tail.join("; ")))
}
