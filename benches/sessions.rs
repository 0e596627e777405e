//! Part 10 of the benchmarks: browser sessions.
//!
//! 1. The time from `POST /v1/run/tasks` to the first action of a run on an open session, next to
//!    runs of their own on a warm pool, alternating, in the same command.
//! 2. The memory an idle session holds: the proportional set size (PSS) of the appliance's
//!    Chromium processes with two sessions open on a small page, next to the same two browsers
//!    idle in the pool.

use std::path::Path;

use serde_json::{Value, json};

use crate::helpers::{TestApp, chromium_browser_pids};
use crate::{report, small_page_script, timed_request};

/// The parent of a process, from `/proc/<pid>/stat`.
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

/// The PSS in MiB of the Chromium processes of the appliance on `data_dir`: every browser and
/// every process below it.
pub fn chromium_pss_mib(data_dir: &Path) -> f64 {
    let roots = chromium_browser_pids(data_dir);
    let all: Vec<u32> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_string_lossy().parse().ok())
        .collect();
    let in_tree = |pid: u32| {
        let mut current = Some(pid);
        while let Some(at) = current {
            if roots.contains(&at) {
                return true;
            }
            current = parent_of(at).filter(|parent| *parent > 1);
        }
        false
    };
    all.into_iter().filter(|pid| in_tree(*pid)).map(pss_mib).sum()
}

/// The PSS in MiB of one process (0 once it is gone).
pub fn pss_mib(pid: u32) -> f64 {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    let kib = rollup.lines().find(|line| line.starts_with("Pss:")).and_then(|line| line.split_whitespace().nth(1));
    kib.and_then(|kib| kib.parse::<f64>().ok()).unwrap_or(0.0) / 1024.0
}

async fn open_session(app: &TestApp, url: &str) -> String {
    let session: Value =
        app.post("/v1/browser_sessions").json(&json!({"url": url})).send().await.unwrap().json().await.unwrap();
    session["browser_session_id"].as_str().unwrap().to_owned()
}

pub async fn sessions(runs: usize) {
    let app = TestApp::spawn_with(|config| config.browser.pool_size = 2).await;
    let url = app.fixtures.url("small.html");
    let run_of_its_own = json!({"prompt": "bench", "url": url, "script": small_page_script()});
    timed_request(&app, run_of_its_own.clone()).await;
    let session = open_session(&app, &url).await;
    let mut on_session = json!({"prompt": "bench", "url": url, "script": small_page_script()});
    on_session["browser_session_id"] = json!(session);
    let (mut own, mut shared) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        app.wait_for_pool("the free slot idle", |pool| pool["free_slots"] == 1).await;
        own.push(timed_request(&app, run_of_its_own.clone()).await);
        shared.push(timed_request(&app, on_session.clone()).await);
    }
    println!("browser sessions, time from POST /v1/run/tasks to the first action starting, {runs} runs each:");
    report("on an open session  ", &shared);
    report("own context, warm pool", &own);
    app.post(&format!("/v1/browser_sessions/{session}/close")).send().await.unwrap();

    app.wait_for_pool("both slots idle", |pool| pool["free_slots"] == 2).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let idle = chromium_pss_mib(app.data_dir.path());
    let opened = [open_session(&app, &url).await, open_session(&app, &url).await];
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let with_sessions = chromium_pss_mib(app.data_dir.path());
    println!(
        "  memory (PSS of the appliance's Chromium processes): 2 idle pooled browsers {idle:.1} MiB, 2 open idle sessions {with_sessions:.1} MiB"
    );
    println!(
        "  per idle session: {:.1} MiB in all, {:.1} MiB more than a browser idle in the pool",
        with_sessions / 2.0,
        (with_sessions - idle) / 2.0
    );
    for session in opened {
        app.post(&format!("/v1/browser_sessions/{session}/close")).send().await.unwrap();
    }
    app.stop().await;
}
