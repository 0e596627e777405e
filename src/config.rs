//! Configuration: embedded defaults, then an optional file, then `SKYVERN__SECTION__KEY`.
//!
//! The defaults are the fully commented `skyvern.toml` at the crate root, compiled into the binary,
//! so the appliance starts with no file at all and the file documents every key. Keys that none of
//! the layers define are reported, so a typo is not silently ignored.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The embedded defaults; also the reference of every key.
pub const DEFAULTS: &str = include_str!("../skyvern.toml");

/// Tables whose keys are the user's own (model names), not known in advance.
const OPEN_TABLES: &[&str] = &["prices."];

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration: {0}")]
    Load(#[from] config::ConfigError),
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    pub server: ServerConfig,
    pub storage: StorageConfig,
    pub auth: AuthConfig,
    pub ui: UiConfig,
    pub browser: BrowserConfig,
    pub runs: RunsConfig,
    pub live: LiveConfig,
    pub events: EventsConfig,
    pub webhooks: WebhooksConfig,
    pub search: SearchConfig,
    pub recording: RecordingConfig,
    pub llm: LlmConfig,
    pub agent: AgentConfig,
    pub schedules: SchedulesConfig,
    pub sessions: SessionsConfig,
    pub vault: VaultConfig,
    pub retention: RetentionConfig,
    /// US dollars per million tokens, per model name.
    pub prices: BTreeMap<String, ModelPrice>,
    pub metrics: MetricsConfig,
    pub log: LogConfig,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerConfig {
    pub listen: String,
    pub public_url: String,
    pub max_body_bytes: usize,
    /// Largest file `POST /v1/upload_file` keeps; it is written as it arrives, never held whole.
    pub max_upload_bytes: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StorageConfig {
    pub data_dir: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthConfig {
    pub api_key: Secret,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UiConfig {
    /// How long a UI sign-in lasts from the moment it was made, in hours.
    pub session_hours: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BrowserConfig {
    pub executable: PathBuf,
    pub pool_size: usize,
    pub headless: bool,
    pub viewport_width: u32,
    pub viewport_height: u32,
    pub launch_timeout_seconds: u64,
    pub extra_args: Vec<String>,
    /// Remote CDP endpoints whose browsers hold slots beside the local ones.
    pub remote: Vec<RemoteEndpoint>,
    /// Slots of a remote endpoint that does not give its own `slots`.
    pub remote_slots: usize,
    /// How often each remote endpoint is checked (and a down one tried again).
    pub remote_check_seconds: u64,
    /// How much lower local Chromium's CPU priority is than the appliance's (0-19).
    pub nice: u8,
}

/// A remote CDP endpoint: its address alone (`"http://host:9222"`, which has
/// `browser.remote_slots` slots), or a table with its own number of slots.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RemoteEndpoint {
    Address(String),
    WithSlots { url: String, slots: usize },
}

impl BrowserConfig {
    /// Each remote endpoint's address and slots.
    pub fn remote_endpoints(&self) -> Vec<(String, usize)> {
        self.remote
            .iter()
            .map(|endpoint| match endpoint {
                RemoteEndpoint::Address(url) => (url.clone(), self.remote_slots),
                RemoteEndpoint::WithSlots { url, slots } => (url.clone(), *slots),
            })
            .collect()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct RunsConfig {
    pub time_budget_seconds: u64,
    pub inactivity_timeout_seconds: u64,
    pub action_timeout_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LiveConfig {
    pub jpeg_quality: u8,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EventsConfig {
    pub heartbeat_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WebhooksConfig {
    pub default_url: String,
    pub signing_secret: Secret,
    pub rotation_overlap_hours: u64,
    pub retry_horizon_hours: u64,
    pub max_retry_wait_seconds: u64,
    pub first_retry_ms: u64,
    pub timeout_seconds: u64,
    pub concurrency: usize,
    pub max_per_receiver: usize,
    pub allow_private: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SearchConfig {
    pub commit_interval_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RecordingConfig {
    pub enabled: bool,
    pub ffmpeg: PathBuf,
    pub max_fps: u32,
    pub crf: u32,
    /// How much lower the encoders' CPU priority is than the appliance's (0-19).
    pub nice: u8,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LlmConfig {
    pub provider: String,
    pub base_url: String,
    pub api_key: Secret,
    pub model: String,
    pub vision: bool,
    pub max_tokens: u32,
    pub temperature: f64,
    pub timeout_seconds: u64,
    pub max_retries: u32,
    pub retry_base_ms: u64,
    /// Longest wait before a retry, whatever the provider's `Retry-After` asks.
    pub max_retry_wait_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AgentConfig {
    pub max_steps: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SchedulesConfig {
    /// Whether schedules fire; off, they are still kept and managed.
    pub enabled: bool,
    /// The shortest gap allowed between two firings of one schedule; below 60, a cron
    /// expression may have a seconds field.
    pub min_interval_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SessionsConfig {
    /// How long one minute of a session's `timeout` lasts, in seconds: 60, except in tests that
    /// watch a session time out.
    pub timeout_unit_seconds: u64,
    /// How long opening a session waits for a browser slot before it is refused (429).
    pub slot_wait_seconds: u64,
    /// Whether a session's response carries `browser_address`, a CDP WebSocket on the appliance
    /// through which a client drives the session's browser itself.
    pub expose_cdp: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct VaultConfig {
    /// The file of the key that seals credentials; empty: `vault.key` in the data directory.
    pub key_file: PathBuf,
    /// How often a run waiting for a verification code asks its `totp_url`.
    pub totp_poll_seconds: u64,
    /// How long a run waits for a code pushed for it or given by its `totp_url`.
    pub totp_wait_minutes: u64,
}

/// How long finished runs are kept and how much room they may take. 0 turns a limit off.
#[derive(Debug, Clone, Deserialize)]
pub struct RetentionConfig {
    /// Finished runs older than this many days (fractions allowed) are removed whole.
    pub max_age_days: f64,
    /// Above this many GB (10^9 bytes) used under the data directory, finished runs lose their
    /// files, oldest first, and then, if that is not enough, are removed whole.
    pub max_disk_gb: f64,
    /// Below this many GB free on the data directory's file system, no new run is started.
    pub min_free_gb: f64,
    /// How often retention looks, in seconds; it also looks each time a run ends.
    pub interval_seconds: u64,
}

impl RetentionConfig {
    /// `gb` in bytes; 0 (off) for 0.
    pub fn bytes(gb: f64) -> u64 {
        (gb * 1e9).round() as u64
    }
}

/// What a model's tokens cost, in US dollars per million.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct ModelPrice {
    #[serde(default)]
    pub input: f64,
    #[serde(default)]
    pub cached_input: f64,
    #[serde(default)]
    pub output: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MetricsConfig {
    /// A second address serving only `GET /metrics`, without an API key; empty: none.
    pub listen: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LogConfig {
    pub format: LogFormat,
    pub filter: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// A value that must never be printed: `Debug` shows whether it is set, not what it is.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "Secret(<empty>)" } else { "Secret(<redacted>)" })
    }
}

/// A loaded configuration and the keys it was given that no section knows.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    pub unknown_keys: Vec<String>,
}

impl Config {
    /// The embedded defaults alone, as tests and `skyvern serve` without a file start from.
    pub fn defaults() -> Result<Config, ConfigError> {
        Ok(Self::load(None, std::iter::empty())?.config)
    }

    /// Layers the defaults, `file` and the `SKYVERN__…` variables among `env`.
    pub fn load(file: Option<&Path>, env: impl IntoIterator<Item = (String, String)>) -> Result<Loaded, ConfigError> {
        let defaults = config::File::from_str(DEFAULTS, config::FileFormat::Toml);
        let mut builder = config::Config::builder().add_source(defaults.clone());
        if let Some(path) = file {
            builder = builder.add_source(config::File::from(path).format(config::FileFormat::Toml));
        }
        let environment: config::Map<String, String> =
            env.into_iter().filter(|(key, _)| key.starts_with("SKYVERN__")).collect();
        builder = builder.add_source(
            config::Environment::with_prefix("SKYVERN")
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true)
                .list_separator(",")
                .with_list_parse_key("browser.extra_args")
                .with_list_parse_key("browser.remote")
                .source(Some(environment)),
        );
        let merged = builder.build()?;
        let known = leaf_keys(&config::Config::builder().add_source(defaults).build()?);
        let unknown_keys = leaf_keys(&merged)
            .difference(&known)
            .filter(|key| !OPEN_TABLES.iter().any(|table| key.starts_with(table)))
            .cloned()
            .collect();
        let config: Config = merged.try_deserialize()?;
        config.validate()?;
        Ok(Loaded { config, unknown_keys })
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |message: String| Err(ConfigError::Invalid(message));
        if self.server.listen.parse::<SocketAddr>().is_err() {
            return invalid(format!("server.listen `{}` is not an address:port", self.server.listen));
        }
        if !self.metrics.listen.is_empty() && self.metrics.listen.parse::<SocketAddr>().is_err() {
            return invalid(format!("metrics.listen `{}` is not an address:port (or empty)", self.metrics.listen));
        }
        if !self.server.public_url.is_empty() && url::Url::parse(&self.server.public_url).is_err() {
            return invalid(format!("server.public_url `{}` is not a URL", self.server.public_url));
        }
        let remotes = self.browser.remote_endpoints();
        if self.browser.pool_size > 64 || (self.browser.pool_size == 0 && remotes.is_empty()) {
            return invalid("browser.pool_size must be between 1 and 64 (or 0 with browser.remote endpoints)".into());
        }
        for (url, slots) in &remotes {
            if let Err(message) = crate::runs::cdp_address(url) {
                return invalid(format!("browser.remote: {message}"));
            }
            if !(1..=256).contains(slots) {
                return invalid(
                    "browser.remote_slots and each remote endpoint's slots must be between 1 and 256".into(),
                );
            }
        }
        if self.browser.remote_check_seconds == 0 {
            return invalid("browser.remote_check_seconds must be positive".into());
        }
        if self.browser.viewport_width < 200 || self.browser.viewport_height < 200 {
            return invalid("browser.viewport_width and viewport_height must be at least 200".into());
        }
        if self.browser.nice > 19 || self.recording.nice > 19 {
            return invalid("browser.nice and recording.nice must be between 0 and 19".into());
        }
        if !(1..=100).contains(&self.live.jpeg_quality) {
            return invalid("live.jpeg_quality must be between 1 and 100".into());
        }
        if !(1..=60).contains(&self.recording.max_fps) || self.recording.crf > 51 {
            return invalid("recording.max_fps must be between 1 and 60 and recording.crf at most 51".into());
        }
        if !["", "openai", "anthropic"].contains(&self.llm.provider.as_str()) {
            return invalid(format!("llm.provider `{}` is not one of openai, anthropic (or empty)", self.llm.provider));
        }
        if self.agent.max_steps == 0 || self.agent.max_steps > 1000 {
            return invalid("agent.max_steps must be between 1 and 1000".into());
        }
        if self.vault.totp_poll_seconds == 0 || self.vault.totp_wait_minutes == 0 {
            return invalid("vault.totp_poll_seconds and vault.totp_wait_minutes must be positive".into());
        }
        if self.ui.session_hours == 0 || self.ui.session_hours > 24 * 366 {
            return invalid("ui.session_hours must be between 1 and 8784 (a year)".into());
        }
        if self.events.heartbeat_seconds == 0 {
            return invalid("events.heartbeat_seconds must be positive".into());
        }
        if !self.webhooks.default_url.is_empty() && crate::runs::webhook_url(&self.webhooks.default_url).is_err() {
            return invalid("webhooks.default_url is not an http(s) URL without a user name or password".into());
        }
        let webhooks = &self.webhooks;
        if [webhooks.concurrency, webhooks.max_per_receiver].contains(&0)
            || webhooks.timeout_seconds == 0
            || webhooks.first_retry_ms == 0
        {
            return invalid(
                "webhooks.concurrency, max_per_receiver, timeout_seconds and first_retry_ms must be positive".into(),
            );
        }
        if self.search.commit_interval_ms == 0 {
            return invalid("search.commit_interval_ms must be positive".into());
        }
        if self.sessions.timeout_unit_seconds == 0 {
            return invalid("sessions.timeout_unit_seconds must be positive".into());
        }
        if self.schedules.min_interval_seconds == 0 {
            return invalid("schedules.min_interval_seconds must be positive".into());
        }
        let retention = &self.retention;
        if [retention.max_age_days, retention.max_disk_gb, retention.min_free_gb]
            .iter()
            .any(|value| !value.is_finite() || *value < 0.0)
        {
            return invalid("retention.max_age_days, max_disk_gb and min_free_gb must be 0 or more".into());
        }
        if retention.interval_seconds == 0 {
            return invalid("retention.interval_seconds must be positive".into());
        }
        if self.runs.time_budget_seconds == 0 || self.runs.inactivity_timeout_seconds == 0 {
            return invalid("runs.time_budget_seconds and inactivity_timeout_seconds must be positive".into());
        }
        Ok(())
    }

    /// The address to listen on; validated at load.
    pub fn listen_addr(&self) -> SocketAddr {
        self.server.listen.parse().unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 8000)))
    }

    /// The address of the metrics listener, if one is asked for; validated at load.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.listen.parse().ok()
    }
}

/// Every `section.key` path of a configuration, to find the ones the defaults do not have.
fn leaf_keys(config: &config::Config) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    if let Ok(table) = config.clone().try_deserialize::<config::Map<String, config::Value>>() {
        collect_keys("", &table, &mut keys);
    }
    keys
}

fn collect_keys(prefix: &str, table: &config::Map<String, config::Value>, keys: &mut BTreeSet<String>) {
    for (name, value) in table {
        let path = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
        match value.clone().into_table() {
            Ok(inner) => collect_keys(&path, &inner, keys),
            Err(_) => {
                keys.insert(path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn embedded_defaults_load_on_their_own() {
        let config = Config::defaults().unwrap();
        assert_eq!(config.browser.pool_size, 2);
        assert_eq!(config.runs.inactivity_timeout_seconds, 1800);
        assert!(config.auth.api_key.is_empty());
    }

    #[test]
    fn the_file_overrides_defaults_and_the_environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("skyvern.toml");
        std::fs::write(&path, "[browser]\npool_size = 3\nheadless = false\n").unwrap();
        let loaded = Config::load(
            Some(&path),
            env(&[("SKYVERN__BROWSER__POOL_SIZE", "5"), ("SKYVERN__BROWSER__EXTRA_ARGS", "--a,--b")]),
        )
        .unwrap();
        assert_eq!(loaded.config.browser.pool_size, 5);
        assert!(!loaded.config.browser.headless);
        assert_eq!(loaded.config.browser.extra_args, vec!["--a", "--b"]);
        assert!(loaded.unknown_keys.is_empty(), "{:?}", loaded.unknown_keys);
    }

    #[test]
    fn remote_endpoints_are_addresses_or_tables_in_the_file_and_a_list_in_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("skyvern.toml");
        let file = "[browser]\npool_size = 0\nremote_slots = 3\nremote = [\"http://10.0.0.5:9222\", { url = \"ws://b:3000/?token=t\", slots = 8 }]\n";
        std::fs::write(&path, file).unwrap();
        let loaded = Config::load(Some(&path), env(&[])).unwrap();
        assert_eq!(
            loaded.config.browser.remote_endpoints(),
            [("http://10.0.0.5:9222".to_owned(), 3), ("ws://b:3000/?token=t".to_owned(), 8)]
        );
        assert!(loaded.unknown_keys.is_empty(), "{:?}", loaded.unknown_keys);
        let from_env = env(&[
            ("SKYVERN__BROWSER__POOL_SIZE", "0"),
            ("SKYVERN__BROWSER__REMOTE", "http://a:9222,ws://b:3000/"),
            ("SKYVERN__BROWSER__REMOTE_SLOTS", "4"),
        ]);
        let loaded = Config::load(None, from_env).unwrap();
        assert_eq!(
            loaded.config.browser.remote_endpoints(),
            [("http://a:9222".to_owned(), 4), ("ws://b:3000/".to_owned(), 4)]
        );
        for refused in [
            vec![("SKYVERN__BROWSER__POOL_SIZE", "0")],
            vec![("SKYVERN__BROWSER__REMOTE", "ftp://a:9222")],
            vec![("SKYVERN__BROWSER__REMOTE", "http://a:9222"), ("SKYVERN__BROWSER__REMOTE_SLOTS", "0")],
        ] {
            assert!(matches!(Config::load(None, env(&refused)), Err(ConfigError::Invalid(_))), "{refused:?}");
        }
    }

    #[test]
    fn unknown_keys_are_reported_and_bad_values_refused() {
        let loaded = Config::load(None, env(&[("SKYVERN__BROWSER__POOL_SIZ", "5")])).unwrap();
        assert_eq!(loaded.unknown_keys, vec!["browser.pool_siz"]);
        assert!(Config::load(None, env(&[("SKYVERN__LLM__PROVIDER", "openia")])).is_err());
        assert!(Config::load(None, env(&[("SKYVERN__BROWSER__POOL_SIZE", "0")])).is_err());
        assert!(Config::load(None, env(&[("SKYVERN__SERVER__LISTEN", "nowhere")])).is_err());
        assert!(Config::load(None, env(&[("SKYVERN__BROWSER__NICE", "20")])).is_err());
        assert!(Config::load(None, env(&[("SKYVERN__RECORDING__NICE", "-1")])).is_err());
    }

    #[test]
    fn prices_are_read_per_model_and_are_not_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("skyvern.toml");
        std::fs::write(&path, "[prices.\"gpt-4o-mini\"]\ninput = 0.15\noutput = 0.6\n").unwrap();
        let loaded = Config::load(Some(&path), env(&[])).unwrap();
        assert!(loaded.unknown_keys.is_empty(), "{:?}", loaded.unknown_keys);
        let price = loaded.config.prices["gpt-4o-mini"];
        assert_eq!((price.input, price.cached_input, price.output), (0.15, 0.0, 0.6));
    }

    #[test]
    fn the_vault_key_file_is_empty_by_default_and_set_from_the_environment() {
        assert_eq!(Config::defaults().unwrap().vault.key_file, PathBuf::new());
        let loaded = Config::load(None, env(&[("SKYVERN__VAULT__KEY_FILE", "/etc/skyvern/vault.key")])).unwrap();
        assert_eq!(loaded.config.vault.key_file, PathBuf::from("/etc/skyvern/vault.key"));
        assert!(loaded.unknown_keys.is_empty(), "{:?}", loaded.unknown_keys);
    }

    #[test]
    fn retention_takes_fractions_and_refuses_negative_limits() {
        let defaults = Config::defaults().unwrap().retention;
        assert_eq!((defaults.max_age_days, defaults.max_disk_gb, defaults.min_free_gb), (0.0, 0.0, 1.0));
        let loaded = Config::load(None, env(&[("SKYVERN__RETENTION__MAX_DISK_GB", "0.0005")])).unwrap();
        assert_eq!(RetentionConfig::bytes(loaded.config.retention.max_disk_gb), 500_000);
        assert!(Config::load(None, env(&[("SKYVERN__RETENTION__MAX_AGE_DAYS", "-1")])).is_err());
        assert!(Config::load(None, env(&[("SKYVERN__RETENTION__INTERVAL_SECONDS", "0")])).is_err());
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let secret = Secret::new("sk-very-secret");
        assert!(!format!("{secret:?}").contains("very"));
    }
}
