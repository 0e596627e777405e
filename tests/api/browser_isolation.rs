//! Where run browsers may go: never to the appliance's own API; to a remote Chromium over CDP
//! when a run names one.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;

use crate::helpers::{PATIENCE, TestApp};

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

/// A Chromium started by the test, reachable over CDP, killed when dropped.
struct RemoteChromium {
    child: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl RemoteChromium {
    async fn start() -> RemoteChromium {
        let profile = tempfile::tempdir().unwrap();
        let child = Command::new("/usr/lib/chromium/chromium")
            .args(["--headless", "--no-sandbox", "--remote-debugging-port=0", "--no-first-run", "--disable-gpu"])
            .args(["--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic"])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let active_port = profile.path().join("DevToolsActivePort");
        let deadline = tokio::time::Instant::now() + PATIENCE;
        let port = loop {
            if let Some(port) =
                std::fs::read_to_string(&active_port).ok().and_then(|text| text.lines().next()?.parse().ok())
            {
                break port;
            }
            assert!(tokio::time::Instant::now() < deadline, "the remote Chromium did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        RemoteChromium { child, port, _profile: profile }
    }
}

impl Drop for RemoteChromium {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
