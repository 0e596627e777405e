//! Uploaded files: kept from a multipart form, handed back byte for byte as attachments, and
//! used by later runs, which name them in their `files` or in a plan's `file_url` parameter.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::TestApp;

const BOUNDARY: &str = "----skyvern-test-boundary";

/// One part of a multipart form: its field name, its file name (none for a plain form field, as
/// Skyvern's SDK sends the file), its bytes.
type Part<'a> = (&'a str, Option<&'a str>, &'a [u8]);

/// A multipart/form-data body of `parts`.
fn form(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, bytes) in parts {
        body.extend(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"").bytes());
        if let Some(filename) = filename {
            body.extend(format!("; filename=\"{filename}\"\r\nContent-Type: application/octet-stream").bytes());
        }
        body.extend(b"\r\n\r\n");
        body.extend(*bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").bytes());
    body
}

async fn send_form(app: &TestApp, parts: &[Part<'_>]) -> reqwest::Response {
    app.post("/v1/upload_file")
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(form(parts))
        .send()
        .await
        .unwrap()
}

/// Uploads `bytes` as the file `name`; the answer.
pub async fn upload(app: &TestApp, name: &str, bytes: &[u8]) -> Value {
    let response = send_form(app, &[("file", Some(name), bytes)]).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uploaded_file_comes_back_byte_for_byte_as_a_sandboxed_attachment() {
    let app = TestApp::spawn().await;
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let uploaded = upload(&app, "page.html", &bytes).await;
    let file_id = uploaded["file_id"].as_str().unwrap();
    assert!(file_id.starts_with("file_"), "{uploaded}");
    assert_eq!(uploaded["s3_uri"], format!("skyvern-file://{file_id}"));
    assert_eq!(uploaded["presigned_url"], app.url(&format!("/v1/files/{file_id}/content")));
    assert_eq!(uploaded["filename"], "page.html");
    assert_eq!(uploaded["size"], 70_000);
    assert_eq!(uploaded["sha256"], hex::encode(Sha256::digest(&bytes)));

    let content =
        app.client.get(uploaded["presigned_url"].as_str().unwrap()).header("x-api-key", crate::helpers::API_KEY);
    let content = content.send().await.unwrap();
    assert_eq!(content.status(), 200);
    let headers = content.headers().clone();
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/html"), "the type comes from the name");
    assert!(headers["content-disposition"].to_str().unwrap().starts_with("attachment"), "never shown as a page");
    assert_eq!(headers["content-security-policy"], "sandbox");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(content.bytes().await.unwrap().to_vec(), bytes);

    let anonymous = app.client.get(uploaded["presigned_url"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(anonymous.status(), 401, "the link opens only with the API key");
    let unknown = app.get("/v1/files/file_1/content").send().await.unwrap();
    assert_eq!(unknown.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_sent_as_a_plain_form_field_as_the_sdk_sends_it_is_kept_as_it_came() {
    let app = TestApp::spawn().await;
    let response =
        send_form(&app, &[("purpose", None, b"ignored"), ("file", None, "Ada Lovelace, analyst".as_bytes())]).await;
    assert_eq!(response.status(), 200);
    let uploaded: Value = response.json().await.unwrap();
    assert_eq!(uploaded["filename"], "file");
    let content =
        app.get(&format!("/v1/files/{}/content", uploaded["file_id"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(content.text().await.unwrap(), "Ada Lovelace, analyst");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_over_the_limit_or_without_one_file_is_refused_and_nothing_is_kept() {
    let app = TestApp::spawn_with(|config| config.server.max_upload_bytes = 1000).await;
    let too_large = send_form(&app, &[("file", Some("big.bin"), &[7u8; 1001])]).await;
    assert_eq!(too_large.status(), 413);
    let error: Value = too_large.json().await.unwrap();
    assert_eq!(error["code"], "payload_too_large");
    assert!(error["message"].as_str().unwrap().contains("server.max_upload_bytes"), "{error}");
    let uploads = app.data_dir.path().join("uploads");
    assert_eq!(std::fs::read_dir(&uploads).unwrap().count(), 0, "the partial file is removed");
    assert_eq!(upload(&app, "small.bin", &[7u8; 1000]).await["size"], 1000, "the limit itself is accepted");

    let no_file = send_form(&app, &[("purpose", None, b"x")]).await;
    assert_eq!(no_file.status(), 422);
    let error: Value = no_file.json().await.unwrap();
    assert_eq!(error["detail"][0]["loc"], json!(["body", "file"]), "{error}");
    let two_files = send_form(&app, &[("file", Some("a.txt"), b"a"), ("file", Some("b.txt"), b"b")]).await;
    assert_eq!(two_files.status(), 422);
    let as_json = app.post("/v1/upload_file").json(&json!({"file": "x"})).send().await.unwrap();
    assert_eq!(as_json.status(), 422, "a file comes as multipart/form-data");
    let kept = std::fs::read_dir(&uploads).unwrap().count();
    assert_eq!(kept, 1, "only the accepted file is kept");
}

/// A code run that uploads the run's file `cv.txt` into the fixture page, which shows it.
fn an_application(app: &TestApp, cv: &str) -> Value {
    json!({
        "url": app.fixtures.url("upload.html"),
        "files": {"cv.txt": cv},
        "script": [{"action": "upload", "selector": "#cv", "file": "cv.txt"},
                   {"action": "wait_for_text", "text": "cv.txt: Ada Lovelace, analyst"}],
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_whose_files_name_an_uploaded_file_uploads_it_into_the_page() {
    let app = TestApp::spawn().await;
    let uploaded = upload(&app, "anything.txt", b"Ada Lovelace, analyst").await;
    for name in ["s3_uri", "presigned_url", "file_id"] {
        let reference = uploaded[name].as_str().unwrap();
        let run = app.create_run(an_application(&app, reference)).await;
        assert_eq!(run["run_request"]["files"]["cv.txt"], reference, "the request keeps the file's name");
        let run_id = run["run_id"].as_str().unwrap();
        let run = app.wait_until_final(run_id).await;
        assert_eq!(run["status"], "completed", "named by its {name}: {run}");
        let uploads: Vec<Value> = app.get_json(&format!("/v1/runs/{run_id}/artifacts?artifact_type=upload")).await;
        assert_eq!(uploads.len(), 1);
        assert_eq!(uploads[0]["filename"], "cv.txt", "the run's name for the file");
        assert_eq!(uploads[0]["checksum"], uploaded["sha256"]);
    }

    let missing = app.post("/v1/run/tasks").json(&an_application(&app, "skyvern-file://file_1")).send().await.unwrap();
    assert_eq!(missing.status(), 422);
    let error: Value = missing.json().await.unwrap();
    assert_eq!(error["detail"][0]["loc"], json!(["body", "files", "cv.txt"]), "{error}");
    assert!(error["message"].as_str().unwrap().contains("file_1 not found"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_file_url_parameter_may_name_an_uploaded_file_that_is_kept() {
    let app = TestApp::spawn().await;
    let plan_id = app
        .save_plan(
            "Read a report",
            json!({
                "parameters": [{"parameter_type": "workflow", "key": "report", "workflow_parameter_type": "file_url"}],
                "blocks": [{"block_type": "wait", "label": "pause", "wait_sec": 0}]
            }),
        )
        .await;
    let uploaded = upload(&app, "report.pdf", b"%PDF-1.4").await;
    for name in ["s3_uri", "presigned_url", "file_id"] {
        let run_id = app.run_plan(&plan_id, json!({"report": uploaded[name]})).await;
        assert_eq!(app.wait_until_final(&run_id).await["status"], "completed");
    }
    let missing = app
        .post("/v1/run/agents")
        .json(&json!({"agent_id": plan_id, "parameters": {"report": "skyvern-file://file_1"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 400, "refused as any parameter value the plan cannot take");
    let error: Value = missing.json().await.unwrap();
    assert!(error["message"].as_str().unwrap().contains("parameter \"report\""), "{error}");
    assert!(error["message"].as_str().unwrap().contains("file_1 not found"), "{error}");
}
