//! Restarts: after a crash (`kill -9`) or a shutdown, no run is left in a status that nothing
//! will advance, and no Chromium of the old process survives.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use skyvern::ids::RunId;
use skyvern::runs::{Engine, NewRun, RunStatus, RunType};
use skyvern::store::{StatusChange, Store, Transition};

use crate::helpers::{
    API_KEY, Fixtures, TestApp, a_long_wait, a_slow_cdp_endpoint, chromium_browser_pids, test_config,
};
use crate::process::Process;
use crate::recording::probe;
use crate::scripted_llm::ScriptedLlm;
use crate::viewer::Viewer;

fn is_final(run: &Value) -> bool {
    ["completed", "failed", "terminated", "timed_out", "canceled"].contains(&run["status"].as_str().unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_appliance_mid_run_leaves_no_run_stuck_after_a_restart() {
    let fixtures = Fixtures::start();
    let data_dir = tempfile::tempdir().unwrap();
    let mut first = Process::start(data_dir.path()).await;
    let body = |script: Value| json!({"prompt": "p", "url": fixtures.url("small.html"), "script": script});
    let running = first.call(reqwest::Method::POST, "/v1/run/tasks", Some(body(a_long_wait()))).await;
    let running = running["run_id"].as_str().unwrap().to_owned();
    first.wait_for(&running, |run| run["action_count"].as_i64() >= Some(2)).await;
    let short = json!([{"action": "extract", "fields": {"title": "#title"}}]);
    let queued = first.call(reqwest::Method::POST, "/v1/run/tasks", Some(body(short))).await;
    let queued = queued["run_id"].as_str().unwrap().to_owned();
    let orphans = chromium_browser_pids(data_dir.path());
    assert_eq!(orphans.len(), 1);

    first.kill_hard();
    assert_eq!(chromium_browser_pids(data_dir.path()), orphans, "SIGKILL leaves the browser behind");

    let second = Process::start(data_dir.path()).await;
    let interrupted = second.wait_for(&running, is_final).await;
    assert_eq!(interrupted["status"], "failed");
    assert_eq!(interrupted["errors"][0]["code"], "interrupted");
    let resumed = second.wait_for(&queued, is_final).await;
    assert_eq!(resumed["status"], "completed", "the queued run ran after the restart: {resumed}");
    assert_eq!(resumed["output"]["title"], "A small page");
    let now = chromium_browser_pids(data_dir.path());
    assert!(!now.contains(&orphans[0]), "the old process's Chromium was cleaned up: {now:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_recording_of_a_run_killed_mid_way_plays_up_to_the_kill_after_a_restart() {
    let fixtures = Fixtures::start();
    let data_dir = tempfile::tempdir().unwrap();
    let mut first = Process::start(data_dir.path()).await;
    let body = json!({"prompt": "p", "url": fixtures.url("ticker.html"), "script": a_long_wait()});
    let run = first.call(reqwest::Method::POST, "/v1/run/tasks", Some(body)).await;
    let run_id = run["run_id"].as_str().unwrap().to_owned();
    first.wait_for(&run_id, |run| run["action_count"].as_i64() >= Some(2)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    first.kill_hard();

    let second = Process::start(data_dir.path()).await;
    let run = second.wait_for(&run_id, is_final).await;
    assert_eq!(run["errors"][0]["code"], "interrupted");
    let url = run["recording_url"].as_str().expect("the recording up to the kill is kept").to_owned();
    let video = reqwest::Client::new().get(url).header("x-api-key", API_KEY).send().await.unwrap();
    assert_eq!(video.status(), 200);
    let file = tempfile::NamedTempFile::with_suffix(".mp4").unwrap();
    std::fs::write(file.path(), video.bytes().await.unwrap()).unwrap();
    let video = probe(file.path());
    assert!(video.duration >= 2.0, "the video runs up to the kill: {:.2} s", video.duration);
    assert!(video.frame_times.len() >= 4, "and plays its frames: {}", video.frame_times.len());
    let parts: Vec<_> = std::fs::read_dir(data_dir.path().join("artifacts").join(&run_id))
        .unwrap()
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().contains(".part."))
        .collect();
    assert!(parts.is_empty(), "the part was finished and removed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shutdown_settles_running_runs_and_keeps_queued_ones_for_the_next_start() {
    let app = TestApp::spawn().await;
    let running = app.create_script_run("small.html", a_long_wait()).await;
    app.wait_for(&running, "acting", |run| run["action_count"].as_i64() >= Some(2)).await;
    let queued =
        app.create_script_run("small.html", json!([{"action": "extract", "fields": {"title": "#title"}}])).await;
    let data_dir = app.stop().await;
    assert!(chromium_browser_pids(data_dir.path()).is_empty(), "no Chromium outlives the appliance");

    let config = test_config(data_dir.path());
    let app = TestApp::spawn_in(data_dir, config).await;
    let run = app.run(&running).await;
    assert_eq!(run["status"], "failed");
    assert!(run["failure_reason"].as_str().unwrap().contains("appliance stopped"));
    let run = app.wait_until_final(&queued).await;
    assert_eq!(run["status"], "completed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_interrupted_before_it_did_anything_is_queued_again() {
    let fixtures = Fixtures::start();
    let data_dir = tempfile::tempdir().unwrap();
    let config = test_config(data_dir.path());
    let store = skyvern::app::open_store(&config).await.unwrap();
    let run_id = RunId::generate();
    let request =
        json!({"url": fixtures.url("small.html"), "script": [{"action": "extract", "fields": {"title": "#title"}}]});
    let interrupted_start = insert_running_run(&store, &run_id, request).await;
    drop(store);

    let app = TestApp::spawn_in(data_dir, config).await;
    let run = app.wait_until_final(run_id.as_str()).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"]["title"], "A small page");
    assert!(run["started_at"].as_str().unwrap() > interrupted_start.as_str(), "started_at is this attempt's: {run}");
}

/// Leaves a run in `running` with nothing done, as a crash right after admission would; returns
/// its `started_at`.
async fn insert_running_run(store: &Store, run_id: &RunId, request: Value) -> String {
    let new_run = NewRun {
        id: run_id.clone(),
        run_type: RunType::TaskV1,
        engine: Engine::Code,
        title: None,
        prompt: None,
        url: request["url"].as_str().map(str::to_owned),
        request,
        browser_session_id: None,
        webhook_url: None,
        plan: None,
        rerun_of: None,
    };
    store.insert_queued_run(new_run, Vec::new()).await.unwrap();
    match store.transition(run_id, StatusChange::to(RunStatus::Running)).await.unwrap() {
        Transition::Applied(run) => run.started_at.unwrap(),
        Transition::Refused { current } => panic!("a queued run could not start: {current}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_was_canceling_when_the_appliance_stopped_ends_canceled_at_the_next_start() {
    let fixtures = Fixtures::start();
    let data_dir = tempfile::tempdir().unwrap();
    let config = test_config(data_dir.path());
    let store = skyvern::app::open_store(&config).await.unwrap();
    let run_id = RunId::generate();
    insert_running_run(&store, &run_id, json!({"url": fixtures.url("small.html"), "script": a_long_wait()})).await;
    store.transition(&run_id, StatusChange::to(RunStatus::Canceling)).await.unwrap();
    drop(store);

    let app = TestApp::spawn_in(data_dir, config).await;
    let run = app.run(run_id.as_str()).await;
    assert_eq!(run["status"], "canceled", "{run}");
    assert_eq!(app.pool().await["contexts_opened"], 0, "it never got a browser again");
}

/// The id of the event in which the run last became `running`: event ids only grow, across runs.
async fn last_started(app: &TestApp, run_id: &str) -> i64 {
    let events: Vec<Value> = app.get_json(&format!("/v1/runs/{run_id}/events")).await;
    events
        .iter()
        .filter(|event| event["event_type"] == "run.status_changed" && event["payload"]["status"] == "running")
        .map(|event| event["id"].as_i64().unwrap())
        .next_back()
        .unwrap_or_else(|| panic!("run {run_id} never started: {events:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_runs_keep_their_order_across_a_restart_and_an_interrupted_first_one_stays_first() {
    let app = TestApp::spawn().await;
    let silent = a_slow_cdp_endpoint(Duration::ZERO, None);
    let body = json!({"prompt": "p", "url": app.fixtures.url("small.html"), "script": a_long_wait(), "browser_address": silent});
    let first = app.create_run(body).await["run_id"].as_str().unwrap().to_owned();
    app.wait_for_status(&first, "running").await;
    let mut queued = Vec::new();
    for _ in 0..3 {
        queued.push(
            app.create_script_run("small.html", json!([{"action": "extract", "fields": {"title": "#title"}}])).await,
        );
    }
    // The first run holds the only slot, waiting for a browser that never answers: nothing done.
    let data_dir = app.stop().await;

    let config = test_config(data_dir.path());
    let app = TestApp::spawn_in(data_dir, config).await;
    app.wait_for_status(&first, "running").await;
    app.cancel(&first).await;
    for run_id in &queued {
        let run = app.wait_until_final(run_id).await;
        assert_eq!(run["status"], "completed", "{run}");
    }
    let mut order = vec![last_started(&app, &first).await];
    for run_id in &queued {
        order.push(last_started(&app, run_id).await);
    }
    assert!(order.is_sorted(), "the runs started in the order they were queued: {order:?}");
    assert_eq!(app.run(&first).await["status"], "canceled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_paused_by_a_person_or_waiting_for_an_answer_at_a_crash_end_interrupted_after_a_restart() {
    let fixtures = Fixtures::start();
    let llm = ScriptedLlm::start();
    llm.decide(|_| json!([{"action": "ask_user", "question": "Which code did your phone receive?"}]));
    let data_dir = tempfile::tempdir().unwrap();
    let base_url = format!("{}/v1", llm.base_url);
    let env = [
        ("SKYVERN__BROWSER__POOL_SIZE", "2"),
        ("SKYVERN__LLM__PROVIDER", "openai"),
        ("SKYVERN__LLM__BASE_URL", base_url.as_str()),
        ("SKYVERN__LLM__VISION", "false"),
    ];
    let mut first = Process::start_in(Path::new("."), data_dir.path(), &env).await;
    let body = json!({"prompt": "p", "url": fixtures.url("control.html"), "script": a_long_wait()});
    let paused = first.call(reqwest::Method::POST, "/v1/run/tasks", Some(body)).await;
    let paused = paused["run_id"].as_str().unwrap().to_owned();
    let person = Viewer::connect(&first.address, &paused).await;
    person.take_control().await;
    first.wait_for(&paused, |run| run["status"] == "paused").await;
    let body = json!({"prompt": "Enter the code", "url": fixtures.url("small.html")});
    let asking = first.call(reqwest::Method::POST, "/v1/run/tasks", Some(body)).await;
    let asking = asking["run_id"].as_str().unwrap().to_owned();
    first.wait_for(&asking, |run| run["status"] == "interaction_required").await;

    first.kill_hard();
    drop(person);
    let second = Process::start_in(Path::new("."), data_dir.path(), &env).await;
    for run_id in [&paused, &asking] {
        let run = second.wait_for(run_id, is_final).await;
        assert_eq!(run["status"], "failed", "{run}");
        assert_eq!(run["errors"][0]["code"], "interrupted", "{run}");
    }
    let answer = reqwest::Client::new()
        .post(format!("{}/v1/runs/{asking}/interactions", second.address))
        .header("x-api-key", API_KEY)
        .json(&json!({"response": "246810"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 409, "the question went with the page");
    let body = json!({"prompt": "p", "url": fixtures.url("small.html"),
        "script": [{"action": "extract", "fields": {"title": "#title"}}]});
    let next = second.call(reqwest::Method::POST, "/v1/run/tasks", Some(body)).await;
    let next = second.wait_for(next["run_id"].as_str().unwrap(), is_final).await;
    assert_eq!(next["status"], "completed", "both slots are free again: {next}");
}
