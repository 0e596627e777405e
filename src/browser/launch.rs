//! Starting Chromium processes, and removing those a previous appliance process left behind.
//!
//! Every local Chromium gets a profile directory below `<data_dir>/browser-profiles/`, which is
//! also how stale processes are recognised at start-up: any process whose `--user-data-dir` is
//! that directory or directly below it belongs to this appliance and is killed before the pool
//! starts. The data directory is canonical (absolute, links resolved) and compared whole, so
//! another appliance's browsers, whose data directory merely shares a name or a prefix, are left
//! alone.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chromiumoxide::async_process::Child;
use chromiumoxide::handler::HandlerConfig;
use chromiumoxide::{Browser, BrowserConfig, Handler};
use futures::StreamExt;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::watch;

use super::BrowserError;
use super::log_span::LogSpan;
use crate::config;

/// Every switch a local Chromium gets (chromiumoxide's own defaults are replaced by these, so
/// each switch is given once): quiet on a closed network, no first-run work, no throttling of
/// pages nobody looks at. Without site isolation, cross-origin iframes stay in their page's
/// process, where the appliance's script worlds can reach them; every run still has a browser
/// context of its own. Written without the leading dashes, as chromiumoxide adds them.
const SWITCHES: &[&str] = &[
    "disable-background-networking",
    "disable-component-update",
    "disable-sync",
    "no-first-run",
    "no-default-browser-check",
    "disable-quic",
    "disable-gpu",
    "disable-dev-shm-usage",
    "disable-features=Translate,TranslateUI,MediaRouter,OptimizationHints,IsolateOrigins,site-per-process",
    "disable-site-isolation-trials",
    "enable-features=NetworkService,NetworkServiceInProcess",
    "disable-background-timer-throttling",
    "disable-backgrounding-occluded-windows",
    "disable-renderer-backgrounding",
    "disable-breakpad",
    "disable-client-side-phishing-detection",
    "disable-component-extensions-with-background-pages",
    "disable-default-apps",
    "disable-hang-monitor",
    "disable-ipc-flooding-protection",
    "disable-popup-blocking",
    "disable-prompt-on-repost",
    "force-color-profile=srgb",
    "metrics-recording-only",
    "password-store=basic",
    "use-mock-keychain",
    "lang=en-US",
];

/// Tells everyone holding a receiver when the connection to a browser is gone; and whose work
/// the browser's own tasks log as (`log_span`).
#[derive(Clone)]
pub struct Liveness {
    gone: watch::Receiver<bool>,
    pub log_span: LogSpan,
}

impl Liveness {
    /// A browser's liveness, and the sender that reports it gone.
    pub(super) fn new() -> (watch::Sender<bool>, Liveness) {
        let (sender, gone) = watch::channel(false);
        (sender, Liveness { gone, log_span: LogSpan::default() })
    }

    pub fn is_alive(&self) -> bool {
        !*self.gone.borrow()
    }

    /// Resolves once the browser is gone.
    pub async fn gone(&self) {
        let mut gone = self.gone.clone();
        let _ = gone.wait_for(|gone| *gone).await;
    }
}

/// Polls a browser's CDP connection until it breaks, then reports it gone.
fn drive_connection(mut handler: Handler) -> Liveness {
    let (sender, liveness) = Liveness::new();
    tokio::spawn(liveness.log_span.clone().within(async move {
        while let Some(event) = handler.next().await {
            if let Err(error) = event {
                tracing::warn!(%error, "browser connection broke");
                break;
            }
        }
        let _ = sender.send(true);
    }));
    liveness
}

/// Launches local Chromium processes with the configured switches.
pub struct Launcher {
    settings: config::BrowserConfig,
    profiles_root: PathBuf,
    launched: AtomicU64,
}

/// A running local Chromium, killed when dropped.
pub struct LocalChromium {
    /// Shared with the run's page, which opens tabs through it.
    pub browser: Arc<Browser>,
    process: Child,
    pub liveness: Liveness,
    pub profile_dir: PathBuf,
}

impl Launcher {
    pub fn new(settings: config::BrowserConfig, profiles_root: PathBuf) -> Arc<Launcher> {
        Arc::new(Launcher { settings, profiles_root, launched: AtomicU64::new(0) })
    }

    /// Kills Chromium processes that use this data directory's profiles and removes the profiles.
    pub fn clean_stale(&self) {
        let killed = kill_processes_using(&self.profiles_root);
        if killed > 0 {
            tracing::warn!(killed, "killed Chromium processes left by a previous run of the appliance");
        }
        let _ = std::fs::remove_dir_all(&self.profiles_root);
    }

    pub fn launched(&self) -> u64 {
        self.launched.load(Ordering::Relaxed)
    }

    pub async fn launch(&self) -> Result<LocalChromium, BrowserError> {
        let number = self.launched.fetch_add(1, Ordering::Relaxed);
        let profile_dir = self.profiles_root.join(format!("{}-{number}", std::process::id()));
        write_preferences(&profile_dir).map_err(|e| BrowserError::Launch(format!("profile: {e}")))?;
        let settings = &self.settings;
        let mut builder = BrowserConfig::builder()
            .chrome_executable(&settings.executable)
            .user_data_dir(&profile_dir)
            .no_sandbox()
            .window_size(settings.viewport_width, settings.viewport_height)
            .disable_default_args()
            .args(SWITCHES.iter().copied())
            .args(settings.extra_args.iter().map(|switch| switch.trim_start_matches('-')));
        if !settings.headless {
            builder = builder.with_head();
        }
        let config = builder.build().map_err(BrowserError::Launch)?;
        let cannot_start = |e: &dyn std::fmt::Display| {
            BrowserError::Launch(format!("{} could not be started: {e}", settings.executable.display()))
        };
        // Started from a thread of lowered priority (`browser.nice`), which it inherits, and
        // connected to afterwards: chromiumoxide's own launch would do its other work on that
        // thread too, and threads it started there would keep the lowered priority.
        let runtime = tokio::runtime::Handle::current();
        let nice = settings.nice;
        let mut process = tokio::task::spawn_blocking(move || {
            crate::processes::started_lowered(nice, || {
                let _in_runtime = runtime.enter();
                config.launch()
            })
        })
        .await
        .map_err(|e| cannot_start(&e))?
        .flatten()
        .map_err(|e| cannot_start(&e))?;
        let patience = Duration::from_secs(settings.launch_timeout_seconds);
        let address = match tokio::time::timeout(patience, devtools_address(&mut process)).await {
            Ok(Ok(address)) => address,
            Ok(Err(said)) => return Err(cannot_start(&said)),
            Err(_) => return Err(cannot_start(&format!("no DevTools address within {patience:?}"))),
        };
        // The connection's settings, which chromiumoxide's launch would take from the builder.
        let handler =
            HandlerConfig { viewport: None, request_timeout: Duration::from_secs(30), ..HandlerConfig::default() };
        let (browser, handler) = Browser::connect_with_config(address, handler).await.map_err(|e| cannot_start(&e))?;
        Ok(LocalChromium { browser: Arc::new(browser), process, liveness: drive_connection(handler), profile_dir })
    }
}

/// The browser's DevTools WebSocket address, from the line Chromium prints on its standard error
/// once it listens; or what it printed before it exited without one.
async fn devtools_address(process: &mut Child) -> Result<String, String> {
    let stderr = process.stderr.take().ok_or("its standard error is not a pipe")?;
    let mut lines = BufReader::new(stderr.into_inner()).lines();
    let mut printed = Vec::new();
    while let Some(line) = lines.next_line().await.map_err(|e| e.to_string())? {
        if let Some((_, address)) = line.rsplit_once("listening on ")
            && address.starts_with("ws")
            && address.contains("/devtools/browser/")
        {
            return Ok(address.trim().to_owned());
        }
        printed.push(line);
    }
    Err(format!("it exited: {}", printed.join("\n").trim()))
}

/// What `<executable> --version` answers (e.g. `Chromium 131.0.6778.85 built on Debian …`), or
/// why it did not: the executable runs without starting a browser.
pub async fn executable_version(executable: &Path) -> Result<String, String> {
    let mut command = tokio::process::Command::new(executable);
    command.arg("--version").stdin(std::process::Stdio::null()).kill_on_drop(true);
    let output = match tokio::time::timeout(Duration::from_secs(15), command.output()).await {
        Ok(Ok(output)) => output,
        Ok(Err(error)) => return Err(format!("cannot run {} --version: {error}", executable.display())),
        Err(_) => return Err(format!("{} --version did not answer within 15 s", executable.display())),
    };
    let stdout = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!("{} --version failed ({}) {}", executable.display(), output.status, stderr.trim())
            .trim_end()
            .to_owned());
    }
    if stdout.is_empty() {
        return Err(format!("{} --version printed nothing (is it Chromium?)", executable.display()));
    }
    Ok(stdout)
}

/// Chromium's preferences for a new profile: no network prediction, so the browser opens no
/// connection ahead of a request (a speculative connection to the appliance would escape the
/// checks that requests go through, see `off_limits`).
const PREFERENCES: &str = r#"{"net": {"network_prediction_options": 2}}"#;

fn write_preferences(profile_dir: &Path) -> std::io::Result<()> {
    let default = profile_dir.join("Default");
    std::fs::create_dir_all(&default)?;
    std::fs::write(default.join("Preferences"), PREFERENCES)
}

impl LocalChromium {
    /// Closes the browser, waits for the process, and removes its profile.
    pub async fn shut_down(mut self) {
        if self.liveness.is_alive()
            && let Some(browser) = Arc::get_mut(&mut self.browser)
        {
            let _ = tokio::time::timeout(Duration::from_secs(3), browser.close()).await;
        }
        // A page still holding the browser (it should not) does not keep the process alive.
        if tokio::time::timeout(Duration::from_secs(3), self.process.inner.wait()).await.is_err() {
            let _ = self.process.inner.kill().await;
        }
        let _ = tokio::fs::remove_dir_all(&self.profile_dir).await;
    }
}

/// Sends SIGKILL to every process with a profile in `profiles_root`; returns how many.
fn kill_processes_using(profiles_root: &Path) -> usize {
    crate::processes::with_switch("user-data-dir", |dir| is_profile_in(Path::new(dir), profiles_root))
        .into_iter()
        .filter(|pid| crate::processes::kill_now(*pid))
        .count()
}

/// Whether the profile directory `dir` is `profiles_root` or directly below it.
fn is_profile_in(dir: &Path, profiles_root: &Path) -> bool {
    dir == profiles_root || dir.parent() == Some(profiles_root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_profiles_in_this_data_directory_are_ours() {
        let root = Path::new("/tmp/x/data/browser-profiles");
        for ours in
            ["/tmp/x/data/browser-profiles/123-0", "/tmp/x/data/browser-profiles/", "/tmp/x/data/browser-profiles"]
        {
            assert!(is_profile_in(Path::new(ours), root), "{ours}");
        }
        for theirs in [
            "/tmp/x/data2/browser-profiles/123-0",
            "/tmp/x/data/browser-profiles2/123-0",
            "/other/tmp/x/data/browser-profiles/123-0",
            "data/browser-profiles/123-0",
            "x/data/browser-profiles/123-0",
            "/tmp/x/data/browser-profiles/123-0/nested",
            "/tmp/x/data",
        ] {
            assert!(!is_profile_in(Path::new(theirs), root), "{theirs}");
        }
    }
}
