//! Cancel: queued runs never get a browser; running runs stop within seconds and close their context.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{TestApp, a_long_wait};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canceling_a_queued_run_never_starts_a_browser() {
    let app = TestApp::spawn().await;
    let busy = app.create_script_run("small.html", a_long_wait()).await;
    app.wait_for(&busy, "acting", |run| run["action_count"].as_i64() >= Some(2)).await;
    let queued = app.create_script_run("small.html", json!([{"action": "wait", "ms": 1}])).await;
    assert_eq!(app.run(&queued).await["status"], "queued");

    let response = app.cancel(&queued).await;
    assert_eq!(response.status(), 200);
    let canceled: Value = response.json().await.unwrap();
    assert_eq!(canceled["status"], "canceled", "a queued run is canceled at once");

    app.cancel(&busy).await;
    app.wait_for_status(&busy, "canceled").await;
    let run = app.run(&queued).await;
    assert_eq!(run["status"], "canceled");
    assert!(run["started_at"].is_null());
    assert!(app.timeline(&queued).await.is_empty());
    assert!(app.artifacts(&queued).await.is_empty());
    assert_eq!(app.pool().await["contexts_opened"], 1, "only the busy run opened a context");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canceling_a_running_run_ends_it_canceled_and_closes_its_context() {
    let app = TestApp::spawn().await;
    let run_id = app.create_script_run("small.html", a_long_wait()).await;
    app.wait_for(&run_id, "acting", |run| run["status"] == "running" && run["action_count"].as_i64() >= Some(2)).await;
    assert_eq!(app.pool().await["contexts_closed"], 0);

    let asked = Instant::now();
    let response: Value = app.cancel(&run_id).await.json().await.unwrap();
    assert!(["canceling", "canceled"].contains(&response["status"].as_str().unwrap()), "{response}");
    let run = app.wait_for_status(&run_id, "canceled").await;
    assert!(asked.elapsed() < Duration::from_secs(5), "cancel took {:?}", asked.elapsed());
    assert!(run["finished_at"].is_string());

    let pool = app.pool().await;
    assert_eq!(pool["contexts_opened"], 1);
    assert_eq!(pool["contexts_closed"], 1, "the run's browser context is closed");
    app.wait_for_pool("its slot free again", |pool| pool["free_slots"] == 1 && pool["idle_browsers"] == 1).await;
    let timeline = app.timeline(&run_id).await;
    assert!(timeline.iter().all(|item| item["status"] != "running"), "no item is left running: {timeline:?}");
    assert_eq!(timeline.last().unwrap()["status"], "canceled");

    let again = app.cancel(&run_id).await;
    assert_eq!(again.status(), 409, "a finished run cannot be canceled again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_cancel_reports_which_runs_it_canceled() {
    let app = TestApp::spawn().await;
    let busy = app.create_script_run("small.html", a_long_wait()).await;
    let queued = app.create_script_run("small.html", a_long_wait()).await;
    let body = json!({"run_ids": [busy, queued, "tsk_1", "nonsense"]});
    let response: Value = app.post("/v1/runs/cancel").json(&body).send().await.unwrap().json().await.unwrap();
    assert_eq!(response["cancelled"], json!([busy, queued]));
    assert_eq!(response["failed"], json!(["tsk_1", "nonsense"]));
    app.wait_for_status(&busy, "canceled").await;
    app.wait_for_status(&queued, "canceled").await;
}
