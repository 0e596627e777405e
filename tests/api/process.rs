//! The appliance as a separate process (the built `skyvern` binary): to kill it with SIGKILL, to
//! start it from another working directory, and to run its other commands beside it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::helpers::{API_KEY, PATIENCE, chromium_browser_pids};

pub struct Process {
    child: Child,
    pub address: String,
    /// Where its data is, as an absolute path (to clean up after it).
    data_dir: PathBuf,
}

impl Process {
    pub async fn start(data_dir: &Path) -> Process {
        Process::start_in(Path::new("."), data_dir, &[]).await
    }

    /// Starts `skyvern serve` in the working directory `cwd`, on `data_dir` (relative to `cwd`
    /// or absolute), with one browser slot unless `env` says otherwise.
    pub async fn start_in(cwd: &Path, data_dir: &Path, env: &[(&str, &str)]) -> Process {
        Process::start_logging(cwd, data_dir, env, None).await
    }

    /// As `start_in`, its log (standard output and error) written to `log` when given.
    pub async fn start_logging(cwd: &Path, data_dir: &Path, env: &[(&str, &str)], log: Option<&Path>) -> Process {
        let output = || match log {
            Some(log) => Stdio::from(std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap()),
            None => Stdio::null(),
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(env!("CARGO_BIN_EXE_skyvern"))
            .arg("serve")
            .current_dir(cwd)
            .env("SKYVERN__SERVER__LISTEN", format!("127.0.0.1:{port}"))
            .env("SKYVERN__STORAGE__DATA_DIR", data_dir)
            .env("SKYVERN__AUTH__API_KEY", API_KEY)
            .env("SKYVERN__BROWSER__POOL_SIZE", "1")
            .envs(env.iter().copied())
            .stdout(output())
            .stderr(output())
            .spawn()
            .unwrap();
        let data_dir = cwd.join(data_dir);
        let process = Process { child, address: format!("http://127.0.0.1:{port}"), data_dir };
        let client = reqwest::Client::new();
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while client.get(format!("{}/healthz", process.address)).send().await.is_err() {
            assert!(tokio::time::Instant::now() < deadline, "the appliance did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        process
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request =
            reqwest::Client::new().request(method, format!("{}{path}", self.address)).header("x-api-key", API_KEY);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap().json().await.unwrap()
    }

    pub async fn wait_for(&self, run_id: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let run = self.call(reqwest::Method::GET, &format!("/v1/runs/{run_id}"), None).await;
            if done(&run) {
                return run;
            }
            assert!(tokio::time::Instant::now() < deadline, "run {run_id} is stuck: {run}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn kill_hard(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for pid in chromium_browser_pids(&self.data_dir) {
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
        }
    }
}

/// Runs another `skyvern` command (`api-key …`, `backup …`) on `data_dir`.
pub fn cli(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skyvern")).args(args).env("SKYVERN__STORAGE__DATA_DIR", data_dir).output().unwrap()
}

/// Chromium browser processes (not their helpers) that `parent` started.
pub fn browsers_started_by(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let after_name = stat.rsplit(") ").next().unwrap_or_default();
            let ppid = after_name.split(' ').nth(1).and_then(|ppid| ppid.parse::<u32>().ok());
            let cmdline = String::from_utf8_lossy(&std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default())
                .into_owned();
            ppid == Some(parent) && cmdline.contains("--user-data-dir=") && !cmdline.contains("--type=")
        })
        .collect()
}

/// Whether the process is alive (and not a zombie).
pub fn is_alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| !stat.contains(") Z "))
}
