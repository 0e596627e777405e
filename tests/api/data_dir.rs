//! One appliance per data directory: a second `skyvern serve` on it is refused, appliances on
//! other data directories leave its browsers alone, and the other commands work beside it.

use std::path::Path;

use serde_json::json;
use skyvern::ids::RunId;
use skyvern::runs::{RunStatus, TimelineKind};

use crate::helpers::{Fixtures, TestApp, test_config};
use crate::process::{Process, browsers_started_by, cli, is_alive};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appliances_on_same_named_relative_data_directories_leave_each_others_browsers_alone() {
    let root = tempfile::tempdir().unwrap();
    let (here, there) = (root.path().join("here"), root.path().join("there"));
    std::fs::create_dir_all(&here).unwrap();
    std::fs::create_dir_all(&there).unwrap();
    let first = Process::start_in(&here, Path::new("data"), &[]).await;
    let browsers = browsers_started_by(first.pid());
    assert_eq!(browsers.len(), 1, "the first appliance warmed one browser: {browsers:?}");

    let second = Process::start_in(&there, Path::new("data"), &[]).await;
    assert_eq!(browsers_started_by(second.pid()).len(), 1);
    assert!(is_alive(browsers[0]), "the second appliance killed the first one's browser");

    let fixtures = Fixtures::start();
    let body = json!({"prompt": "p", "url": fixtures.url("small.html"),
        "script": [{"action": "extract", "fields": {"title": "#title"}}]});
    let run = first.call(reqwest::Method::POST, "/v1/run/tasks", Some(body)).await;
    let run = first.wait_for(run["run_id"].as_str().unwrap(), |run| run["finished_at"].is_string()).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(browsers_started_by(first.pid()), browsers, "on the browser it had");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_appliance_on_the_same_data_directory_is_refused_naming_the_directory() {
    let app = TestApp::spawn().await;
    let refused = skyvern::App::build(test_config(app.data_dir.path())).await;
    let message = format!("{:#}", refused.err().expect("a second appliance on the same data directory is refused"));
    let canonical = app.data_dir.path().canonicalize().unwrap();
    assert!(message.contains(&*canonical.to_string_lossy()), "{message}");
    assert!(message.contains("already"), "{message}");
    assert_eq!(app.pool().await["idle_browsers"], 1, "the first appliance's browser is untouched");

    let data_dir = app.stop().await;
    let again = TestApp::spawn_in(data_dir, test_config(&canonical)).await;
    assert_eq!(again.pool().await["idle_browsers"], 1, "the directory is free once the first stopped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_are_created_and_revoked_from_the_command_line_beside_a_running_appliance() {
    let app = TestApp::spawn().await;
    let created = cli(app.data_dir.path(), &["api-key", "create", "--name", "beside"]);
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let key = String::from_utf8(created.stdout).unwrap().trim().to_owned();
    let runs = |key: String| app.client.get(app.url("/v1/runs")).header("x-api-key", key).send();
    assert_eq!(runs(key.clone()).await.unwrap().status(), 200, "the new key works at once");

    let stderr = String::from_utf8(created.stderr).unwrap();
    let id = stderr.split_whitespace().find(|word| word.starts_with("key_")).expect("the key's id").to_owned();
    let revoked = cli(app.data_dir.path(), &["api-key", "revoke", &id]);
    assert!(revoked.status.success(), "{}", String::from_utf8_lossy(&revoked.stderr));
    assert_eq!(runs(key).await.unwrap().status(), 403, "the revoked key is refused at once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_runs_write_opens_and_holds_them() {
    let app = TestApp::spawn_with(|config| config.browser.pool_size = 2).await;
    let many_steps: Vec<_> = (0..25).map(|_| json!({"action": "wait", "ms": 40})).collect();
    let mut runs = Vec::new();
    for _ in 0..3 {
        runs.push(app.create_script_run("small.html", json!(many_steps)).await);
    }
    app.wait_for(&runs[0], "acting", |run| run["action_count"].as_i64() >= Some(3)).await;

    let copies = tempfile::tempdir().unwrap();
    let (mut taken, mut caught_mid_run) = (0, false);
    while taken < 2 || app.run(&runs[2]).await["finished_at"].is_null() {
        taken += 1;
        let target = copies.path().join(format!("copy-{taken}"));
        let backup = cli(app.data_dir.path(), &["backup", target.to_str().unwrap()]);
        let copy = target.join("skyvern.db");
        assert!(backup.status.success(), "{}", String::from_utf8_lossy(&backup.stderr));
        let check = std::process::Command::new("python3")
            .args(["-c", "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('pragma integrity_check').fetchone()[0])"])
            .arg(&copy)
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&check.stdout).trim(), "ok", "{}", String::from_utf8_lossy(&check.stderr));

        let store = skyvern::store::Store::open(&copy).unwrap();
        for run_id in &runs {
            let run =
                store.run(&RunId::parse(run_id).unwrap()).await.expect("the copy holds every run created before it");
            let timeline = store.timeline(&run.id).await.unwrap();
            let actions = timeline.iter().filter(|item| item.kind == TimelineKind::Action).count() as i64;
            assert_eq!(actions, run.action_count, "the copy's runs are consistent with their timelines: {run_id}");
            caught_mid_run |= run.status == RunStatus::Running && run.action_count > 0;
        }
    }
    assert!(caught_mid_run, "a copy was taken while a run was acting ({taken} copies)");
}
