//! Recordings: every run that opened a browser leaves a seekable video, checked with ffprobe.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::helpers::{TestApp, a_long_wait};

/// What ffprobe says of a video.
pub struct Probe {
    pub codec: String,
    pub width: u64,
    pub height: u64,
    pub duration: f64,
    /// Presentation times of every frame, in seconds.
    pub frame_times: Vec<f64>,
}

pub fn probe(video: &Path) -> Probe {
    let output = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-print_format", "json", "-show_format", "-show_streams"])
        .args(["-show_entries", "frame=pts_time"])
        .arg(video)
        .output()
        .expect("ffprobe runs");
    assert!(output.status.success(), "ffprobe reads the video: {}", String::from_utf8_lossy(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let stream = &report["streams"][0];
    let frame_times = report["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|frame| frame["pts_time"].as_str().unwrap().parse().unwrap())
        .collect();
    Probe {
        codec: stream["codec_name"].as_str().unwrap().to_owned(),
        width: stream["width"].as_u64().unwrap(),
        height: stream["height"].as_u64().unwrap(),
        duration: report["format"]["duration"].as_str().unwrap().parse().unwrap(),
        frame_times,
    }
}

/// The time of the first frame decoded after seeking to `seconds`.
pub fn first_frame_after_seeking(video: &Path, seconds: f64) -> f64 {
    let output = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-print_format", "json", "-show_entries", "frame=pts_time"])
        .args(["-read_intervals", &format!("{seconds}%+#1")])
        .arg(video)
        .output()
        .expect("ffprobe runs");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    report["frames"][0]["pts_time"].as_str().expect("a frame after seeking").parse().unwrap()
}

fn seconds_between(run: &Value, from: &str, to: &str) -> f64 {
    let at = |field: &str| OffsetDateTime::parse(run[field].as_str().unwrap(), &Rfc3339).unwrap();
    (at(to) - at(from)).as_seconds_f64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_run_leaves_a_seekable_video_of_the_page_as_it_changed() {
    let app = TestApp::spawn().await;
    let run_id = app.create_script_run("ticker.html", json!([{ "action": "wait", "ms": 5000 }])).await;
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");

    let url = run["recording_url"].as_str().expect("a recording_url").to_owned();
    let artifacts = app.artifacts(&run_id).await;
    let recording = artifacts.iter().find(|a| a["artifact_type"] == "recording").expect("a recording artifact");
    assert_eq!(recording["uri"], url.as_str());
    assert_eq!(recording["content_type"], "video/mp4");

    let partial = app.client.get(&url).header("x-api-key", crate::helpers::API_KEY).header("range", "bytes=0-99");
    let partial = partial.send().await.unwrap();
    assert_eq!(partial.status(), 206, "served with range requests");
    assert_eq!(partial.headers()["content-type"], "video/mp4");
    assert!(partial.headers()["content-range"].to_str().unwrap().starts_with("bytes 0-99/"));
    assert_eq!(partial.bytes().await.unwrap().len(), 100);

    let whole = app.get(&format!("/v1/runs/{run_id}/recording")).send().await.unwrap();
    assert_eq!(whole.status(), 200);
    assert!(whole.headers()["cache-control"].to_str().unwrap().contains("max-age"));
    let file = tempfile::NamedTempFile::with_suffix(".mp4").unwrap();
    std::fs::write(file.path(), whole.bytes().await.unwrap()).unwrap();

    let video = probe(file.path());
    let run_seconds = seconds_between(&run, "started_at", "finished_at");
    assert_eq!(video.codec, "h264");
    assert!(
        video.width.is_multiple_of(2) && video.height.is_multiple_of(2),
        "even dimensions: {}x{}",
        video.width,
        video.height
    );
    assert_eq!((video.width, video.height), (1280, 720));
    assert!(
        (video.duration - run_seconds).abs() <= 0.2 * run_seconds,
        "the video lasts as long as the run: {:.2} s against {run_seconds:.2} s",
        video.duration
    );
    // The page changed twice a second: frames follow the changes, not a fixed rate.
    let frames = video.frame_times.len() as f64;
    assert!(frames >= 6.0 && frames <= 2.0 * run_seconds + 8.0, "{frames} frames in {run_seconds:.1} s");
    // Key frames come every 2 s, so a seek lands on the one at most 2 s (and a frame) before.
    let target = video.duration * 0.8;
    let landed = first_frame_after_seeking(file.path(), target);
    assert!(landed > 0.0 && target - landed <= 2.6, "seeking to {target:.2} s lands at {landed:.2} s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_canceled_while_queued_has_no_recording_and_says_so() {
    let app = TestApp::spawn().await;
    let busy = app.create_script_run("small.html", a_long_wait()).await;
    app.wait_for_status(&busy, "running").await;
    let queued = app.create_script_run("small.html", json!([{ "action": "wait", "ms": 1 }])).await;
    assert_eq!(app.cancel(&queued).await.status(), 200);

    let run = app.wait_until_final(&queued).await;
    assert_eq!(run["status"], "canceled");
    assert!(run["recording_url"].is_null(), "{run}");
    let response = app.get(&format!("/v1/runs/{queued}/recording")).send().await.unwrap();
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "no_recording");
    assert!(body["message"].as_str().unwrap().contains("before its browser started"), "{body}");
    assert!(!app.data_dir.path().join("artifacts").join(&queued).exists(), "no file was made for it");

    let in_progress = app.get(&format!("/v1/runs/{busy}/recording")).send().await.unwrap();
    assert_eq!(in_progress.status(), 409, "a running run's video is not finished yet");
    app.cancel(&busy).await;
    let busy = app.wait_until_final(&busy).await;
    assert!(busy["recording_url"].is_string(), "a canceled run that had a browser is recorded: {busy}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_working_ffmpeg_runs_still_complete_and_say_why_they_have_no_video() {
    let app = TestApp::spawn_with(|config| config.recording.ffmpeg = "/nonexistent/ffmpeg".into()).await;
    let run_id = app.create_script_run("small.html", json!([{ "action": "wait", "ms": 1 }])).await;
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert!(run["recording_url"].is_null());
    let response = app.get(&format!("/v1/runs/{run_id}/recording")).send().await.unwrap();
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("ffmpeg could not be started"), "{body}");
}

/// The video of a finished run, downloaded to a file.
async fn download_recording(app: &TestApp, run_id: &str) -> tempfile::NamedTempFile {
    let whole = app.get(&format!("/v1/runs/{run_id}/recording")).send().await.unwrap();
    assert_eq!(whole.status(), 200, "run {run_id} has a recording");
    let file = tempfile::NamedTempFile::with_suffix(".mp4").unwrap();
    std::fs::write(file.path(), whole.bytes().await.unwrap()).unwrap();
    file
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn videos_of_animated_pages_decode_cleanly_with_strictly_increasing_timestamps() {
    let app = TestApp::spawn().await;
    let script = json!([
        {"action": "wait", "ms": 1500},
        {"action": "scroll", "x": 0, "y": 100},
        {"action": "wait", "ms": 1500}
    ]);
    for _ in 0..3 {
        let run_id = app.create_script_run("animated.html", script.clone()).await;
        let run = app.wait_until_final(&run_id).await;
        assert_eq!(run["status"], "completed", "{run}");
        let file = download_recording(&app, &run_id).await;
        let decoded =
            Command::new("ffmpeg").args(["-v", "error", "-i"]).arg(file.path()).args(["-f", "null", "-"]).output();
        let decoded = decoded.expect("ffmpeg runs");
        let complaints = String::from_utf8_lossy(&decoded.stderr);
        assert!(decoded.status.success() && complaints.trim().is_empty(), "ffmpeg complains: {complaints}");
        let packets = Command::new("ffprobe")
            .args(["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=dts", "-of", "csv=p=0"])
            .arg(file.path())
            .output()
            .expect("ffprobe runs");
        let stamps: Vec<i64> =
            String::from_utf8_lossy(&packets.stdout).lines().filter_map(|line| line.trim().parse().ok()).collect();
        assert!(stamps.len() > 10, "an animated page makes many frames: {}", stamps.len());
        assert!(stamps.windows(2).all(|pair| pair[0] < pair[1]), "timestamps strictly increase: {stamps:?}");
    }
}

/// The average colour of a video's last picture, as (red, green, blue).
fn last_picture_colour(video: &Path) -> (f64, f64, f64) {
    let output = Command::new("ffmpeg")
        .args(["-v", "error", "-sseof", "-0.5", "-i"])
        .arg(video)
        .args(["-update", "1", "-vf", "scale=8:8", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        .output()
        .expect("ffmpeg runs");
    let pixels = output.stdout;
    let last = &pixels[pixels.len() - 8 * 8 * 3..];
    let average = |channel: usize| last.iter().skip(channel).step_by(3).map(|&v| f64::from(v)).sum::<f64>() / 64.0;
    (average(0), average(1), average(2))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_video_ends_on_the_latest_picture_even_when_ffmpeg_fell_behind() {
    // An ffmpeg that starts reading two seconds late, as on a loaded machine.
    let slow = tempfile::tempdir().unwrap();
    let ffmpeg = slow.path().join("ffmpeg");
    std::fs::write(&ffmpeg, "#!/bin/sh\ncase \"$*\" in *pipe:0*) sleep 2 ;; esac\nexec /usr/bin/ffmpeg \"$@\"\n")
        .unwrap();
    std::fs::set_permissions(&ffmpeg, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let app = TestApp::spawn_with(|config| config.recording.ffmpeg = ffmpeg.clone()).await;
    let run_id = app.create_script_run("ends-red.html", json!([{"action": "wait", "ms": 2500}])).await;
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");
    let file = download_recording(&app, &run_id).await;
    let (red, green, blue) = last_picture_colour(file.path());
    assert!(red > 200.0 && green < 60.0 && blue < 60.0, "the video ends on the red page: rgb({red}, {green}, {blue})");
}
