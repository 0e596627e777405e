//! `skyvern doctor`, run as a command: every check passes on this machine with a good
//! configuration (the model provider played by a scripted server), a wrong Chromium path fails
//! and says what to fix, and a running appliance's data directory is reported as held.

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use crate::helpers::TestApp;
use crate::process::cli;
use crate::scripted_llm::{Reply, ScriptedLlm};

/// Runs `skyvern doctor` on `data_dir` with `env`, without blocking the test's runtime (the
/// scripted provider answers on it).
async fn doctor(data_dir: &Path, env: &[(&str, String)]) -> (Output, Vec<String>) {
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_skyvern"))
        .arg("doctor")
        .env("SKYVERN__STORAGE__DATA_DIR", data_dir)
        .env("RUST_LOG", "error")
        .envs(env.iter().map(|(name, value)| (name, value)))
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(120), child).await.expect("the doctor ends").unwrap();
    let lines = String::from_utf8_lossy(&output.stdout).lines().map(str::to_owned).collect();
    (output, lines)
}

fn line<'a>(lines: &'a [String], check: &str) -> &'a str {
    let prefix = format!(" {check}: ");
    lines.iter().find(|line| line.contains(&prefix)).unwrap_or_else(|| panic!("no `{check}` line in {lines:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_doctor_passes_every_check_with_a_good_configuration_and_a_model_that_answers() {
    let data_dir = tempfile::tempdir().unwrap();
    let created = cli(data_dir.path(), &["api-key", "create", "--name", "doctor"]);
    assert!(created.status.success(), "the database exists, migrated: {}", String::from_utf8_lossy(&created.stderr));
    let llm = ScriptedLlm::start();
    llm.then(|_| Reply::Answer("OK".into()));

    let (output, lines) = doctor(
        data_dir.path(),
        &[
            ("SKYVERN__LLM__PROVIDER", "openai".into()),
            ("SKYVERN__LLM__BASE_URL", format!("{}/v1", llm.base_url)),
            ("SKYVERN__LLM__MODEL", "test-model".into()),
        ],
    )
    .await;

    let report = lines.join("\n");
    assert_eq!(output.status.code(), Some(0), "{report}\n{}", String::from_utf8_lossy(&output.stderr));
    for check in [
        "chromium",
        "chromium version",
        "chromium page",
        "ffmpeg",
        "ffmpeg version",
        "ffmpeg encoder",
        "data directory",
        "data directory writable",
        "database",
        "data directory lock",
        "model provider",
    ] {
        assert!(line(&lines, check).starts_with("ok "), "{check} is not ok:\n{report}");
    }
    // Free space depends on the machine: ok, or a warning on a full disk, never a failure.
    assert!(!line(&lines, "free space").starts_with("FAIL"), "{report}");
    assert!(line(&lines, "ffmpeg encoder").contains("libx264"), "{report}");
    assert!(line(&lines, "database").contains("current"), "{report}");
    assert!(line(&lines, "data directory lock").contains("free"), "{report}");
    assert!(line(&lines, "model provider").contains("test-model"), "{report}");
    assert_eq!(llm.received().len(), 1, "one minimal call to the provider");
    let leftovers: Vec<_> =
        std::fs::read_dir(data_dir.path()).unwrap().flatten().map(|entry| entry.file_name()).collect();
    assert!(
        leftovers.iter().all(|name| name.to_string_lossy().starts_with("skyvern.db")),
        "the doctor left only the database there: {leftovers:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_chromium_path_fails_the_doctor_and_it_says_what_to_fix() {
    let data_dir = tempfile::tempdir().unwrap();
    let (output, lines) =
        doctor(data_dir.path(), &[("SKYVERN__BROWSER__EXECUTABLE", "/nowhere/chromium".into())]).await;

    let report = lines.join("\n");
    assert_eq!(output.status.code(), Some(1), "{report}");
    let chromium = line(&lines, "chromium");
    assert!(chromium.starts_with("FAIL "), "{report}");
    assert!(chromium.contains("/nowhere/chromium does not exist"), "{report}");
    assert!(chromium.contains("apt install chromium") && chromium.contains("browser.executable"), "{report}");
    assert!(!report.contains("chromium page"), "no launch is tried without the executable: {report}");
    assert!(line(&lines, "ffmpeg encoder").starts_with("ok "), "the other checks still run: {report}");
    assert!(line(&lines, "model provider").starts_with("warn "), "no provider is a warning: {report}");
    assert!(line(&lines, "database").contains("does not exist yet"), "{report}");
    assert!(!data_dir.path().join("skyvern.db").exists(), "the doctor created no database");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disk_below_min_free_gb_fails_and_a_remote_browser_that_does_not_answer_is_a_warning() {
    let data_dir = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (output, lines) = doctor(
        data_dir.path(),
        &[
            ("SKYVERN__RETENTION__MIN_FREE_GB", "1000000000".into()),
            ("SKYVERN__BROWSER__REMOTE", format!("http://127.0.0.1:{closed}?token=secret")),
        ],
    )
    .await;

    let report = lines.join("\n");
    assert_eq!(output.status.code(), Some(1), "{report}");
    let space = line(&lines, "free space");
    assert!(space.starts_with("FAIL ") && space.contains("retention.min_free_gb"), "{report}");
    let remote = line(&lines, "remote browser");
    assert!(remote.starts_with("warn "), "local slots are left: {report}");
    assert!(remote.contains(&format!("http://127.0.0.1:{closed}/ does not answer")), "{report}");
    assert!(!report.contains("secret"), "the address is shown without its token: {report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_doctor_reports_the_running_appliance_that_holds_the_data_directory() {
    let app = TestApp::spawn().await;
    let (output, lines) = doctor(app.data_dir.path(), &[]).await;

    let report = lines.join("\n");
    assert_eq!(output.status.code(), Some(0), "{report}");
    let lock = line(&lines, "data directory lock");
    assert!(lock.contains(&format!("`skyvern serve` (process {})", std::process::id())), "{report}");
    assert_eq!(app.pool().await["idle_browsers"], 1, "the appliance's browser is untouched");
    let runs = app.get("/v1/runs").send().await.unwrap();
    assert_eq!(runs.status(), 200, "the appliance still serves");
}
