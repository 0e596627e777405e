//! The API's contract: authentication, validation and error bodies, listing and paging.

use serde_json::{Value, json};

use crate::helpers::{API_KEY, TestApp};

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
    assert!(checker.identify(&key).await.unwrap().is_none(), "a revoked key is not valid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_clear_errors_and_create_nothing() {
    let app = TestApp::spawn().await;
    let cases: Vec<(Value, &str, Value)> = vec![
        (
            json!({"prompt": "p", "url": "file:///etc/passwd", "script": []}),
            "only http and https",
            json!(["body", "url"]),
        ),
        (
            json!({"prompt": "p", "url": "http://127.0.0.1/", "script": [{"action": "clik"}]}),
            "clik",
            json!(["body", "script", "0"]),
        ),
        (
            json!({"prompt": "p", "url": "http://127.0.0.1/", "run_with": "code", "max_steps": -1}),
            "max_steps",
            json!(["body", "max_steps"]),
        ),
        (json!({"prompt": "find flights", "url": "http://127.0.0.1/"}), "LLM provider", json!(["body", "engine"])),
        (json!(["not", "an", "object"]), "JSON object", json!(["body"])),
        (json!({"prompt": 5, "url": "http://127.0.0.1/"}), "expected a string", json!(["body", "prompt"])),
        (
            json!({"url": "http://127.0.0.1/", "run_with": "code", "data_extraction_schema": {"type": "nonsense"}}),
            "JSON Schema",
            json!(["body", "data_extraction_schema"]),
        ),
    ];
    for (body, needle, location) in cases {
        let response = app.post("/v1/run/tasks").json(&body).send().await.unwrap();
        assert_eq!(response.status(), 422, "{body}");
        let error: Value = response.json().await.unwrap();
        assert!(error["message"].as_str().unwrap().contains(needle), "{error}");
        assert_eq!(error["code"], "invalid_request", "{error}");
        assert_eq!(error["detail"][0]["loc"], location, "{error}");
        assert!(error["detail"][0]["msg"].as_str().unwrap().contains(needle) || needle == "max_steps", "{error}");
    }

    let malformed = app
        .post("/v1/run/tasks")
        .header("content-type", "application/json")
        .body("{\"prompt\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 422);
    let error: Value = malformed.json().await.unwrap();
    assert_eq!(error["code"], "malformed_json");
    assert!(error["message"].as_str().unwrap().contains("EOF"), "the parser's message: {error}");
    assert_eq!(error["detail"][0]["type"], "json_invalid", "{error}");

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
        let error: Value = response.json().await.unwrap();
        let field = query.split('=').next().unwrap();
        assert_eq!(error["detail"][0]["loc"], json!(["query", field]), "{error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_refused_request_says_where_and_why_as_fastapi_does() {
    let app = TestApp::spawn().await;
    let refusals = [
        (app.post("/v1/run/tasks"), json!(["body"]), "missing"),
        (
            app.post("/v1/run/tasks").header("content-type", "text/plain").body("{}"),
            json!(["body"]),
            "model_attributes_type",
        ),
        (app.post("/v1/runs/cancel").json(&json!({})), json!(["body", "run_ids"]), "missing"),
        (app.post("/v1/runs/cancel").json(&json!({"run_ids": [7]})), json!(["body", "run_ids", "0"]), "type_error"),
        (app.get("/v1/runs?status=done"), json!(["query", "status"]), "enum"),
        (app.get("/v1/runs?page_size=1000"), json!(["query", "page_size"]), "value_error"),
        (app.get("/v1/runs/tsk_1?include=everything"), json!(["query", "include"]), "enum"),
    ];
    for (request, location, kind) in refusals {
        let response = request.send().await.unwrap();
        let url = response.url().clone();
        assert_eq!(response.status(), 422, "{url}");
        let error: Value = response.json().await.unwrap();
        let detail = &error["detail"][0];
        assert_eq!(detail["loc"], location, "{url}: {error}");
        assert_eq!(detail["type"], kind, "{url}: {error}");
        assert!(!detail["msg"].as_str().unwrap().is_empty(), "{error}");
        assert!(error["code"].is_string() && error["message"].is_string(), "{error}");
    }
    let not_found: Value = app.get_json("/v1/runs/tsk_404").await;
    assert_eq!(not_found["detail"], not_found["message"], "other errors keep detail a string: {not_found}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_known_path_asked_with_another_method_answers_405_naming_the_allowed_ones() {
    let app = TestApp::spawn().await;
    let cases = [
        (reqwest::Method::DELETE, "/v1/runs", "GET"),
        (reqwest::Method::POST, "/v1/runs/tsk_1", "GET"),
        (reqwest::Method::GET, "/v1/run/tasks", "POST"),
        (reqwest::Method::TRACE, "/v1/version", "GET"),
        (reqwest::Method::PUT, "/v1/artifacts/a_1/content", "GET"),
    ];
    for (method, path, allowed) in cases {
        let response =
            app.client.request(method.clone(), app.url(path)).header("x-api-key", API_KEY).send().await.unwrap();
        assert_eq!(response.status(), 405, "{method} {path}");
        assert_eq!(response.headers()["allow"], allowed, "{method} {path}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["code"], "method_not_allowed", "{error}");
    }
    let unknown = app.get("/v1/nowhere").send().await.unwrap();
    assert_eq!(unknown.status(), 404, "an unknown path stays 404");
}

#[test]
fn every_status_run_type_and_artifact_type_of_skyverns_document_is_understood() {
    use skyvern::artifacts::ArtifactType;
    use skyvern::runs::{RunStatus, RunType};
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/contract/skyvern_openapi.json");
    let document: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let values = |schema: &str| -> Vec<String> {
        let values = document["components"]["schemas"][schema]["enum"].as_array().unwrap();
        values.iter().map(|value| value.as_str().unwrap().to_owned()).collect()
    };
    for status in values("RunStatus") {
        assert!(status.parse::<RunStatus>().is_ok(), "{status}");
    }
    for kind in values("RunType") {
        assert!(RunType::parse(&kind).is_some() || RunType::SKYVERN_ONLY.contains(&kind.as_str()), "{kind}");
    }
    for kind in values("ArtifactType") {
        let known = ArtifactType::parse(&kind).is_some() || ArtifactType::SKYVERN_ONLY.contains(&kind.as_str());
        assert!(known, "{kind}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skyvern_run_and_artifact_types_the_appliance_never_makes_match_nothing() {
    let app = TestApp::spawn().await;
    let run_id = app.create_script_run("small.html", json!([{"action": "wait", "ms": 1}])).await;
    app.wait_until_final(&run_id).await;
    let response = app.get("/v1/runs?run_type=task_v2").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-total-count"], "0");
    assert_eq!(response.json::<Vec<Value>>().await.unwrap().len(), 0);
    let both: Vec<Value> = app.get_json("/v1/runs?run_type=task_v2&run_type=task_v1").await;
    assert_eq!(both.len(), 1, "the known type still matches");
    let html: Vec<Value> = app.get_json(&format!("/v1/runs/{run_id}/artifacts?artifact_type=html")).await;
    assert!(html.is_empty(), "{html:?}");
    let scripts: Vec<Value> = app.get_json(&format!("/v1/runs/{run_id}/artifacts?artifact_type=script_file,har")).await;
    assert_eq!(scripts.len(), 1, "{scripts:?}");
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
    let searched = crate::search::search_until(&app, "search_key=secon", &[&ids[1]]).await;
    assert_eq!(searched[0]["title"], "second");

    let detailed: Value = app.get_json(&format!("/v1/runs/{}?include=input,artifacts,screenshots", ids[0])).await;
    assert_eq!(detailed["input"]["title"], "first");
    assert!(detailed["artifacts"].as_array().unwrap().iter().any(|a| a["artifact_type"] == "script_file"));
}
