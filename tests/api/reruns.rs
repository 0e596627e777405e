//! A run's request used again: a rerun is a new run of the same request, linked to the first;
//! the request written out as JSON, curl or Python makes an equal run when a person sends it.

use serde_json::{Value, json};

use crate::helpers::{API_KEY, TestApp};

/// A code run with a secret and a file sent as base64, which it uploads into the fixture page.
fn an_application(app: &TestApp) -> Value {
    use base64::Engine as _;
    json!({
        "title": "apply",
        "url": app.fixtures.url("upload.html"),
        "secrets": {"pin": "4821"},
        "files": {"cv.txt": base64::engine::general_purpose::STANDARD.encode("Ada Lovelace, analyst")},
        "script": [{"action": "upload", "selector": "#cv", "file": "cv.txt"},
                   {"action": "wait_for_text", "text": "cv.txt: Ada Lovelace, analyst"}],
    })
}

/// The request a run was stored with.
async fn stored_request(app: &TestApp, run_id: &str) -> Value {
    let run: Value = app.get_json(&format!("/v1/runs/{run_id}?include=input")).await;
    run["input"].clone()
}

/// The checksums of a run's uploads.
async fn upload_checksums(app: &TestApp, run_id: &str) -> Vec<Value> {
    let uploads: Vec<Value> = app.get_json(&format!("/v1/runs/{run_id}/artifacts?artifact_type=upload")).await;
    uploads.iter().map(|upload| upload["checksum"].clone()).collect()
}

/// A finished run of `body`; its id.
async fn a_finished_run(app: &TestApp, body: Value) -> String {
    let run_id = app.create_run(body).await["run_id"].as_str().unwrap().to_owned();
    assert_eq!(app.wait_until_final(&run_id).await["status"], "completed");
    run_id
}

async fn rerun(app: &TestApp, run_id: &str, body: Value) -> reqwest::Response {
    app.post(&format!("/v1/runs/{run_id}/rerun")).json(&body).send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_of_a_finished_run_is_a_new_linked_run_of_an_equal_request_with_the_same_files() {
    let app = TestApp::spawn().await;
    let first = a_finished_run(&app, an_application(&app)).await;

    let response = rerun(&app, &first, json!({"secrets": {"pin": "4821"}})).await;
    assert_eq!(response.status(), 200);
    let again: Value = response.json().await.unwrap();
    let again_id = again["run_id"].as_str().unwrap();
    assert_ne!(again_id, first);
    assert_eq!(again["status"], "queued");
    assert_eq!(again["rerun_of"], first.as_str());
    let finished = app.wait_until_final(again_id).await;
    assert_eq!(finished["status"], "completed", "the file reached the page again: {finished}");
    assert_eq!(finished["rerun_of"], first.as_str());
    assert_eq!(stored_request(&app, again_id).await, stored_request(&app, &first).await);
    assert_eq!(upload_checksums(&app, again_id).await, upload_checksums(&app, &first).await);
    assert_eq!(app.run(&first).await["rerun_of"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_without_every_secret_the_run_used_is_refused_naming_the_missing_ones() {
    let app = TestApp::spawn().await;
    let mut body = an_application(&app);
    body["secrets"] = json!({"pin": "4821", "password": "correct horse"});
    let first = a_finished_run(&app, body).await;

    let without_body = app.post(&format!("/v1/runs/{first}/rerun")).send().await.unwrap();
    assert_eq!(without_body.status(), 422);
    let error: Value = without_body.json().await.unwrap();
    assert_eq!(error["detail"][0]["loc"], json!(["body", "secrets"]), "{error}");
    assert!(error["message"].as_str().unwrap().ends_with("give them again: password, pin"), "{error}");

    let one_missing = rerun(&app, &first, json!({"secrets": {"pin": "4821", "password": null}})).await;
    assert_eq!(one_missing.status(), 422);
    let error: Value = one_missing.json().await.unwrap();
    assert!(error["message"].as_str().unwrap().ends_with("give them again: password"), "{error}");

    let unknown = rerun(&app, &first, json!({"secrets": {"pin": "1", "password": "2", "otp": "3"}})).await;
    assert_eq!(unknown.status(), 422);
    let error: Value = unknown.json().await.unwrap();
    assert!(error["message"].as_str().unwrap().contains("used no secret `otp`"), "{error}");

    let runs: Vec<Value> = app.get_json("/v1/runs").await;
    assert_eq!(runs.len(), 1, "no refused rerun left a run");
    assert_eq!(app.post("/v1/runs/tsk_1/rerun").send().await.unwrap().status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_of_a_plan_run_runs_the_same_version_with_the_same_parameters() {
    let app = TestApp::spawn().await;
    let plan_id = app
        .save_plan(
            "Pause",
            json!({
                "parameters": [{"parameter_type": "workflow", "key": "seconds", "workflow_parameter_type": "integer"}],
                "blocks": [{"block_type": "wait", "label": "pause", "wait_sec": 0}]
            }),
        )
        .await;
    let first = app.run_plan(&plan_id, json!({"seconds": 0})).await;
    assert_eq!(app.wait_until_final(&first).await["status"], "completed");
    let v2 = json!({"title": "Pause v2", "workflow_definition": {"parameters": [], "blocks": [
        {"block_type": "wait", "label": "other", "wait_sec": 0}]}});
    assert_eq!(app.post(&format!("/v1/agents/{plan_id}")).json(&v2).send().await.unwrap().status(), 200);

    let refused = rerun(&app, &first, json!({"secrets": {"pin": "1"}})).await;
    assert_eq!(refused.status(), 422, "a plan run takes no secrets");
    let again: Value = app.post(&format!("/v1/runs/{first}/rerun")).send().await.unwrap().json().await.unwrap();
    let again_id = again["run_id"].as_str().unwrap();
    assert!(again_id.starts_with("wr_"), "{again}");
    assert_eq!(again["rerun_of"], first.as_str());
    let finished = app.wait_until_final(again_id).await;
    assert_eq!(finished["status"], "completed");
    assert_eq!(finished["workflow_version_id"], app.run(&first).await["workflow_version_id"]);
    assert!(finished["output"].get("pause_output").is_some(), "the first run's version ran: {finished}");
    assert_eq!(stored_request(&app, again_id).await, stored_request(&app, &first).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_opens_its_credentials_from_the_vault_again_as_they_are_now() {
    let app = TestApp::spawn().await;
    let login = |password: &str| json!({"name": "Bank", "credential_type": "password", "credential": {"username": "ada", "password": password}});
    let created: Value =
        app.post("/v1/credentials").json(&login("an old one")).send().await.unwrap().json().await.unwrap();
    let id = created["credential_id"].as_str().unwrap().to_owned();
    let script = json!([
        {"action": "fill", "selector": "#user", "value": format!("{{{{credential.{id}.username}}}}")},
        {"action": "fill", "selector": "#password", "value": format!("{{{{credential.{id}.password}}}}")},
        {"action": "click", "selector": "#login"},
        {"action": "extract", "fields": {"result": "#result"}}
    ]);
    let first = app.create_script_run("login.html", script).await;
    assert_eq!(app.wait_until_final(&first).await["output"]["result"], "Wrong password for ada");
    let changed = app.post(&format!("/v1/credentials/{id}/update")).json(&login("correct horse battery"));
    assert_eq!(changed.send().await.unwrap().status(), 200);

    let again: Value = app.post(&format!("/v1/runs/{first}/rerun")).send().await.unwrap().json().await.unwrap();
    let finished = app.wait_until_final(again["run_id"].as_str().unwrap()).await;
    assert_eq!(finished["output"]["result"], "Welcome back, account ada", "the credential as it is now: {finished}");
}

/// Runs a command text with bash, the API key in `SKYVERN_API_KEY`; its output as JSON.
fn run_with_bash(command: &str) -> Value {
    let output =
        std::process::Command::new("bash").args(["-c", command]).env("SKYVERN_API_KEY", API_KEY).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stdout)))
}

async fn request_as(app: &TestApp, run_id: &str, format: &str) -> reqwest::Response {
    app.get(&format!("/v1/runs/{run_id}/request?format={format}")).send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_curl_command_of_a_task_run_run_by_a_shell_makes_an_equal_run() {
    let app = TestApp::spawn().await;
    let first = a_finished_run(&app, an_application(&app)).await;

    let response = request_as(&app, &first, "curl").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let command = response.text().await.unwrap();
    assert!(!command.contains(API_KEY) && !command.contains("4821"), "no key and no secret value: {command}");
    assert!(command.contains(&app.url("/v1/run/tasks")), "{command}");
    assert!(command.contains("<value of secret pin>"), "{command}");

    let made = run_with_bash(&command);
    let made_id = made["run_id"].as_str().unwrap();
    assert_ne!(made_id, first);
    assert_eq!(made["rerun_of"], Value::Null, "a request sent anew is a run of its own");
    assert_eq!(app.wait_until_final(made_id).await["status"], "completed");
    assert_eq!(stored_request(&app, made_id).await, stored_request(&app, &first).await);
    assert_eq!(upload_checksums(&app, made_id).await, upload_checksums(&app, &first).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_curl_command_of_a_plan_run_run_by_a_shell_makes_an_equal_run() {
    let app = TestApp::spawn().await;
    let plan_id = app
        .save_plan(
            "Say it's done",
            json!({
                "parameters": [{"parameter_type": "workflow", "key": "note", "workflow_parameter_type": "string"}],
                "blocks": [{"block_type": "wait", "label": "pause", "wait_sec": 0}]
            }),
        )
        .await;
    let first = app.run_plan(&plan_id, json!({"note": "it's \"done\" $HOME `id`\nEOF"})).await;
    assert_eq!(app.wait_until_final(&first).await["status"], "completed");

    let command = request_as(&app, &first, "curl").await.text().await.unwrap();
    assert!(command.contains(&app.url("/v1/run/agents")), "{command}");
    let made = run_with_bash(&command);
    let made_id = made["run_id"].as_str().unwrap();
    assert!(made_id.starts_with("wr_"), "{made}");
    assert_eq!(app.wait_until_final(made_id).await["status"], "completed");
    assert_eq!(stored_request(&app, made_id).await, stored_request(&app, &first).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_as_json_or_python_puts_placeholders_for_secrets_and_never_the_key() {
    let app = TestApp::spawn().await;
    let first = a_finished_run(&app, an_application(&app)).await;

    let json: Value = request_as(&app, &first, "json").await.json().await.unwrap();
    let mut expected = an_application(&app);
    expected["secrets"] = json!({"pin": "<value of secret pin>"});
    assert_eq!(json, expected, "the body as it was sent, the secret's value left to fill in");
    let unformatted: Value = app.get_json(&format!("/v1/runs/{first}/request")).await;
    assert_eq!(unformatted, json, "JSON unless another format is asked for");

    let response = request_as(&app, &first, "python").await;
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/x-python"));
    let script = response.text().await.unwrap();
    assert!(script.contains("from skyvern.client import Skyvern"), "{script}");
    assert!(script.contains("os.environ[\"SKYVERN_API_KEY\"]") && !script.contains(API_KEY), "{script}");

    let unknown = request_as(&app, &first, "powershell").await;
    assert_eq!(unknown.status(), 422);
    let error: Value = unknown.json().await.unwrap();
    assert_eq!(error["detail"][0]["loc"], json!(["query", "format"]), "{error}");
}
