//! Every schema level migrates forward: for each level of `migrations/` there is a database
//! written at that level (`tests/fixtures/schema_levels/NNNN.sql`, made by
//! `scripts/schema-level`); the appliance starts on each, in a fresh data directory, and what every
//! level up to it wrote reads back through the API.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::helpers::{TestApp, test_config};

/// The key stored at level 1 (the fixture keeps its SHA-256).
const STORED_KEY: &str = "skv_fixture_stored_key_0001";
/// The cookie of the UI sign-in stored at level 14.
const UI_SESSION: &str = "fixture-ui-session-0001";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The schema levels: 1 for `0001_….sql`, and so on, in the order they apply.
fn levels() -> Vec<u32> {
    let mut levels: Vec<u32> = std::fs::read_dir(root().join("migrations"))
        .unwrap()
        .filter_map(|entry| {
            let name = entry.unwrap().file_name().into_string().ok()?;
            name.strip_suffix(".sql")?.split('_').next()?.parse().ok()
        })
        .collect();
    levels.sort();
    levels
}

fn fixture(level: u32) -> PathBuf {
    root().join(format!("tests/fixtures/schema_levels/{level:04}.sql"))
}

/// A data directory whose database is the fixture of `level`, loaded with the sqlite3 command.
fn data_dir_at(level: u32) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    load_dump(&fixture(level), &dir.path().join("skyvern.db"));
    dir
}

fn load_dump(dump: &Path, database: &Path) {
    let output = Command::new("sqlite3")
        .arg(database)
        .arg(format!(".read {}", dump.display()))
        .output()
        .expect("the sqlite3 command (scripts/install-deps --with-tests installs it)");
    assert!(output.status.success(), "{} does not load: {}", dump.display(), String::from_utf8_lossy(&output.stderr));
}

#[test]
fn every_schema_level_has_a_fixture() {
    let levels = levels();
    assert!(levels.len() >= 14, "migrations/ has the levels up to 14 at least: {levels:?}");
    for level in levels {
        assert!(
            fixture(level).is_file(),
            "schema level {level} has no fixture: run `scripts/schema-level {level}` (rows the appliance writes at \
             that level go in tests/fixtures/schema_levels/rows/{level:04}.sql) and commit {}",
            fixture(level).display()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_of_every_schema_level_migrates_forward_and_reads_back_through_the_api() {
    for level in levels() {
        let dir = data_dir_at(level);
        let config = test_config(dir.path());
        let app = TestApp::spawn_in(dir, config).await;
        reads_back(&app, level).await;
        let migrated = skyvern::store::Store::migration_status(&app.data_dir.path().join("skyvern.db")).unwrap();
        assert!(migrated.pending.is_empty(), "level {level}: migrations left: {:?}", migrated.pending);
        app.stop().await;
    }
}

/// GETs `path` and reads the JSON body, which must come with 200.
async fn read(app: &TestApp, level: u32, path: &str) -> Value {
    let response = app.get(path).send().await.unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 200, "level {level}: GET {path}: {body}");
    body
}

/// Ids of the listed items under `field`.
fn ids(list: &Value, field: &str) -> Vec<String> {
    list.as_array().into_iter().flatten().filter_map(|item| item[field].as_str().map(str::to_owned)).collect()
}

/// What every level up to `level` wrote, read back.
async fn reads_back(app: &TestApp, level: u32) {
    // 1: a stored key, a finished code run with its artifacts, timeline and events.
    let keyed = app.client.get(app.url("/v1/runs")).header("x-api-key", STORED_KEY).send().await.unwrap();
    assert_eq!(keyed.status(), 200, "level {level}: the stored key still opens the API");
    let run = read(app, level, "/v1/runs/tsk_100000000000000001").await;
    assert_eq!(run["status"], "completed", "level {level}: {run}");
    assert_eq!(run["output"]["total"], "42.00", "level {level}: {run}");
    let artifacts = read(app, level, "/v1/runs/tsk_100000000000000001/artifacts").await;
    let mut types: Vec<&str> =
        artifacts.as_array().unwrap().iter().filter_map(|artifact| artifact["artifact_type"].as_str()).collect();
    types.sort();
    assert_eq!(types, ["recording", "screenshot_action", "script_file"], "level {level}: {artifacts}");
    let timeline = read(app, level, "/v1/runs/tsk_100000000000000001/timeline").await;
    assert_eq!(timeline.as_array().map(Vec::len), Some(3), "level {level}: {timeline}");
    let events = read(app, level, "/v1/runs/tsk_100000000000000001/events").await;
    assert!(events.to_string().contains("\"completed\""), "level {level}: {events}");
    let found = read(app, level, "/v1/runs?search_key=invoice").await;
    assert!(ids(&found, "run_id").contains(&"tsk_100000000000000001".to_owned()), "level {level}: {found}");
    if level < 2 {
        return;
    }
    // 2: an agent run's model call.
    let traces = read(app, level, "/v1/runs/tsk_100000000000000002/traces").await;
    assert!(traces.to_string().contains("gpt-4o-mini"), "level {level}: {traces}");
    let run = read(app, level, "/v1/runs/tsk_100000000000000002").await;
    assert_eq!(run["usage"]["input_tokens"], 1200, "level {level}: {run}");
    if level < 3 {
        return;
    }
    // 3: a download kept with its name.
    let run = read(app, level, "/v1/runs/tsk_100000000000000003").await;
    assert_eq!(run["status"], "failed", "level {level}: {run}");
    assert!(run["downloaded_files"].to_string().contains("invoice-march.pdf"), "level {level}: {run}");
    if level < 4 {
        return;
    }
    // 4: typed events.
    let canceled = read(app, level, "/v1/runs?status=canceled").await;
    assert_eq!(ids(&canceled, "run_id"), ["tsk_100000000000000004"], "level {level}: {canceled}");
    if level < 5 {
        return;
    }
    // 5: a webhook delivery and its attempts.
    let webhooks = read(app, level, "/v1/runs/tsk_100000000000000005/webhooks").await;
    let text = webhooks.to_string();
    assert!(text.contains("msg_100000000000000001") && text.contains("delivered"), "level {level}: {webhooks}");
    if level < 6 {
        return;
    }
    // 6: a plan of two versions.
    let plans = read(app, level, "/v1/agents").await;
    let plan = plans
        .as_array()
        .and_then(|plans| plans.iter().find(|plan| plan["workflow_permanent_id"] == "wpid_100000000000000001"))
        .unwrap_or_else(|| panic!("level {level}: the plan is not listed: {plans}"));
    assert_eq!((plan["version"].as_i64(), plan["title"].as_str()), (Some(2), Some("Weather")), "level {level}");
    if level < 7 {
        return;
    }
    // 7: a run of the plan, its loop's steps and their attempts.
    let run = read(app, level, "/v1/runs/wr_100000000000000001").await;
    assert_eq!(run["status"], "completed", "level {level}: {run}");
    assert_eq!(run["workflow_id"], "wpid_100000000000000001", "level {level}: {run}");
    let steps = read(app, level, "/v1/runs/wr_100000000000000001/steps").await;
    assert!(steps.to_string().contains("Riga"), "level {level}: {steps}");
    if level < 8 {
        return;
    }
    // 8: the plan's schedule.
    let schedules = read(app, level, "/v1/agents/wpid_100000000000000001/schedules").await;
    assert!(schedules.to_string().contains("Mornings"), "level {level}: {schedules}");
    if level < 9 {
        return;
    }
    // 9: a browser session and a run on it.
    let session = read(app, level, "/v1/browser_sessions/pbs_100000000000000001").await;
    assert_eq!(session["status"], "closed", "level {level}: {session}");
    let run = read(app, level, "/v1/runs/tsk_100000000000000009").await;
    assert_eq!(run["browser_session_id"], "pbs_100000000000000001", "level {level}: {run}");
    if level < 10 {
        return;
    }
    // 10: credentials, as shown (their values are sealed under a key that is not here).
    let credential = read(app, level, "/v1/credentials/cred_100000000000000001").await;
    assert_eq!(credential["name"], "Example shop", "level {level}: {credential}");
    assert_eq!(credential["credential"]["username"], "ada@example.org", "level {level}: {credential}");
    let credentials = read(app, level, "/v1/credentials").await;
    let mut listed = ids(&credentials, "credential_id");
    listed.sort();
    assert_eq!(
        listed,
        ["cred_100000000000000001", "cred_100000000000000002"],
        "level {level}: the deleted one is not listed"
    );
    if level < 11 {
        return;
    }
    // 11: a rerun.
    let run = read(app, level, "/v1/runs/tsk_100000000000000011").await;
    assert_eq!(run["rerun_of"], "tsk_100000000000000001", "level {level}: {run}");
    if level < 12 {
        return;
    }
    // 12: a browser profile.
    let profiles = read(app, level, "/v1/browser_profiles").await;
    assert_eq!(ids(&profiles, "browser_profile_id"), ["bp_100000000000000001"], "level {level}: {profiles}");
    let session = read(app, level, "/v1/browser_sessions/pbs_100000000000000002").await;
    assert_eq!(session["generate_browser_profile"], true, "level {level}: {session}");
    if level < 13 {
        return;
    }
    // 13: a session's recording.
    let session = read(app, level, "/v1/browser_sessions/pbs_100000000000000001").await;
    assert_eq!(session["recordings"].as_array().map(Vec::len), Some(1), "level {level}: {session}");
    if level < 14 {
        return;
    }
    // 14: a UI sign-in with the stored key.
    let signed_in = app
        .client
        .get(app.url("/v1/ui/session"))
        .header("cookie", format!("skyvern_session={UI_SESSION}"))
        .send()
        .await
        .unwrap();
    let status = signed_in.status();
    let body: Value = signed_in.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 200, "level {level}: {body}");
    assert!(body.to_string().contains("cli"), "level {level}: {body}");
    if level < 15 {
        return;
    }
    // 15: a run whose files retention removed, and the tombstone of a run it removed whole.
    let run = read(app, level, "/v1/runs/tsk_100000000000000015").await;
    assert_eq!(run["artifacts_removed_at"], "2026-01-20T03:00:00.000000Z", "level {level}: {run}");
    let removed = app.get("/v1/runs/tsk_100000000000000016").send().await.unwrap();
    assert_eq!(removed.status(), 410, "level {level}");
}
