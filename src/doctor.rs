//! `skyvern doctor`: checks, with the loaded configuration, what the appliance needs from the
//! machine it runs on, and says what to fix.
//!
//! Each check is one function that returns one `Finding` (`ok`, `warn` or `FAIL`, with what to do
//! about it); `run` calls them in order and leaves out the checks that cannot mean anything after
//! a failure (no `--version` of a missing executable). The checks use the appliance's own parts:
//! Chromium is started by the browser pool's launcher and opens a page as a run's would, ffmpeg is
//! asked through `recording`, the database through `store`, the data directory's lock through
//! `data_dir`, each remote browser endpoint (`browser.remote`) with the pool's own health check,
//! the free space against `retention.min_free_gb` (below which runs are refused), and the model
//! provider through the agent's client.
//!
//! The doctor changes nothing that `skyvern serve` keeps: it creates no data directory and no
//! database, migrates nothing, and only asks whether another process holds the data directory.
//! Its browser gets a profile in the temporary directory, removed afterwards. It may run beside
//! the appliance.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::agent::llm::{LlmClient, LlmError};
use crate::app::DataPaths;
use crate::browser::{self, BrowserLocation, BrowserPool, Launcher, PageSettings};
use crate::config::{BrowserConfig, Config, LlmConfig, RecordingConfig, RetentionConfig};
use crate::data_dir;
use crate::recording;
use crate::store::Store;

/// Below this much free space in the data directory's file system, a warning: runs keep
/// screenshots, recordings and downloads there.
const LOW_SPACE_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// The page the doctor's browser opens: local, so no network is needed.
const TEST_PAGE: &str = "data:text/html,<title>skyvern doctor</title><p>skyvern doctor page</p>";

const INSTALL_CHROMIUM: &str = "install Debian's chromium (apt install chromium), or set browser.executable \
                                (SKYVERN__BROWSER__EXECUTABLE) to a Chromium binary";
const INSTALL_FFMPEG: &str = "install Debian's ffmpeg (apt install ffmpeg), or set recording.ffmpeg \
                              (SKYVERN__RECORDING__FFMPEG); recording.enabled = false runs without recordings";

/// How a check went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Ok,
    /// Works, but something is worth a look.
    Warn,
    /// The appliance cannot work this way.
    Fail,
}

/// One check's result: a line of the doctor's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub level: Level,
    /// What was checked, e.g. `chromium`.
    pub check: &'static str,
    /// What was found, and for a warning or a failure, what to do.
    pub message: String,
}

impl Finding {
    fn ok(check: &'static str, message: impl Into<String>) -> Finding {
        Finding { level: Level::Ok, check, message: message.into() }
    }

    fn warn(check: &'static str, message: impl Into<String>) -> Finding {
        Finding { level: Level::Warn, check, message: message.into() }
    }

    fn fail(check: &'static str, message: impl Into<String>) -> Finding {
        Finding { level: Level::Fail, check, message: message.into() }
    }

    fn passed(&self) -> bool {
        self.level != Level::Fail
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            Level::Ok => "ok",
            Level::Warn => "warn",
            Level::Fail => "FAIL",
        };
        write!(f, "{level:<5} {}: {}", self.check, self.message)
    }
}

/// Whether none of the findings is a failure: the doctor's exit status is 0 then, 1 otherwise.
pub fn all_passed(findings: &[Finding]) -> bool {
    findings.iter().all(Finding::passed)
}

/// Runs every check in order, handing each finding to `report` as soon as it is known (a
/// browser launch or a model call may take seconds). Returns them all.
pub async fn run(config: &Config, mut report: impl FnMut(&Finding)) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut note = |finding: Finding| {
        report(&finding);
        let passed = finding.passed();
        findings.push(finding);
        passed
    };

    let chromium = &config.browser.executable;
    if note(check_executable("chromium", chromium, INSTALL_CHROMIUM)) && note(check_chromium_version(chromium).await) {
        note(check_chromium_opens_a_page(&config.browser).await);
    }

    if config.recording.enabled {
        let ffmpeg = &config.recording.ffmpeg;
        if note(check_executable("ffmpeg", ffmpeg, INSTALL_FFMPEG)) && note(check_ffmpeg_version(ffmpeg)) {
            note(check_ffmpeg_encoder(&config.recording));
        }
    } else {
        note(Finding::ok("ffmpeg", "recording.enabled is false: runs are not recorded, ffmpeg is not needed"));
    }

    let data_dir = absolute(&config.storage.data_dir);
    let exists = data_dir.is_dir();
    note(check_data_dir(&data_dir));
    if exists {
        note(check_data_dir_writable(&data_dir));
    }
    note(check_free_space(&data_dir, RetentionConfig::bytes(config.retention.min_free_gb)));
    if exists {
        note(check_database(&DataPaths::of(config).database));
        note(check_data_dir_lock(&data_dir));
    }

    let endpoints = config.browser.remote_endpoints();
    if !endpoints.is_empty() {
        let http = reqwest::Client::new();
        let mut answers = Vec::new();
        for (address, _) in &endpoints {
            answers.push((browser::shown_address(address), browser::check_remote_endpoint(&http, address).await));
        }
        let none_answers = answers.iter().all(|(_, answer)| answer.is_err());
        let only_remote = config.browser.pool_size == 0;
        for (shown, answer) in answers {
            note(remote_endpoint_finding(&shown, answer, only_remote && none_answers));
        }
    }

    note(check_model_provider(&config.llm).await);
    findings
}

/// The executable exists, is a file, and may be run by this user.
fn check_executable(check: &'static str, path: &Path, fix: &str) -> Finding {
    match std::fs::metadata(path) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            Finding::fail(check, format!("{} does not exist: {fix}", path.display()))
        }
        Err(error) => Finding::fail(check, format!("{} cannot be read ({error}): {fix}", path.display())),
        Ok(metadata) if !metadata.is_file() => Finding::fail(check, format!("{} is not a file: {fix}", path.display())),
        Ok(_) => match nix::unistd::access(path, nix::unistd::AccessFlags::X_OK) {
            Ok(()) => Finding::ok(check, format!("{} is executable", path.display())),
            Err(error) => Finding::fail(
                check,
                format!(
                    "{} may not be run by {} ({error}): make it executable (chmod 0755) or {fix}",
                    path.display(),
                    user()
                ),
            ),
        },
    }
}

/// `chromium --version` answers.
async fn check_chromium_version(executable: &Path) -> Finding {
    match browser::executable_version(executable).await {
        Ok(version) => Finding::ok("chromium version", version),
        Err(reason) => {
            Finding::fail("chromium version", format!("{reason}: reinstall it (apt install --reinstall chromium)"))
        }
    }
}

/// A headless Chromium, started by the appliance's launcher and pool as a run's is, opens a page.
async fn check_chromium_opens_a_page(settings: &BrowserConfig) -> Finding {
    const CHECK: &str = "chromium page";
    let scratch = std::env::temp_dir().join(format!("skyvern-doctor-{}", std::process::id()));
    let mut settings = settings.clone();
    settings.headless = true;
    let patience = Duration::from_secs(settings.launch_timeout_seconds + 30);
    let page_settings = PageSettings {
        viewport_width: settings.viewport_width,
        viewport_height: settings.viewport_height,
        action_timeout: Duration::from_secs(10),
        downloads_root: scratch.join("downloads"),
        off_limits: None,
    };
    let executable = settings.executable.clone();
    let pool = BrowserPool::new(Launcher::new(settings, scratch.join("profiles")), 1, page_settings);
    let started = Instant::now();
    let opened = tokio::time::timeout(patience, async {
        let slot = pool.acquire_slot().await;
        let browser = pool.open(slot, BrowserLocation::Pooled).await?;
        let loaded = async {
            browser.page.goto(TEST_PAGE).await?;
            browser.page.wait_for_text("skyvern doctor page", Duration::from_secs(10)).await
        }
        .await;
        browser.close().await;
        loaded
    })
    .await;
    let took = started.elapsed();
    pool.shut_down().await;
    let _ = std::fs::remove_dir_all(&scratch);
    let see_why = format!(
        "to see why, run: {} --headless --no-sandbox --disable-gpu --dump-dom about:blank",
        executable.display()
    );
    match opened {
        Ok(Ok(())) => Finding::ok(CHECK, format!("a headless Chromium opened a page in {:.1} s", took.as_secs_f64())),
        Ok(Err(error)) => Finding::fail(CHECK, format!("{error}; {see_why}")),
        Err(_) => Finding::fail(CHECK, format!("no page was open after {} s; {see_why}", patience.as_secs())),
    }
}

/// `ffmpeg -version` answers.
fn check_ffmpeg_version(ffmpeg: &Path) -> Finding {
    match recording::ffmpeg_version(ffmpeg) {
        Ok(version) => Finding::ok("ffmpeg version", version),
        Err(reason) => Finding::fail("ffmpeg version", format!("{reason}: {INSTALL_FFMPEG}")),
    }
}

/// ffmpeg has the H.264 encoder that recordings use.
fn check_ffmpeg_encoder(settings: &RecordingConfig) -> Finding {
    const CHECK: &str = "ffmpeg encoder";
    let encoder = recording::VIDEO_ENCODER;
    match recording::ffmpeg_has_encoder(&settings.ffmpeg, encoder) {
        Ok(true) => Finding::ok(CHECK, format!("{encoder} is there for the recordings")),
        Ok(false) => Finding::fail(
            CHECK,
            format!(
                "{} has no {encoder} encoder, which recordings need: use Debian's ffmpeg (apt install ffmpeg), \
                 or set recording.enabled = false",
                settings.ffmpeg.display()
            ),
        ),
        Err(reason) => Finding::fail(CHECK, format!("{reason}: {INSTALL_FFMPEG}")),
    }
}

/// The data directory exists, or can be created where it is configured.
fn check_data_dir(dir: &Path) -> Finding {
    const CHECK: &str = "data directory";
    if dir.is_dir() {
        return Finding::ok(CHECK, format!("{} exists", dir.display()));
    }
    if dir.exists() {
        return Finding::fail(
            CHECK,
            format!(
                "{} is not a directory: move it away, or set storage.data_dir (SKYVERN__STORAGE__DATA_DIR)",
                dir.display()
            ),
        );
    }
    let parent = existing_ancestor(dir);
    match nix::unistd::access(&parent, nix::unistd::AccessFlags::W_OK | nix::unistd::AccessFlags::X_OK) {
        Ok(()) => Finding::ok(CHECK, format!("{} does not exist yet; `skyvern serve` creates it", dir.display())),
        Err(error) => Finding::fail(
            CHECK,
            format!(
                "{} does not exist, and {} cannot create it ({} is not writable: {error}): create it for the user \
                 that runs the appliance (install -d -o <user> {}), or set storage.data_dir",
                dir.display(),
                user(),
                parent.display(),
                dir.display()
            ),
        ),
    }
}

/// This user may create files in the data directory (tried with a file of its own).
fn check_data_dir_writable(dir: &Path) -> Finding {
    const CHECK: &str = "data directory writable";
    let probe = dir.join(format!(".skyvern-doctor-{}", std::process::id()));
    match std::fs::write(&probe, b"skyvern doctor\n") {
        Ok(()) => {
            let _ = std::fs::remove_file(&probe);
            Finding::ok(CHECK, format!("{} may write in it", user()))
        }
        Err(error) => Finding::fail(
            CHECK,
            format!(
                "{} cannot write in {} ({error}): run the doctor as the user that runs the appliance \
                 (sudo -u skyvern …), or give that user the directory (chown -R <user>: {})",
                user(),
                dir.display(),
                dir.display()
            ),
        ),
    }
}

/// Free space in the data directory's file system (or where it will be created), against
/// `retention.min_free_gb` (`min_free_bytes`), below which new runs are refused.
fn check_free_space(dir: &Path, min_free_bytes: u64) -> Finding {
    let place = existing_ancestor(dir);
    match data_dir::free_bytes(&place) {
        Ok(free) => free_space_finding(free, &place, min_free_bytes),
        Err(error) => {
            Finding::warn("free space", format!("cannot read the free space of {}: {error}", place.display()))
        }
    }
}

/// A failure below `min_free_bytes` (runs would be refused), a warning below `LOW_SPACE_BYTES`,
/// ok otherwise.
fn free_space_finding(free_bytes: u64, place: &Path, min_free_bytes: u64) -> Finding {
    let gb = |bytes: u64| format!("{:.1} GB", bytes as f64 / 1e9);
    let free = format!("{} free in {}", gb(free_bytes), place.display());
    if free_bytes < min_free_bytes {
        Finding::fail(
            "free space",
            format!(
                "only {free}: below retention.min_free_gb ({}) new runs are refused; free some space, lower \
                 retention.max_disk_gb or max_age_days so old runs go, or move storage.data_dir to a larger disk",
                gb(min_free_bytes)
            ),
        )
    } else if free_bytes < LOW_SPACE_BYTES {
        Finding::warn(
            "free space",
            format!(
                "only {free}: runs keep screenshots, recordings and downloads there; free some space, \
                 or move storage.data_dir to a larger disk"
            ),
        )
    } else {
        Finding::ok("free space", free)
    }
}

/// Whether a remote endpoint (`browser.remote`) answers. One that does not takes no runs; that
/// fails the doctor only when no browser at all is left (`no_browser_left`).
fn remote_endpoint_finding(shown: &str, answer: Result<(), String>, no_browser_left: bool) -> Finding {
    const CHECK: &str = "remote browser";
    match answer {
        Ok(()) => Finding::ok(CHECK, format!("{shown} answers")),
        Err(error) => {
            let message = format!(
                "{shown} does not answer ({error}): it takes no runs until it does; start the browser \
                 there, check the address and the network, or remove it from browser.remote"
            );
            if no_browser_left { Finding::fail(CHECK, message) } else { Finding::warn(CHECK, message) }
        }
    }
}

/// The database opens (read-only) and has every migration of this binary, and none newer.
fn check_database(database: &Path) -> Finding {
    const CHECK: &str = "database";
    if !database.exists() {
        return Finding::ok(CHECK, format!("{} does not exist yet; `skyvern serve` creates it", database.display()));
    }
    match Store::migration_status(database) {
        Err(error) => Finding::fail(
            CHECK,
            format!(
                "{} does not open ({error}): check that {} may read it (run the doctor as the appliance's user), \
                 or restore a backup (skyvern restore)",
                database.display(),
                user()
            ),
        ),
        Ok(status) if !status.unknown.is_empty() => Finding::fail(
            CHECK,
            format!(
                "{} was migrated by a newer skyvern ({}): run that version again, or restore a backup taken before",
                database.display(),
                status.unknown.join(", ")
            ),
        ),
        Ok(status) if !status.pending.is_empty() => Finding::warn(
            CHECK,
            format!(
                "{} lacks {} migration(s) ({}); `skyvern serve` applies them at its next start (take a backup first: \
                 skyvern backup)",
                database.display(),
                status.pending.len(),
                status.pending.join(", ")
            ),
        ),
        Ok(status) => {
            Finding::ok(CHECK, format!("{} opens; its {} migrations are current", database.display(), status.applied))
        }
    }
}

/// Whether a `skyvern serve` holds the data directory (asked without taking the lock).
fn check_data_dir_lock(dir: &Path) -> Finding {
    const CHECK: &str = "data directory lock";
    match data_dir::holder(dir) {
        Ok(None) => Finding::ok(CHECK, "free: no `skyvern serve` uses this data directory now"),
        Ok(Some(pid)) if pid.is_empty() => {
            Finding::ok(CHECK, "held by a running `skyvern serve`; another one on this directory is refused")
        }
        Ok(Some(pid)) => Finding::ok(
            CHECK,
            format!("held by a running `skyvern serve` (process {pid}); another one on this directory is refused"),
        ),
        Err(error) => Finding::warn(CHECK, format!("cannot tell whether a `skyvern serve` uses it: {error}")),
    }
}

/// One minimal chat call to the configured model provider, through the agent's own client.
///
/// `POST /v1/model/test` is to make the same call; once both exist, this is to call that one
/// function rather than build its own request.
pub async fn check_model_provider(settings: &LlmConfig) -> Finding {
    const CHECK: &str = "model provider";
    let client = match LlmClient::from_config(settings) {
        Ok(Some(client)) => client,
        Ok(None) => {
            return Finding::warn(
                CHECK,
                "none configured (llm.provider is empty): only `code` runs are accepted; set llm.provider, \
                 llm.base_url, llm.model and llm.api_key (SKYVERN__LLM__…) for agent runs",
            );
        }
        Err(reason) => return Finding::fail(CHECK, format!("{reason}: set llm.provider to openai or anthropic")),
    };
    if settings.model.is_empty() {
        return Finding::fail(CHECK, "llm.model is empty: set it to a model the provider serves (SKYVERN__LLM__MODEL)");
    }
    let at = if settings.base_url.is_empty() { String::new() } else { format!(" at {}", settings.base_url) };
    let what = format!("{} model {}{at}", client.provider_name(), settings.model);
    // The same one call, never retried, as the UI's "Test connection" (`POST /v1/model/test`).
    match client.probe().await {
        Ok(reply) => Finding::ok(CHECK, format!("{what} answered in {:.1} s", reply.latency.as_secs_f64())),
        Err(error) => {
            let (level, fix) = model_error_fix(&error);
            Finding { level, check: CHECK, message: format!("{what}: {error}; {fix}") }
        }
    }
}

/// How bad a model call's failure is for the appliance, and what to do about it.
fn model_error_fix(error: &LlmError) -> (Level, &'static str) {
    match error {
        LlmError::Unavailable(_) => (
            Level::Fail,
            "check llm.base_url (an OpenAI-compatible server's ends in /v1) and that the provider runs and is \
             reachable from this machine",
        ),
        LlmError::RateLimited(_) => {
            (Level::Warn, "the provider is reachable but limits the rate now; runs wait and retry")
        }
        LlmError::UnknownModel { .. } => (Level::Fail, "set llm.model to a model the provider serves"),
        LlmError::Rejected { status: 401 | 403, .. } => (Level::Fail, "check llm.api_key"),
        LlmError::Rejected { .. } => (Level::Fail, "check llm.base_url, llm.model and llm.api_key"),
        LlmError::BadResponse(_) => (
            Level::Fail,
            "llm.base_url may not point at an OpenAI-compatible /v1 endpoint (llm.provider = openai) or at \
             Anthropic's API (llm.provider = anthropic)",
        ),
    }
}

/// `path`, absolute: relative paths are taken from the working directory, as `serve` takes them.
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

/// `path` if it exists, or its nearest ancestor that does.
fn existing_ancestor(path: &Path) -> PathBuf {
    path.ancestors().find(|ancestor| ancestor.exists()).unwrap_or(Path::new("/")).to_owned()
}

/// The name of the user the doctor runs as, for messages.
fn user() -> String {
    let uid = nix::unistd::Uid::effective();
    match nix::unistd::User::from_uid(uid) {
        Ok(Some(user)) => format!("user {}", user.name),
        _ => format!("uid {uid}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_finding_is_one_line_that_starts_with_its_level() {
        let lines = [
            Finding::ok("ffmpeg", "/usr/bin/ffmpeg is executable"),
            Finding::warn("free space", "only 1.0 GB free"),
            Finding::fail("chromium", "/x does not exist: apt install chromium"),
        ]
        .map(|finding| finding.to_string());
        assert_eq!(lines[0], "ok    ffmpeg: /usr/bin/ffmpeg is executable");
        assert_eq!(lines[1], "warn  free space: only 1.0 GB free");
        assert_eq!(lines[2], "FAIL  chromium: /x does not exist: apt install chromium");
    }

    #[test]
    fn warnings_pass_and_one_failure_fails_the_whole() {
        let ok = Finding::ok("a", "fine");
        let warn = Finding::warn("b", "look");
        assert!(all_passed(&[ok.clone(), warn.clone()]));
        assert!(all_passed(&[]));
        assert!(!all_passed(&[ok, warn, Finding::fail("c", "broken")]));
    }

    #[test]
    fn less_than_two_gigabytes_free_is_a_warning_and_less_than_min_free_gb_a_failure() {
        let place = Path::new("/var/lib/skyvern");
        let min_free = 1_000_000_000;
        assert_eq!(free_space_finding(LOW_SPACE_BYTES, place, min_free).level, Level::Ok);
        let low = free_space_finding(LOW_SPACE_BYTES - 1, place, min_free);
        assert_eq!(low.level, Level::Warn);
        assert!(low.message.contains("2.1 GB free in /var/lib/skyvern"), "{}", low.message);
        assert!(low.message.contains("storage.data_dir"));
        let short = free_space_finding(min_free - 1, place, min_free);
        assert_eq!(short.level, Level::Fail);
        assert!(short.message.contains("retention.min_free_gb (1.0 GB)"), "{}", short.message);
        assert_eq!(free_space_finding(0, place, 0).level, Level::Warn, "no minimum: only the warning");
    }

    #[test]
    fn a_remote_browser_that_does_not_answer_fails_only_when_no_browser_is_left() {
        let address = "http://10.0.0.5:9222/";
        assert_eq!(remote_endpoint_finding(address, Ok(()), false).level, Level::Ok);
        let down = remote_endpoint_finding(address, Err("connection refused".into()), false);
        assert_eq!(down.level, Level::Warn);
        assert!(down.message.contains("10.0.0.5:9222/ does not answer (connection refused)"), "{}", down.message);
        assert!(down.message.contains("browser.remote"));
        assert_eq!(remote_endpoint_finding(address, Err("refused".into()), true).level, Level::Fail);
    }

    #[test]
    fn a_missing_or_unrunnable_executable_fails_and_says_what_to_install() {
        let dir = tempfile::tempdir().unwrap();
        let missing = check_executable("chromium", &dir.path().join("chromium"), INSTALL_CHROMIUM);
        assert_eq!(missing.level, Level::Fail);
        assert!(missing.message.contains("does not exist") && missing.message.contains("apt install chromium"));
        let folder = check_executable("ffmpeg", dir.path(), INSTALL_FFMPEG);
        assert_eq!(folder.level, Level::Fail);
        assert!(folder.message.contains("not a file") && folder.message.contains("apt install ffmpeg"));
        let sh = check_executable("sh", Path::new("/bin/sh"), "");
        assert_eq!(sh.level, Level::Ok, "{sh}");
    }

    #[test]
    fn a_data_directory_to_be_created_is_fine_where_its_parent_is_writable() {
        let dir = tempfile::tempdir().unwrap();
        let later = dir.path().join("a/b/data");
        let finding = check_data_dir(&later);
        assert_eq!(finding.level, Level::Ok, "{finding}");
        assert!(finding.message.contains("creates it"));
        assert!(!later.exists(), "the doctor created nothing");
        assert_eq!(existing_ancestor(&later), dir.path());

        let file = dir.path().join("file");
        std::fs::write(&file, "x").unwrap();
        assert_eq!(check_data_dir(&file).level, Level::Fail);
        assert_eq!(check_data_dir_writable(dir.path()).level, Level::Ok);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "the probe file is gone");
    }

    #[test]
    fn a_database_is_current_once_migrated_and_missing_before_the_first_start() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("skyvern.db");
        let before = check_database(&database);
        assert_eq!(before.level, Level::Ok);
        assert!(before.message.contains("does not exist yet"));
        assert!(!database.exists(), "the doctor created no database");
        drop(Store::open(&database).unwrap());
        let after = check_database(&database);
        assert_eq!(after.level, Level::Ok, "{after}");
        assert!(after.message.contains("are current"), "{after}");
    }

    #[test]
    fn a_model_failure_says_which_setting_to_check() {
        let fix = |error| model_error_fix(&error);
        assert!(fix(LlmError::Unavailable("refused".into())).1.contains("llm.base_url"));
        assert_eq!(fix(LlmError::RateLimited("429".into())).0, Level::Warn);
        let unknown = LlmError::UnknownModel { model: "m".into(), detail: "no".into() };
        assert!(fix(unknown).1.contains("llm.model"));
        assert_eq!(fix(LlmError::Rejected { status: 401, detail: String::new() }).1, "check llm.api_key");
        assert_eq!(fix(LlmError::BadResponse("html".into())).0, Level::Fail);
    }

    #[tokio::test]
    async fn no_model_provider_is_a_warning_not_a_failure() {
        let config = Config::defaults().unwrap();
        let finding = check_model_provider(&config.llm).await;
        assert_eq!(finding.level, Level::Warn, "{finding}");
        assert!(finding.message.contains("llm.provider"));
    }
}
