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
