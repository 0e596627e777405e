//! Remote browser endpoints in the pool: runs on a Chromium reached over CDP, isolated from each
//! other, watched and recorded as local ones are; an endpoint that goes away is marked down and
//! used again once it is back.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{PATIENCE, RemoteChromium, TestApp};
use crate::viewer::Viewer;

/// The appliance with no local browser and `endpoint` as its one remote endpoint.
async fn remote_only(endpoint: String, slots: usize) -> TestApp {
    TestApp::spawn_with(move |config| {
        config.browser.pool_size = 0;
        config.browser.remote = vec![skyvern::config::RemoteEndpoint::Address(endpoint)];
        config.browser.remote_slots = slots;
        config.browser.remote_check_seconds = 1;
    })
    .await
}

/// The one remote endpoint, as `GET /v1/system/status` shows it.
async fn the_endpoint(app: &TestApp) -> Value {
    let status: Value = app.get_json("/v1/system/status").await;
    status["browser_pool"]["remote_endpoints"][0].clone()
}

async fn wait_for_endpoint(app: &TestApp, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let endpoint = the_endpoint(app).await;
        if done(&endpoint) {
            return endpoint;
        }
        assert!(tokio::time::Instant::now() < deadline, "the endpoint never became {what}; last seen: {endpoint}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_only_pool_completes_a_code_run_with_screenshots_a_recording_and_a_live_view() {
    let remote = RemoteChromium::start().await;
    let app = remote_only(remote.http_address(), 2).await;
    let endpoint = the_endpoint(&app).await;
    assert_eq!(endpoint["address"], format!("{}/", remote.http_address()));
    assert_eq!((&endpoint["slots"], &endpoint["up"], &endpoint["busy"]), (&json!(2), &json!(true), &json!(0)));
    let pool = app.pool().await;
    assert_eq!((&pool["local_slots"], &pool["slots"], &pool["free_slots"]), (&json!(0), &json!(2), &json!(2)));

    let script = json!([
        {"action": "wait", "ms": 1500},
        {"action": "screenshot"},
        {"action": "extract", "fields": {"title": "#title"}},
    ]);
    let run_id = app.create_script_run("small.html", script).await;
    let viewer = Viewer::connect(&app.address, &run_id).await;
    let of_the_page = |message: &Value| {
        message["type"] == "frame" && message["url"].as_str().is_some_and(|url| url.ends_with("small.html"))
    };
    let (frame, _) = viewer.read_until("a frame of the run's page", of_the_page).await;
    assert_eq!((&frame["width"], &frame["height"]), (&json!(1280), &json!(720)), "the configured viewport");
    assert_eq!(the_endpoint(&app).await["busy"], 1, "the run holds one of the endpoint's slots");

    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"]["title"], "A small page");
    let artifacts = app.artifacts(&run_id).await;
    let kinds: Vec<&str> = artifacts.iter().filter_map(|a| a["artifact_type"].as_str()).collect();
    assert!(kinds.contains(&"screenshot_action"), "{kinds:?}");
    assert!(kinds.contains(&"recording"), "{kinds:?}");
    let recording = app.get(&format!("/v1/runs/{run_id}/recording")).send().await.unwrap();
    assert_eq!(recording.status(), 200);
    assert!(recording.bytes().await.unwrap().len() > 1000, "the recording has frames");
    let pool = app.wait_for_pool("its slot back", |pool| pool["free_slots"] == 2).await;
    assert_eq!(pool["browsers_launched"], 0, "no local Chromium was started");
    assert_eq!((&pool["contexts_opened"], &pool["contexts_closed"]), (&json!(1), &json!(1)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_endpoint_is_used_as_given_and_its_pages_cannot_reach_it() {
    let remote = RemoteChromium::start().await;
    let app = remote_only(remote.websocket_address().await, 1).await;
    assert_eq!(the_endpoint(&app).await["up"], true);
    let run_id =
        app.create_script_run("small.html", json!([{"action": "extract", "fields": {"title": "#title"}}])).await;
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"]["title"], "A small page");

    let own_endpoint = format!("http://localhost:{}/json/list", remote.port);
    let run = app.create_run(json!({"prompt": "p", "url": own_endpoint, "run_with": "code"})).await;
    let run = app.wait_until_final(run["run_id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "failed");
    assert!(run["failure_reason"].as_str().unwrap().contains("BLOCKED"), "{run}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_at_once_on_one_remote_browser_share_no_cookies() {
    let remote = RemoteChromium::start().await;
    let app = remote_only(remote.http_address(), 2).await;
    let script = |visitor: &str| {
        let page = app.fixtures.url(&format!("cookies.html?v={visitor}"));
        json!({"prompt": "p", "url": page, "script": [
            {"action": "wait", "ms": 2000},
            {"action": "goto", "url": page},
            {"action": "extract", "fields": {"before": "#before"}},
        ]})
    };
    let first = app.create_run(script("ada")).await["run_id"].as_str().unwrap().to_owned();
    let second = app.create_run(script("grace")).await["run_id"].as_str().unwrap().to_owned();
    wait_for_endpoint(&app, "busy with both runs", |endpoint| endpoint["busy"] == 2).await;
    let (first, second) = (app.wait_until_final(&first).await, app.wait_until_final(&second).await);
    assert_eq!((&first["status"], &second["status"]), (&json!("completed"), &json!("completed")));
    assert_eq!(first["output"]["before"], "visitor=ada", "only its own cookie: {first}");
    assert_eq!(second["output"]["before"], "visitor=grace", "only its own cookie: {second}");
    let pool = app.wait_for_pool("both contexts closed", |pool| pool["contexts_closed"] == 2).await;
    assert_eq!(pool["contexts_opened"], 2, "a context each");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_browser_killed_mid_run_fails_the_run_and_its_endpoint_is_used_again_once_back() {
    let mut remote = RemoteChromium::start().await;
    let port = remote.port;
    let app = remote_only(remote.http_address(), 1).await;
    let body = json!({"prompt": "p", "url": app.fixtures.url("small.html"), "script": crate::helpers::a_long_wait()});
    let run_id = app.create_run(body).await["run_id"].as_str().unwrap().to_owned();
    app.wait_for(&run_id, "acting", |run| run["action_count"].as_i64() >= Some(1)).await;

    remote.kill();
    let run = tokio::time::timeout(Duration::from_secs(20), app.wait_until_final(&run_id)).await.expect("not stuck");
    assert_eq!(run["status"], "failed");
    assert_eq!(run["errors"][0]["code"], "browser_crashed");
    let reason = run["failure_reason"].as_str().unwrap();
    assert!(reason.contains("remote browser at http://127.0.0.1:") && reason.contains("went away"), "{reason}");
    let down = wait_for_endpoint(&app, "down", |endpoint| endpoint["up"] == false).await;
    assert!(down["error"].is_string(), "why it is down: {down}");
    assert_eq!(app.pool().await["free_slots"], 0, "a down endpoint offers no slot");

    let queued =
        app.create_script_run("small.html", json!([{"action": "extract", "fields": {"title": "#title"}}])).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(app.run(&queued).await["status"], "queued", "no run goes to a down endpoint");

    let _restarted = RemoteChromium::start_on(port).await;
    let up = wait_for_endpoint(&app, "up again", |endpoint| endpoint["up"] == true).await;
    assert!(up["error"].is_null(), "{up}");
    let run = app.wait_until_final(&queued).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"]["title"], "A small page");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_on_a_remote_browser_fails_saying_why() {
    let remote = RemoteChromium::start().await;
    let app = remote_only(remote.http_address(), 1).await;
    let run_id = app.create_script_run("downloads.html", json!([{"action": "download", "selector": "#report"}])).await;
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "failed");
    let reason = run["failure_reason"].as_str().unwrap();
    assert!(reason.contains("downloads are kept only from local browsers"), "{reason}");
}
