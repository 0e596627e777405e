//! Chromium and the recording encoders run at a lower CPU priority than the appliance
//! (`browser.nice`, `recording.nice`), so that on a busy machine the API and run control answer
//! first.

use std::time::Duration;

use crate::helpers::{PATIENCE, TestApp, a_long_wait, stat_field};

/// The name and nice value of every thread of process `pid`.
fn thread_priorities(pid: u32) -> Vec<(String, i32)> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).into_iter().flatten().flatten();
    tasks
        .filter_map(|task| {
            let name = std::fs::read_to_string(task.path().join("comm")).ok()?;
            Some((name.trim_end().to_owned(), stat_field(&task.path().join("stat"), 19)?))
        })
        .collect()
}

#[tokio::test]
async fn chromium_and_the_encoders_run_below_the_appliances_priority() {
    let app = TestApp::spawn_with(|config| {
        config.browser.nice = 7;
        config.recording.nice = 12;
    })
    .await;
    let run = app.create_script_run("small.html", a_long_wait()).await;
    app.wait_for_status(&run, "running").await;
    let data_dir = app.data_dir.path();
    let chromium = skyvern::processes::mentioning(&data_dir.join("browser-profiles").to_string_lossy());
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let encoders = loop {
        let encoders = skyvern::processes::mentioning(&data_dir.join("recordings").to_string_lossy());
        if !encoders.is_empty() {
            break encoders;
        }
        assert!(tokio::time::Instant::now() < deadline, "the run's recording never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // The browser, its zygote and the page's renderer at least.
    assert!(chromium.len() >= 3, "only {} Chromium processes found", chromium.len());
    for (pids, nice) in [(&chromium, 7), (&encoders, 12)] {
        for pid in pids {
            let threads = thread_priorities(*pid);
            assert!(
                !threads.is_empty() && threads.iter().all(|(_, value)| *value == nice),
                "process {pid}: {threads:?}"
            );
        }
    }
    // Only the short-lived thread that starts a process is lowered; on a busy machine it may
    // not have ended yet.
    let appliance = thread_priorities(std::process::id());
    let lowered = appliance.iter().filter(|(name, value)| *value != 0 && name != "lowered-start");
    assert_eq!(lowered.count(), 0, "the appliance was lowered too: {appliance:?}");
    app.post(&format!("/v1/runs/{run}/cancel")).send().await.unwrap();
    app.wait_until_final(&run).await;
    app.stop().await;
}
