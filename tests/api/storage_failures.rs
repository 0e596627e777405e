//! When the appliance cannot write to its disk: the request gets a clear answer that the fault
//! is the appliance's, nothing half-made is kept, and the next request works once it can write.

use serde_json::{Value, json};

use crate::helpers::TestApp;

fn a_run_with_a_file(app: &TestApp) -> Value {
    use base64::Engine as _;
    let content = base64::engine::general_purpose::STANDARD.encode("Ada Lovelace, analyst");
    json!({
        "url": app.fixtures.url("upload.html"),
        "files": {"cv.txt": content},
        "script": [{"action": "upload", "selector": "#cv", "file": "cv.txt"},
                   {"action": "wait_for_text", "text": "cv.txt: Ada"}],
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_whose_files_cannot_be_stored_is_not_kept() {
    let app = TestApp::spawn().await;
    let artifacts = app.data_dir.path().join("artifacts");
    // A file where the runs' artifact folders go: no run's folder can be made.
    let _ = std::fs::remove_dir_all(&artifacts);
    std::fs::write(&artifacts, "in the way").unwrap();

    let refused = app.post("/v1/run/tasks").json(&a_run_with_a_file(&app)).send().await.unwrap();
    assert_eq!(refused.status(), 503);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["code"], "storage_unavailable", "{error}");
    assert!(error["message"].as_str().unwrap().contains("cannot store files"), "{error}");
    assert!(error["message"].as_str().unwrap().contains("nothing was created"), "{error}");
    let runs: Vec<Value> = app.get_json("/v1/runs").await;
    assert!(runs.is_empty(), "no run is left behind: {runs:?}");
    let pool = app.pool().await;
    assert_eq!(pool["contexts_opened"], 0, "nothing was queued: {pool}");

    std::fs::remove_file(&artifacts).unwrap();
    let run = app.create_run(a_run_with_a_file(&app)).await;
    let run_id = run["run_id"].as_str().unwrap();
    let run = app.wait_until_final(run_id).await;
    assert_eq!(run["status"], "completed", "{run}");
    let uploads: Vec<Value> = app.get_json(&format!("/v1/runs/{run_id}/artifacts?artifact_type=upload")).await;
    assert_eq!(uploads.len(), 1, "{uploads:?}");
}
