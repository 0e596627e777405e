//! Time limits: the per-run time budget and the inactivity timeout end a run `timed_out`.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{TestApp, a_long_wait, a_slow_cdp_endpoint};

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

/// The CDP address (`http://…`) of the appliance's warm Chromium, from the port file Chromium
/// writes in its profile.
fn the_warm_browsers_address(data_dir: &std::path::Path) -> String {
    let profiles = std::fs::read_dir(data_dir.join("browser-profiles")).unwrap();
    let profile = profiles.flatten().next().expect("a warm browser's profile").path();
    let active = std::fs::read_to_string(profile.join("DevToolsActivePort")).unwrap();
    let port = active.lines().next().unwrap();
    format!("http://127.0.0.1:{port}")
}

/// Seconds from the run's `started_at` to its `finished_at`.
fn seconds_from_start_to_end(run: &Value) -> f64 {
    let at = |field: &str| skyvern::clock::parse(run[field].as_str().unwrap()).unwrap();
    (at("finished_at") - at("started_at")).as_seconds_f64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_time_budget_counts_from_the_start_even_when_the_browser_opens_slowly() {
    let app = TestApp::spawn().await;
    let browser = the_warm_browsers_address(app.data_dir.path());
    let slow = a_slow_cdp_endpoint(Duration::from_secs(4), Some(browser));
    let body = json!({"prompt": "slow", "url": app.fixtures.url("small.html"), "script": a_long_wait(),
        "time_budget_seconds": 6, "browser_address": slow});
    let run = app.create_run(body).await;
    let run = app.wait_until_final(run["run_id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "timed_out", "{run}");
    assert_eq!(run["errors"][0]["code"], "time_budget_exceeded");
    assert!(run["action_count"].as_i64() >= Some(1), "the browser did open and the run acted: {run}");
    let took = seconds_from_start_to_end(&run);
    // Without the opening it would be at least 10 s; closing the browser and the video adds a little.
    assert!((6.0..9.0).contains(&took), "6 s from the start, opening included; took {took:.2} s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_whose_browser_never_opens_ends_timed_out_at_its_budget() {
    let app = TestApp::spawn().await;
    let silent = a_slow_cdp_endpoint(Duration::ZERO, None);
    let body = json!({"prompt": "slow", "url": app.fixtures.url("small.html"), "script": a_long_wait(),
        "time_budget_seconds": 2, "browser_address": silent});
    let run = app.create_run(body).await;
    let run = app.wait_until_final(run["run_id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "timed_out", "{run}");
    assert_eq!(run["errors"][0]["code"], "time_budget_exceeded");
    let took = seconds_from_start_to_end(&run);
    assert!((2.0..6.0).contains(&took), "2 s from the start; took {took:.2} s");
    app.wait_for_pool("its slot free again", |pool| pool["free_slots"] == 1).await;
}
