//! Restarts: after a crash (`kill -9`) or a shutdown, no run is left in a status that nothing
//! will advance, and no Chromium of the old process survives.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use skyvern::ids::RunId;
use skyvern::runs::{Engine, NewRun, RunStatus, RunType};
use skyvern::store::{StatusChange, Store};

use crate::helpers::{API_KEY, Fixtures, PATIENCE, TestApp, a_long_wait, chromium_browser_pids, test_config};
use crate::recording::probe;

/// The appliance as a separate process, so it can be killed with SIGKILL.
struct Process {
    child: Child,
    address: String,
    data_dir: std::path::PathBuf,
}

impl Process {
    async fn start(data_dir: &std::path::Path) -> Process {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(env!("CARGO_BIN_EXE_skyvern"))
            .arg("serve")
            .env("SKYVERN__SERVER__LISTEN", format!("127.0.0.1:{port}"))
            .env("SKYVERN__STORAGE__DATA_DIR", data_dir)
            .env("SKYVERN__AUTH__API_KEY", API_KEY)
            .env("SKYVERN__BROWSER__POOL_SIZE", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let process = Process { child, address: format!("http://127.0.0.1:{port}"), data_dir: data_dir.to_owned() };
        let client = reqwest::Client::new();
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while client.get(format!("{}/healthz", process.address)).send().await.is_err() {
            assert!(tokio::time::Instant::now() < deadline, "the appliance did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        process
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request =
            reqwest::Client::new().request(method, format!("{}{path}", self.address)).header("x-api-key", API_KEY);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap().json().await.unwrap()
    }

    async fn wait_for(&self, run_id: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let run = self.call(reqwest::Method::GET, &format!("/v1/runs/{run_id}"), None).await;
            if done(&run) {
                return run;
            }
            assert!(tokio::time::Instant::now() < deadline, "run {run_id} is stuck: {run}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn kill_hard(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for pid in chromium_browser_pids(&self.data_dir) {
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
        }
    }
}

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
    insert_running_run(&store, &run_id, request).await;
    drop(store);

    let app = TestApp::spawn_in(data_dir, config).await;
    let run = app.wait_until_final(run_id.as_str()).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"]["title"], "A small page");
}

/// Leaves a run in `running` with nothing done, as a crash right after admission would.
async fn insert_running_run(store: &Store, run_id: &RunId, request: Value) {
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
    };
    store.insert_queued_run(new_run, Vec::new()).await.unwrap();
    store.transition(run_id, StatusChange::to(RunStatus::Running)).await.unwrap();
}
