//! Where run browsers may go: never to the appliance's own API; to a remote Chromium over CDP
//! when a run names one.

use serde_json::json;

use crate::helpers::{RemoteChromium, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_cannot_reach_the_appliances_own_api() {
    let app = TestApp::spawn().await;
    let own_api = app.url("/v1/runs");
    let run = app.create_run(json!({"prompt": "p", "url": own_api, "run_with": "code"})).await;
    let run = app.wait_until_final(run["run_id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "failed");
    assert_eq!(run["errors"][0]["code"], "navigation_failed");
    assert!(run["failure_reason"].as_str().unwrap().contains("BLOCKED"), "{run}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_can_drive_a_remote_browser_named_by_browser_address() {
    let remote = RemoteChromium::start().await;
    let app = TestApp::spawn().await;
    let run = app
        .create_run(json!({
            "prompt": "p",
            "url": app.fixtures.url("small.html"),
            "browser_address": format!("http://127.0.0.1:{}", remote.port),
            "script": [{"action": "extract", "fields": {"title": "#title"}}],
        }))
        .await;
    let run = app.wait_until_final(run["run_id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"]["title"], "A small page");
    assert_eq!(app.pool().await["browsers_launched"], 1, "only the warm local browser; the run used the remote one");
}
