//! The API's contract: authentication, validation and error bodies, listing and paging.

use serde_json::{Value, json};

use crate::helpers::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_api_route_requires_a_valid_key() {
    let app = TestApp::spawn().await;
    for path in ["/v1/runs", "/v1/version", "/v1/runs/tsk_1", "/v1/artifacts/a_1/content", "/v1/nowhere"] {
        let missing = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(missing.status(), 401, "{path}");
        let body: Value = missing.json().await.unwrap();
        assert_eq!(body["code"], "missing_api_key");
        let wrong = app.client.get(app.url(path)).header("x-api-key", "skv_wrong").send().await.unwrap();
        assert_eq!(wrong.status(), 403, "{path}");
    }
    let created = app.client.post(app.url("/v1/run/tasks")).json(&json!({})).send().await.unwrap();
    assert_eq!(created.status(), 401);
    let ui = app.client.get(app.url("/")).send().await.unwrap();
    assert!(ui.url().path().ends_with("/login"), "the UI sends strangers to the login page");
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.json::<Value>().await.unwrap(), json!({"status": "ok"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_start_creates_a_key_once_and_revoked_keys_stop_working() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut config = crate::helpers::test_config(data_dir.path());
    config.auth.api_key = skyvern::config::Secret::default();
    let app = skyvern::App::build(config.clone()).await.unwrap();
    let key = app.initial_api_key().expect("a key is created on the first start").to_owned();
    let address = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let ok = client.get(format!("{address}/v1/version")).header("x-api-key", &key).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok.json::<Value>().await.unwrap()["version"].is_string());
    stop.send(()).unwrap();
    serving.await.unwrap().unwrap();

    let again = skyvern::App::build(config.clone()).await.unwrap();
    assert!(again.initial_api_key().is_none(), "the key is created and shown only once");
    drop(again);

    let store = skyvern::app::open_store(&config).await.unwrap();
    let keys = store.api_keys().await.unwrap();
    assert_eq!(keys.len(), 1);
    assert!(key.starts_with(&keys[0].key_prefix));
    store.revoke_api_key(&keys[0].id).await.unwrap();
    let checker = skyvern::auth::KeyChecker::new(store, &config.auth.api_key);
    assert!(!checker.is_valid(&key).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_clear_errors_and_create_nothing() {
    let app = TestApp::spawn().await;
    let cases: Vec<(Value, u16, &str)> = vec![
        (json!({"prompt": "p", "url": "file:///etc/passwd", "script": []}), 422, "only http and https"),
        (json!({"prompt": "p", "url": "http://127.0.0.1/", "script": [{"action": "clik"}]}), 422, "clik"),
        (json!({"prompt": "p", "url": "http://127.0.0.1/", "run_with": "code", "max_steps": -1}), 422, "max_steps"),
        (json!({"prompt": "find flights", "url": "http://127.0.0.1/"}), 422, "LLM provider"),
        (json!(["not", "an", "object"]), 422, "JSON object"),
        (
            json!({"url": "http://127.0.0.1/", "run_with": "code", "data_extraction_schema": {"type": "nonsense"}}),
            422,
            "JSON Schema",
        ),
    ];
    for (body, status, needle) in cases {
        let response = app.post("/v1/run/tasks").json(&body).send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{body}");
        let error: Value = response.json().await.unwrap();
        assert!(error["message"].as_str().unwrap().contains(needle), "{error}");
    }

    let malformed = app
        .post("/v1/run/tasks")
        .header("content-type", "application/json")
        .body("{\"prompt\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    let error: Value = malformed.json().await.unwrap();
    assert_eq!(error["code"], "malformed_json");
    assert!(error["message"].as_str().unwrap().contains("EOF"), "the parser's message: {error}");

    let huge = json!({"prompt": "x".repeat(2 * 1024 * 1024), "url": "http://127.0.0.1/", "run_with": "code"});
    let too_big = app.post("/v1/run/tasks").json(&huge).send().await.unwrap();
    assert_eq!(too_big.status(), 413);

    let runs: Vec<Value> = app.get_json("/v1/runs").await;
    assert!(runs.is_empty(), "no bad request created a run");

    for path in ["/v1/runs/tsk_404", "/v1/runs/nonsense", "/v1/runs/tsk_404/artifacts", "/v1/artifacts/a_1/content"] {
        let response = app.get(path).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(response.json::<Value>().await.unwrap()["code"], "not_found");
    }
    for query in ["page_size=0", "page_size=101", "page=0", "page=x", "status=done", "run_type=movie"] {
        let response = app.get(&format!("/v1/runs?{query}")).send().await.unwrap();
        assert_eq!(response.status(), 422, "{query}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_are_listed_newest_first_with_status_filters_and_pages() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for title in ["first", "second", "third"] {
        let run = app
            .create_run(json!({"prompt": "p", "title": title, "url": app.fixtures.url("small.html"), "script": [{"action": "wait", "ms": 1}]}))
            .await;
        ids.push(run["run_id"].as_str().unwrap().to_owned());
    }
    for id in &ids {
        app.wait_until_final(id).await;
    }
    let canceled = app.create_script_run("small.html", crate::helpers::a_long_wait()).await;
    app.cancel(&canceled).await;
    app.wait_for_status(&canceled, "canceled").await;

    let page: Vec<Value> = app.get_json("/v1/runs?page=1&page_size=2").await;
    assert_eq!(page.len(), 2);
    assert_eq!(page[0]["run_id"], canceled.as_str());
    assert_eq!(page[1]["title"], "third");
    for item in &page {
        for field in ["task_run_id", "run_id", "task_run_type", "status", "created_at"] {
            assert!(!item[field].is_null(), "{field} in {item}");
        }
    }
    let second: Vec<Value> = app.get_json("/v1/runs?page=2&page_size=2").await;
    assert_eq!(second.iter().map(|r| r["title"].clone()).collect::<Vec<_>>(), vec![json!("second"), json!("first")]);

    let response = app.get("/v1/runs?status=completed&status=failed").send().await.unwrap();
    assert_eq!(response.headers()["x-total-count"], "3");
    let completed: Vec<Value> = response.json().await.unwrap();
    assert!(completed.iter().all(|r| r["status"] == "completed"));
    let searched: Vec<Value> = app.get_json("/v1/runs?search_key=secon").await;
    assert_eq!(searched.len(), 1);
    assert_eq!(searched[0]["title"], "second");

    let detailed: Value = app.get_json(&format!("/v1/runs/{}?include=input,artifacts,screenshots", ids[0])).await;
    assert_eq!(detailed["input"]["title"], "first");
    assert!(detailed["artifacts"].as_array().unwrap().iter().any(|a| a["artifact_type"] == "script_file"));
}
