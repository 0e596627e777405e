//! Backing up a whole data directory while the appliance runs, and restoring it elsewhere with the
//! vault key kept apart: runs with their artifacts, plans, browser profiles, credentials, uploaded
//! files and search all come back; a restore never works beside a running appliance, never
//! overwrites a data directory unless forced, and never replaces a vault key.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use serde_json::{Value, json};

use crate::files::upload;
use crate::helpers::{TestApp, test_config};
use crate::process::cli;

/// A TOTP seed: a credential whose code can be made only with the right vault key.
const SEED: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn succeeded(output: Output) -> String {
    assert!(output.status.success(), "{}", text(&output));
    text(&output)
}

fn refused(output: Output) -> String {
    assert!(!output.status.success(), "it was not refused: {}", text(&output));
    text(&output)
}

/// `skyvern backup <target>` on `data_dir`.
fn back_up(data_dir: &Path, target: &Path) -> Output {
    cli(data_dir, &["backup", target.to_str().unwrap()])
}

/// `skyvern restore <backup> <extra…>` into `data_dir`.
fn restore(data_dir: &Path, backup: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["restore", backup.to_str().unwrap()];
    args.extend_from_slice(extra);
    cli(data_dir, &args)
}

async fn bytes_of(app: &TestApp, path: &str) -> Vec<u8> {
    let response = app.get(path).send().await.unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    response.bytes().await.unwrap().to_vec()
}

/// Every artifact of the run, by id, with its bytes.
async fn artifacts_with_bytes(app: &TestApp, run_id: &str) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    for artifact in app.artifacts(run_id).await {
        let id = artifact["artifact_id"].as_str().unwrap().to_owned();
        let bytes = bytes_of(app, &format!("/v1/artifacts/{id}/content")).await;
        found.push((id, bytes));
    }
    found.sort();
    found
}

async fn created(app: &TestApp, path: &str, body: Value) -> Value {
    let response = app.post(path).json(&body).send().await.unwrap();
    let status = response.status();
    let created: Value = response.json().await.unwrap();
    assert!(status.is_success(), "POST {path}: {created}");
    created
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_the_appliance_runs_restores_whole_into_a_fresh_directory_with_the_key_kept_apart() {
    let app = TestApp::spawn().await;
    let body = json!({"prompt": "read the quillback invoice", "url": app.fixtures.url("form.html"),
        "script": [{"action": "screenshot"}, {"action": "extract", "fields": {"title": "h1"}}]});
    let run_id = app.create_run(body).await["run_id"].as_str().unwrap().to_owned();
    assert_eq!(app.wait_until_final(&run_id).await["status"], "completed");
    let artifacts = artifacts_with_bytes(&app, &run_id).await;
    assert!(artifacts.len() >= 3, "a script, a screenshot, an action's screenshot at least: {}", artifacts.len());
    let plan_id = app
        .save_plan(
            "Weather",
            json!({"parameters": [], "blocks": [{"block_type": "wait", "label": "pause", "wait_sec": 0}]}),
        )
        .await;
    let profile = created(&app, "/v1/browser_profiles", json!({"name": "Signed in", "workflow_run_id": run_id})).await;
    let profile_id = profile["browser_profile_id"].as_str().unwrap().to_owned();
    let login = json!({"name": "Example shop", "credential_type": "password",
        "credential": {"username": "ada@example.org", "password": "Quillon-harbour-7730", "totp": SEED,
                       "totp_type": "authenticator"}});
    let credential_id = created(&app, "/v1/credentials", login).await["credential_id"].as_str().unwrap().to_owned();
    let file = upload(&app, "report.csv", b"month,total\nmarch,42\n").await;
    let file_id = file["file_id"].as_str().unwrap().to_owned();

    let backups = tempfile::tempdir().unwrap();
    let backup = backups.path().join("monday");
    let said = succeeded(back_up(app.data_dir.path(), &backup));
    let key_file = app.data_dir.path().canonicalize().unwrap().join("vault.key");
    assert!(said.contains(&*key_file.to_string_lossy()), "the backup says where the vault key is: {said}");
    assert!(backup.join("skyvern-backup.json").is_file() && backup.join("skyvern.db").is_file());
    for left_out in ["vault.key", "skyvern.lock", "search-index", "browser-profiles"] {
        assert!(!backup.join(left_out).exists(), "{left_out} is in the backup");
    }

    // Not beside a running appliance, even when forced.
    let refusal = refused(restore(app.data_dir.path(), &backup, &["--force"]));
    assert!(refusal.contains("already used"), "{refusal}");
    assert!(app.run(&run_id).await["status"] == "completed", "the running appliance's data is untouched");

    // The key travels apart.
    let keys = tempfile::tempdir().unwrap();
    let kept_key = keys.path().join("vault.key");
    std::fs::copy(&key_file, &kept_key).unwrap();
    let original_key = std::fs::read(&key_file).unwrap();
    app.stop().await;

    let fresh = tempfile::tempdir().unwrap();
    let said = succeeded(restore(fresh.path(), &backup, &["--vault-key", kept_key.to_str().unwrap()]));
    assert!(said.contains("search index rebuilt: 1 runs"), "{said}");
    assert!(said.contains("it opens the credentials"), "{said}");
    let placed = fresh.path().join("vault.key");
    assert_eq!(std::fs::read(&placed).unwrap(), original_key);
    assert_eq!(std::fs::metadata(&placed).unwrap().permissions().mode() & 0o777, 0o600);

    let config = test_config(fresh.path());
    let restored = TestApp::spawn_in(fresh, config).await;
    assert_eq!(restored.run(&run_id).await["status"], "completed");
    assert_eq!(artifacts_with_bytes(&restored, &run_id).await, artifacts, "the same artifacts, byte for byte");
    let plans: Value = restored.get_json("/v1/agents").await;
    assert!(plans.to_string().contains(&plan_id), "{plans}");
    let profile: Value = restored.get_json(&format!("/v1/browser_profiles/{profile_id}")).await;
    assert_eq!(profile["name"], "Signed in", "{profile}");
    let code = restored.get(&format!("/v1/credentials/{credential_id}/totp-code")).send().await.unwrap();
    assert_eq!(code.status(), 200, "the credential opens with the key given to the restore");
    let content = bytes_of(&restored, &format!("/v1/files/{file_id}/content")).await;
    assert_eq!(content, b"month,total\nmarch,42\n");
    let found: Vec<Value> = restored.get_json("/v1/runs?search_key=quillback").await;
    assert_eq!(found.iter().map(|run| run["run_id"].clone()).collect::<Vec<_>>(), [json!(run_id)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_refuses_a_used_directory_unless_forced_and_never_replaces_a_vault_key() {
    let app = TestApp::spawn().await;
    let login = json!({"name": "Shop", "credential_type": "password",
        "credential": {"username": "ada@example.org", "password": "Quillon-harbour-7730", "totp": SEED,
                       "totp_type": "authenticator"}});
    let credential_id = created(&app, "/v1/credentials", login).await["credential_id"].as_str().unwrap().to_owned();
    let backups = tempfile::tempdir().unwrap();
    let backup = backups.path().join("copy");
    succeeded(back_up(app.data_dir.path(), &backup));
    let refusal = refused(back_up(app.data_dir.path(), &backup));
    assert!(refusal.contains("is not empty"), "a backup never writes over another: {refusal}");
    let inside = app.data_dir.path().join("backups");
    let refusal = refused(back_up(app.data_dir.path(), &inside));
    assert!(refusal.contains("inside the data directory"), "{refusal}");
    assert!(!inside.exists(), "a refused backup leaves nothing behind");
    let data_dir = app.stop().await;

    let incomplete = backups.path().join("incomplete");
    std::fs::create_dir(&incomplete).unwrap();
    std::fs::copy(backup.join("skyvern.db"), incomplete.join("skyvern.db")).unwrap();
    let refusal = refused(restore(data_dir.path(), &incomplete, &[]));
    assert!(refusal.contains("not a complete backup"), "{refusal}");

    let refusal = refused(restore(data_dir.path(), &backup, &[]));
    assert!(refusal.contains("not empty") && refusal.contains("--force"), "{refusal}");

    let other_key = backups.path().join("other.key");
    std::fs::write(&other_key, [9u8; 32]).unwrap();
    let refusal = refused(restore(data_dir.path(), &backup, &["--force", "--vault-key", other_key.to_str().unwrap()]));
    assert!(refusal.contains("another vault key"), "{refusal}");

    let said = succeeded(restore(data_dir.path(), &backup, &["--force"]));
    assert!(said.contains("vault key kept") && said.contains("it opens the credentials"), "{said}");
    let config = test_config(data_dir.path());
    let restored = TestApp::spawn_in(data_dir, config).await;
    let code = restored.get(&format!("/v1/credentials/{credential_id}/totp-code")).send().await.unwrap();
    assert_eq!(code.status(), 200, "the kept key opens the restored credential");
}
