//! Retention: finished runs lose their files, oldest first, when the data directory outgrows
//! `retention.max_disk_gb`; runs older than `retention.max_age_days` are removed whole and answer
//! 410; runs that have not ended are never touched; and with less free disk than
//! `retention.min_free_gb`, every way of starting a run answers 503.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use skyvern::ids::RunId;
use skyvern::store::RemovalReason;

use crate::helpers::{PATIENCE, TestApp, a_long_wait, files_below, test_config};
use crate::search::search_until;

/// A code run of several screenshots: real files of tens of kilobytes each.
async fn a_finished_run_with_pictures(app: &TestApp) -> String {
    let script: Vec<Value> = (0..8).map(|_| json!({"action": "screenshot"})).collect();
    let run_id = app.create_script_run("checkout.html", json!(script)).await;
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");
    run_id
}

fn bytes_below(dir: &Path) -> u64 {
    files_below(dir).iter().map(|(_, bytes)| bytes.len() as u64).sum()
}

/// Answers `GET {path}` (or `POST` with an empty JSON body) until it is 410; returns the body.
async fn gone(app: &TestApp, method: &str, path: &str) -> Value {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let request = match method {
            "POST" => app.post(path).json(&json!({})),
            _ => app.get(path),
        };
        let response = request.send().await.unwrap();
        if response.status() == 410 {
            return response.json().await.unwrap();
        }
        assert!(tokio::time::Instant::now() < deadline, "{method} {path} never answered 410: {}", response.status());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_disk_quota_the_oldest_finished_runs_lose_their_files_first_and_unfinished_runs_keep_theirs() {
    let app = TestApp::spawn().await;
    let mut runs = Vec::new();
    for _ in 0..4 {
        runs.push(a_finished_run_with_pictures(&app).await);
    }
    let data_dir = app.stop().await;
    let sizes: Vec<u64> = runs.iter().map(|id| bytes_below(&data_dir.path().join("artifacts").join(id))).collect();
    assert!(sizes.iter().all(|size| *size > 100_000), "each run keeps real pictures: {sizes:?}");
    // A quota the two oldest runs' files must make room for, and that leaves half the third's
    // files to spare for what the restarted appliance writes.
    let used = bytes_below(data_dir.path());
    let quota = used - sizes[0] - sizes[1] + sizes[2] / 2;
    let mut config = test_config(data_dir.path());
    config.retention.max_disk_gb = quota as f64 / 1e9;
    config.retention.interval_seconds = 2;
    let app = TestApp::spawn_in(data_dir, config).await;
    // One browser slot: one run goes on while retention looks, another waits behind it.
    let running = app.create_script_run("form.html", a_long_wait()).await;
    let queued = app.create_script_run("form.html", a_long_wait()).await;
    app.wait_for_status(&running, "running").await;

    app.wait_for(&runs[1], "without its files", |run| !run["artifacts_removed_at"].is_null()).await;
    tokio::time::sleep(Duration::from_secs(5)).await;

    for stripped in &runs[..2] {
        let run = app.run(stripped).await;
        assert_eq!(run["status"], "completed", "a run without its files still reads: {run}");
        assert!(run["artifacts_removed_at"].as_str().is_some_and(|at| at.ends_with('Z')), "{run}");
        assert_eq!(run["screenshot_urls"], json!([]), "{run}");
        assert!(run["recording_url"].is_null(), "{run}");
        assert!(app.artifacts(stripped).await.is_empty());
        assert!(!app.data_dir.path().join("artifacts").join(stripped).exists(), "its files are gone from the disk");
    }
    for kept in &runs[2..] {
        let run = app.run(kept).await;
        assert!(run["artifacts_removed_at"].is_null(), "the newer runs keep their files: {run}");
        assert!(!app.artifacts(kept).await.is_empty());
        assert!(app.data_dir.path().join("artifacts").join(kept).exists());
    }
    assert_eq!(app.run(&running).await["status"], "running");
    assert_eq!(app.run(&queued).await["status"], "queued");
    let all: Vec<Value> = app.get_json("/v1/runs?page_size=100").await;
    assert_eq!(all.len(), 6, "no run was removed whole: the files were enough");
    for run_id in [&running, &queued] {
        app.cancel(run_id).await;
        app.wait_until_final(run_id).await;
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_folders_of_removed_runs_left_by_a_stop_are_removed_at_the_next_start() {
    let limits = |config: &mut skyvern::config::Config| config.retention.max_age_days = 3650.0;
    let app = TestApp::spawn_with(limits).await;
    let (removed, stripped, kept) = (
        a_finished_run_with_pictures(&app).await,
        a_finished_run_with_pictures(&app).await,
        a_finished_run_with_pictures(&app).await,
    );
    let folder = |run: &str| app.data_dir.path().join("artifacts").join(run);
    // What a pass does in the store, with the process stopping before the folders go.
    let id = |run: &str| RunId::parse(run).unwrap();
    assert!(app.store.remove_run(&id(&removed), RemovalReason::MaxAge).await.unwrap());
    assert!(app.store.remove_run_artifacts(&id(&stripped)).await.unwrap());
    let folders = [folder(&removed), folder(&stripped), folder(&kept)];
    assert!(folders.iter().all(|folder| folder.exists()));
    let kept_bytes = bytes_below(&folders[2]);
    let data_dir = app.stop().await;

    let mut config = test_config(data_dir.path());
    limits(&mut config);
    let app = TestApp::spawn_in(data_dir, config).await;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while folders[0].exists() || folders[1].exists() {
        assert!(tokio::time::Instant::now() < deadline, "the left folders were never removed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(bytes_below(&folders[2]), kept_bytes, "a kept run keeps its files");
    assert!(!app.artifacts(&kept).await.is_empty());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finished_runs_older_than_max_age_days_are_removed_whole_answer_410_and_leave_the_search() {
    let app = TestApp::spawn_with(|config| {
        config.retention.max_age_days = 4.0 / 86_400.0;
        config.retention.interval_seconds = 1;
        config.search.commit_interval_ms = 100;
    })
    .await;
    let running = app.create_script_run("form.html", a_long_wait()).await;
    app.wait_for_status(&running, "running").await;
    app.cancel(&running).await;
    app.wait_until_final(&running).await;
    let body = json!({"prompt": "Collect the zanzibar invoices", "url": app.fixtures.url("form.html"),
        "script": [{"action": "screenshot"}]});
    let old = app.create_run(body).await["run_id"].as_str().unwrap().to_owned();
    app.wait_until_final(&old).await;
    let still_going = app.create_script_run("form.html", a_long_wait()).await;
    let artifact = app.artifacts(&old).await[0]["artifact_id"].as_str().unwrap().to_owned();
    search_until(&app, "search_key=zanzibar", &[&old]).await;

    let removed = gone(&app, "GET", &format!("/v1/runs/{old}")).await;
    let detail = removed["detail"].as_str().unwrap();
    assert!(detail.contains(&format!("run {old} was removed by retention at 20")), "{detail}");
    assert!(detail.contains("retention.max_age_days"), "{detail}");
    assert_eq!(removed["code"], "run_removed");
    for (method, route) in [
        ("GET", "artifacts"),
        ("GET", "timeline"),
        ("GET", "events"),
        ("GET", "steps"),
        ("GET", "recording"),
        ("POST", "cancel"),
        ("POST", "retry_webhook"),
        ("POST", "rerun"),
    ] {
        let answer = gone(&app, method, &format!("/v1/runs/{old}/{route}")).await;
        assert_eq!(answer["detail"], removed["detail"], "{method} {route}");
    }
    let content = app.get(&format!("/v1/artifacts/{artifact}/content")).send().await.unwrap();
    assert_eq!(content.status(), 404);
    assert!(!app.data_dir.path().join("artifacts").join(&old).exists());
    search_until(&app, "search_key=zanzibar", &[]).await;
    let listed: Vec<Value> = app.get_json("/v1/runs?page_size=100").await;
    let ids: Vec<&str> = listed.iter().map(|run| run["run_id"].as_str().unwrap()).collect();
    assert!(!ids.contains(&old.as_str()) && !ids.contains(&running.as_str()), "{ids:?}");
    assert!(ids.contains(&still_going.as_str()), "a run that has not ended stays, however old: {ids:?}");
    assert_eq!(app.run(&still_going).await["status"], "running");
    app.cancel(&still_going).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_less_free_disk_than_min_free_gb_every_new_run_is_refused_503_and_no_schedule_fires_until_the_setting_allows_it()
 {
    let app = TestApp::spawn().await;
    let finished = app.create_script_run("form.html", json!([{"action": "screenshot"}])).await;
    app.wait_until_final(&finished).await;
    let plan_id = app
        .save_plan("Wait", json!({"parameters": [], "blocks": [{"block_type": "wait", "label": "w", "wait_sec": 0}]}))
        .await;
    let data_dir = app.stop().await;
    let mut config = test_config(data_dir.path());
    // More than any disk has free: the check reads the real free space.
    config.retention.min_free_gb = 1e9;
    config.schedules.min_interval_seconds = 1;
    let app = TestApp::spawn_in(data_dir, config).await;

    let status: Value = app.get_json("/v1/system/status").await;
    assert_eq!(status["disk"]["low"], true, "{status}");
    assert!(status["disk"]["detail"].as_str().unwrap().contains("retention.min_free_gb"), "{status}");
    let task = json!({"prompt": "p", "url": app.fixtures.url("form.html"), "script": [{"action": "screenshot"}]});
    let starts = [
        ("/v1/run/tasks".to_owned(), task.clone()),
        ("/v1/run/agents".to_owned(), json!({"agent_id": plan_id})),
        ("/v1/run/workflows".to_owned(), json!({"workflow_id": plan_id})),
        (format!("/v1/runs/{finished}/rerun"), json!({})),
        (
            "/v1/run/tasks/download_files".to_owned(),
            json!({"navigation_goal": "g", "url": app.fixtures.url("downloads.html")}),
        ),
    ];
    for (path, body) in &starts {
        let response = app.post(path).json(body).send().await.unwrap();
        assert_eq!(response.status(), 503, "{path}");
        let refused: Value = response.json().await.unwrap();
        assert_eq!(refused["code"], "low_disk_space", "{path}: {refused}");
        let detail = refused["detail"].as_str().unwrap();
        assert!(
            detail.contains("Free space on that disk") && detail.contains("Runs already going on continue"),
            "{detail}"
        );
    }
    let listed: Vec<Value> = app.get_json("/v1/runs?page_size=100").await;
    assert_eq!(listed.len(), 1, "nothing was started: {listed:?}");
    let plans: Vec<Value> = app.get_json("/v1/agents?page_size=100").await;
    assert_eq!(plans.len(), 1, "a refused one-block run saves no plan");
    assert_eq!(app.run(&finished).await["status"], "completed", "what is kept still reads");
    let every_second = json!({"cron_expression": "* * * * * *", "timezone": "UTC"});
    let schedule = app.post(&format!("/v1/agents/{plan_id}/schedules")).json(&every_second).send().await.unwrap();
    assert_eq!(schedule.status(), 200, "a schedule is saved: only its firings start runs");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let fired: Vec<Value> = app.get_json(&format!("/v1/agents/{plan_id}/runs?page_size=100")).await;
    assert!(fired.is_empty(), "a schedule's firing started a run on a short disk: {fired:?}");

    let data_dir = app.stop().await;
    let mut config = test_config(data_dir.path());
    config.retention.min_free_gb = 0.0;
    let app = TestApp::spawn_in(data_dir, config).await;
    let status: Value = app.get_json("/v1/system/status").await;
    assert_eq!(status["disk"]["low"], false, "{status}");
    let accepted = app.create_run(task).await["run_id"].as_str().unwrap().to_owned();
    app.wait_until_final(&accepted).await;
    app.stop().await;
}
