//! A Chromium that dies mid-run fails that run with a clear reason; the pool replaces it.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{TestApp, a_long_wait, chromium_browser_pids};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_chromium_mid_run_fails_that_run_and_the_next_run_succeeds() {
    let app = TestApp::spawn().await;
    let run_id = app.create_script_run("small.html", a_long_wait()).await;
    app.wait_for(&run_id, "acting", |run| run["action_count"].as_i64() >= Some(2)).await;

    let pids = chromium_browser_pids(app.data_dir.path());
    assert_eq!(pids.len(), 1, "one warm browser: {pids:?}");
    std::process::Command::new("kill").args(["-KILL", &pids[0].to_string()]).status().unwrap();

    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "failed");
    assert_eq!(run["errors"][0]["code"], "browser_crashed");
    assert!(run["failure_reason"].as_str().unwrap().contains("Chromium crashed"), "{run}");
    let timeline = app.timeline(&run_id).await;
    assert!(timeline.iter().all(|item| item["status"] != "running"));
    assert!(run["recording_url"].is_string(), "the video up to the crash is kept: {run}");

    let next = app.create_script_run("small.html", json!([{"action": "extract", "fields": {"title": "#title"}}])).await;
    let next = app.wait_until_final(&next).await;
    assert_eq!(next["status"], "completed", "{next}");
    assert_eq!(next["output"]["title"], "A small page");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let alive = chromium_browser_pids(app.data_dir.path());
    assert!(!alive.contains(&pids[0]));
    assert_eq!(alive.len(), 1, "the crashed browser was replaced by exactly one: {alive:?}");
}
