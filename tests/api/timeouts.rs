//! Time limits: the per-run time budget and the inactivity timeout end a run `timed_out`.

use serde_json::json;

use crate::helpers::{TestApp, a_long_wait};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_over_its_time_budget_ends_timed_out() {
    let app = TestApp::spawn().await;
    let run = app
        .create_run(json!({"prompt": "slow", "url": app.fixtures.url("small.html"), "script": a_long_wait(), "time_budget_seconds": 2}))
        .await;
    let run_id = run["run_id"].as_str().unwrap();
    let run = app.wait_until_final(run_id).await;
    assert_eq!(run["status"], "timed_out");
    assert_eq!(run["errors"][0]["code"], "time_budget_exceeded");
    assert!(run["failure_reason"].as_str().unwrap().contains("time budget of 2 s"));
    assert_eq!(app.pool().await["contexts_closed"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_makes_no_progress_ends_timed_out() {
    let app = TestApp::spawn_with(|config| config.runs.inactivity_timeout_seconds = 2).await;
    let run_id = app.create_script_run("small.html", json!([{"action": "wait", "ms": 30000}])).await;
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "timed_out");
    assert_eq!(run["errors"][0]["code"], "inactivity_timeout");
}
