//! `GET /metrics` on a running appliance: it needs the API key, and it counts what only a live
//! appliance shows, such as the viewers watching a run (the other figures are checked, as
//! Prometheus' own parser reads them, by tests/ops).

use serde_json::json;

use crate::helpers::{PATIENCE, TestApp};
use crate::viewer::{Viewer, is_type};

/// The value of the sample `series` (name and labels, as written) in a scrape.
async fn scraped(app: &TestApp, series: &str) -> f64 {
    let answer = app.get("/metrics").send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let text = answer.text().await.unwrap();
    let line = text
        .lines()
        .find(|line| line.starts_with(&format!("{series} ")))
        .unwrap_or_else(|| panic!("no {series} in:\n{text}"));
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runs_viewers_are_counted_while_they_watch_and_the_scrape_needs_a_key() {
    let app = TestApp::spawn().await;
    let without_key = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(without_key.status(), 401);
    let viewers = "skyvern_live_viewers{of=\"run\"}";
    assert_eq!(scraped(&app, viewers).await, 0.0);

    let run_id = app.create_script_run("small.html", json!([{"action": "wait", "ms": 3000}])).await;
    let viewer = Viewer::connect(&app.address, &run_id).await;
    viewer.read_until("hello", is_type("hello")).await;
    assert_eq!(scraped(&app, viewers).await, 1.0, "the viewer is counted while it watches");

    let _ = viewer.read_to_close().await;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while scraped(&app, viewers).await != 0.0 {
        assert!(tokio::time::Instant::now() < deadline, "the viewer was still counted after the run ended");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(scraped(&app, "skyvern_runs{run_type=\"task_v1\",status=\"completed\"}").await, 1.0);
}
