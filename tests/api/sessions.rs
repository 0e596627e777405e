//! Browser sessions: a browser context that outlives one run, used by the runs that name it one
//! at a time, ended by a close, its timeout or a restart, its slot freed.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{TestApp, chromium_browser_pids, test_config};

async fn open_session(app: &TestApp, body: Value) -> Value {
    let response = app.post("/v1/browser_sessions").json(&body).send().await.unwrap();
    let status = response.status();
    let session: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "opening a session failed: {session}");
    session
}

async fn session(app: &TestApp, id: &str) -> Value {
    app.get_json(&format!("/v1/browser_sessions/{id}")).await
}

/// A code run of `script` on the session.
async fn run_on(app: &TestApp, session_id: &str, page: &str, script: Value) -> String {
    let body = json!({"prompt": "on a session", "url": app.fixtures.url(page), "script": script, "browser_session_id": session_id});
    app.create_run(body).await["run_id"].as_str().unwrap().to_owned()
}

fn sign_in_as(user: &str) -> Value {
    json!([
        {"action": "fill", "selector": "#user", "value": user},
        {"action": "fill", "selector": "#password", "value": "correct horse battery"},
        {"action": "click", "selector": "#login"},
        {"action": "wait_for_text", "text": format!("Signed in as {user}")}
    ])
}

fn read_status() -> Value {
    json!([{"action": "extract", "fields": {"status": "#status"}}])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_on_a_session_finds_itself_signed_in_where_an_earlier_run_signed_in() {
    let app = TestApp::spawn().await;
    let opened = open_session(&app, json!({"url": app.fixtures.url("account.html"), "timeout": 30})).await;
    let id = opened["browser_session_id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("pbs_"));
    assert_eq!((opened["status"].as_str(), opened["timeout"].as_i64()), (Some("running"), Some(30)));
    assert_eq!(opened["organization_id"], "o_local");

    let first = run_on(&app, &id, "account.html", sign_in_as("ada")).await;
    assert_eq!(app.wait_until_final(&first).await["status"], "completed");
    let second = run_on(&app, &id, "account.html", read_status()).await;
    let second = app.wait_until_final(&second).await;
    assert_eq!(second["output"]["status"], "Signed in as ada", "{second}");
    assert_eq!(second["browser_session_id"], id.as_str());

    let listed: Vec<Value> = app.get_json("/v1/browser_sessions").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["browser_session_id"], id.as_str());

    // The one browser slot of the test appliance goes back to the pool with the session.
    app.post(&format!("/v1/browser_sessions/{id}/close")).send().await.unwrap();
    let elsewhere = app.create_script_run("account.html", read_status()).await;
    assert_eq!(
        app.wait_until_final(&elsewhere).await["output"]["status"],
        "Signed out",
        "a run of its own starts clean"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_on_one_session_run_one_after_the_other_in_the_order_they_came() {
    let app = TestApp::spawn().await;
    let id = open_session(&app, json!({})).await["browser_session_id"].as_str().unwrap().to_owned();
    let pause = json!([{"action": "wait", "ms": 700}]);
    let first = run_on(&app, &id, "small.html", pause.clone()).await;
    let second = run_on(&app, &id, "small.html", pause).await;
    let (first, second) = (app.wait_until_final(&first).await, app.wait_until_final(&second).await);
    assert_eq!((first["status"].as_str(), second["status"].as_str()), (Some("completed"), Some("completed")));
    assert!(
        second["started_at"].as_str().unwrap() >= first["finished_at"].as_str().unwrap(),
        "the second waited for the first: {first} {second}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_a_session_while_a_run_uses_it_ends_that_run_canceled_and_frees_its_slot() {
    let app = TestApp::spawn().await;
    let id = open_session(&app, json!({})).await["browser_session_id"].as_str().unwrap().to_owned();
    let pool = app.pool().await;
    let busy = run_on(&app, &id, "small.html", json!([{"action": "wait", "ms": 20000}])).await;
    app.wait_for(&busy, "the run on the session", |run| run["status"] == "running").await;
    assert_eq!(session(&app, &id).await["runnable_id"], busy.as_str(), "the session says which run uses it");

    let closed = app.post(&format!("/v1/browser_sessions/{id}/close")).send().await.unwrap();
    assert_eq!(closed.status(), 200);
    let closed: Value = closed.json().await.unwrap();
    assert_eq!(closed["status"], "closed");
    assert!(closed["completed_at"].is_string());
    let run = tokio::time::timeout(Duration::from_secs(10), app.wait_until_final(&busy)).await.unwrap();
    assert_eq!(run["status"], "canceled", "{run}");
    assert!(run["failure_reason"].as_str().unwrap().contains("browser session"), "{run}");
    app.wait_for_pool("the session's slot back", |now| now["free_slots"] == pool["free_slots"].as_i64().unwrap() + 1)
        .await;

    let refused = app
        .post("/v1/run/tasks")
        .json(&json!({"prompt": "p", "url": app.fixtures.url("small.html"), "script": read_status(), "browser_session_id": id}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422, "a closed session takes no run");
    let listed: Vec<Value> = app.get_json("/v1/browser_sessions").await;
    assert!(listed.is_empty(), "only open sessions are listed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_times_out_and_its_chromium_process_is_gone() {
    let app = TestApp::spawn_with(|config| config.sessions.timeout_unit_seconds = 1).await;
    let opened = open_session(&app, json!({"timeout": 5})).await;
    let id = opened["browser_session_id"].as_str().unwrap().to_owned();
    let before = app.pool().await;
    let session_chromium = chromium_browser_pids(app.data_dir.path());
    assert_eq!(session_chromium.len(), 1, "one slot, held by the session: {session_chromium:?}");
    let extended = app
        .post(&format!("/v1/browser_sessions/{id}/extend"))
        .json(&json!({"additional_minutes": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(extended.status(), 200);
    assert_eq!(extended.json::<Value>().await.unwrap()["timeout"], 6);

    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(session(&app, &id).await["status"], "running", "extended past its first timeout");
    let ended = async {
        loop {
            let now = session(&app, &id).await;
            if now["status"] != "running" {
                return now;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let ended = tokio::time::timeout(Duration::from_secs(10), ended).await.expect("the session ended");
    assert_eq!(ended["status"], "timed_out", "{ended}");
    assert!(app.pool().await["contexts_closed"].as_i64() > before["contexts_closed"].as_i64());
    assert_eq!(ended["ended_reason"], "the session reached its timeout");
    let now = chromium_browser_pids(app.data_dir.path());
    assert!(!now.contains(&session_chromium[0]), "the session's Chromium is gone: {session_chromium:?} then {now:?}");
    assert!(now.len() <= 1, "at most the fresh one in its slot: {now:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_request_out_of_bounds_is_refused_or_cut_with_a_warning() {
    let app = TestApp::spawn().await;
    let short = app.post("/v1/browser_sessions").json(&json!({"timeout": 4})).send().await.unwrap();
    assert_eq!(short.status(), 422);
    assert_eq!(short.json::<Value>().await.unwrap()["detail"][0]["loc"], json!(["body", "timeout"]));
    let long = open_session(&app, json!({"timeout": 1000})).await;
    assert_eq!(long["timeout"], 240);
    assert!(long["warning"].as_str().unwrap().contains("240"), "{long}");
    let closed = app.post(&format!("/v1/browser_sessions/{}/close", long["browser_session_id"].as_str().unwrap()));
    assert_eq!(closed.send().await.unwrap().status(), 200, "its slot is free again");
    let unknown = app.get("/v1/browser_sessions/pbs_1").send().await.unwrap();
    assert_eq!(unknown.status(), 404);
    let nowhere = app.post("/v1/browser_sessions").json(&json!({"url": "http://127.0.0.1:9/"})).send().await.unwrap();
    assert_eq!(nowhere.status(), 422, "a page that does not load is the request's fault");
    assert_eq!(nowhere.json::<Value>().await.unwrap()["detail"][0]["loc"], json!(["body", "url"]));
    let empty_body = app.post("/v1/browser_sessions").send().await.unwrap();
    assert_eq!(empty_body.status(), 200, "every field may be left out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_asked_for_when_every_slot_is_held_is_refused_with_429_and_fits_once_one_closes() {
    // Long enough for the slot of a closed session to come back with a fresh Chromium.
    let app = TestApp::spawn_with(|config| config.sessions.slot_wait_seconds = 10).await;
    let first = open_session(&app, json!({})).await;
    let refused = app.post("/v1/browser_sessions").json(&json!({})).send().await.unwrap();
    assert_eq!(refused.status(), 429);
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["code"], "no_browser_slot", "{problem}");
    let close = format!("/v1/browser_sessions/{}/close", first["browser_session_id"].as_str().unwrap());
    assert_eq!(app.post(&close).send().await.unwrap().status(), 200);
    open_session(&app, json!({})).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_open_when_the_appliance_stopped_are_ended_interrupted_at_its_restart() {
    let app = TestApp::spawn().await;
    let id = open_session(&app, json!({})).await["browser_session_id"].as_str().unwrap().to_owned();
    let data_dir = app.stop().await;
    let config = test_config(&data_dir.path().canonicalize().unwrap());
    let app = TestApp::spawn_in(data_dir, config).await;
    let ended = session(&app, &id).await;
    assert_eq!(ended["status"], "interrupted", "{ended}");
    let listed: Vec<Value> = app.get_json("/v1/browser_sessions").await;
    assert!(listed.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_run_on_a_session_continues_where_a_task_run_signed_in() {
    let app = TestApp::spawn().await;
    let id = open_session(&app, json!({"url": app.fixtures.url("account.html")})).await["browser_session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let signed_in = run_on(&app, &id, "account.html", sign_in_as("grace")).await;
    assert_eq!(app.wait_until_final(&signed_in).await["status"], "completed");
    let plan_id = app
        .save_plan(
            "Read the account",
            json!({"parameters": [], "blocks": [
                {"block_type": "goto_url", "label": "open", "url": app.fixtures.url("account.html")},
                {"block_type": "code", "label": "read", "code": [{"action": "extract", "fields": {"status": "#status"}}]}
            ]}),
        )
        .await;
    let run =
        app.post("/v1/run/agents").json(&json!({"agent_id": plan_id, "browser_session_id": id})).send().await.unwrap();
    assert_eq!(run.status(), 200);
    let run_id = run.json::<Value>().await.unwrap()["run_id"].as_str().unwrap().to_owned();
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"]["read_output"]["extracted_information"]["status"], "Signed in as grace");
    assert_eq!(run["browser_session_id"], id.as_str());
}
