//! Building and running the appliance: the one constructor used by `main` and by the tests.

use std::future::Future;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use actix_web::middleware::from_fn;
use actix_web::{HttpServer, web};
use anyhow::Context;
use tokio_util::sync::CancellationToken;

use crate::agent::Agent;
use crate::agent::llm::LlmClient;
use crate::api::{self, AppState};
use crate::artifacts::ArtifactFiles;
use crate::auth::ui_sessions::UiSessions;
use crate::auth::{self, KeyChecker};
use crate::backup;
use crate::browser::{BrowserPool, Launcher, OffLimits, PageSettings, RemoteEndpoints};
use crate::config::Config;
use crate::data_dir::{self, DataDirLock};
use crate::files::UploadedFiles;
use crate::live::LiveRuns;
use crate::metrics::{Exporter, Metrics, Sources};
use crate::profiles::Profiles;
use crate::recording::Recorder;
use crate::retention::{DiskRoom, Retention, Sweeper, SweeperParts};
use crate::scheduler::{CodeTiming, Scheduler, SchedulerParts};
use crate::schedules::{QueuedPlanRuns, Schedules};
use crate::search::{Indexer, SearchIndex};
use crate::sessions::Sessions;
use crate::store::Store;
use crate::vault::Vault;
use crate::views::Links;
use crate::webhooks::Webhooks;

/// How long running runs get to stop at shutdown before they are settled as interrupted.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// How long the webhook dispatcher and sender get to stop at shutdown.
const WEBHOOKS_GRACE: Duration = Duration::from_secs(5);

/// How long the schedule ticker gets to record a firing whose run it is starting at shutdown.
const SCHEDULES_GRACE: Duration = Duration::from_secs(5);

/// A built appliance, listening, not yet serving.
pub struct App {
    port: u16,
    server: actix_web::dev::Server,
    /// The listener of `metrics.listen`, serving only `/metrics`.
    metrics_server: Option<actix_web::dev::Server>,
    /// Ends the responses that never end on their own (event streams) when the appliance stops.
    stopping: CancellationToken,
    scheduler: Scheduler,
    /// Open browser sessions, closed at shutdown before the browsers.
    sessions: Sessions,
    pool: BrowserPool,
    webhooks: Webhooks,
    schedules: Schedules,
    retention: Retention,
    indexer: Indexer,
    store: Store,
    initial_api_key: Option<String>,
    /// Held while the appliance runs: one appliance per data directory.
    _data_dir_lock: DataDirLock,
}

/// Where the appliance keeps its files, below the data directory.
pub struct DataPaths {
    pub database: PathBuf,
    pub artifacts: PathBuf,
    pub browser_profiles: PathBuf,
    /// Where browsers save downloads before they become artifacts.
    pub downloads: PathBuf,
    /// Where recordings in progress are written before they become artifacts.
    pub recordings: PathBuf,
    /// The full-text index of runs, rebuilt from the database when needed.
    pub search_index: PathBuf,
    /// Files kept by `POST /v1/upload_file`.
    pub uploads: PathBuf,
    /// The key that seals credentials: `vault.key_file`, or a file of the data directory. Never
    /// in the database, so never in its backups.
    pub vault_key: PathBuf,
}

impl DataPaths {
    pub fn of(config: &Config) -> DataPaths {
        let root = &config.storage.data_dir;
        DataPaths {
            database: root.join("skyvern.db"),
            artifacts: root.join("artifacts"),
            browser_profiles: root.join("browser-profiles"),
            downloads: root.join("downloads"),
            recordings: root.join("recordings"),
            search_index: root.join("search-index"),
            uploads: root.join("uploads"),
            vault_key: if config.vault.key_file.as_os_str().is_empty() {
                root.join("vault.key")
            } else {
                config.vault.key_file.clone()
            },
        }
    }
}

/// What backups copy of the data directory, and what they leave out: the database (copied by the
/// store), the lock, the vault key, the search index (rebuilt from the database) and the folders
/// emptied at every start (Chromium's working profiles, downloads in progress).
pub fn backup_layout(config: &Config) -> backup::Layout {
    let paths = DataPaths::of(config);
    backup::Layout {
        data_dir: config.storage.data_dir.clone(),
        database: paths.database,
        vault_key: paths.vault_key,
        lock: data_dir::lock_path(&config.storage.data_dir),
        left_out: vec![paths.search_index, paths.browser_profiles, paths.downloads],
    }
}

/// Opens (creating when needed) the data directory and its database.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let paths = DataPaths::of(config);
    std::fs::create_dir_all(&config.storage.data_dir)
        .with_context(|| format!("cannot create the data directory {}", config.storage.data_dir.display()))?;
    let database = paths.database.clone();
    let store = tokio::task::spawn_blocking(move || Store::open(&database)).await??;
    Ok(store)
}

impl App {
    /// Takes the data directory (refused if another appliance holds it), opens the store, binds
    /// the listener (port 0 picks a free port; the browsers must know it to keep away from it),
    /// cleans up after a previous process, warms the browser pool and resolves unfinished runs.
    pub async fn build(mut config: Config) -> anyhow::Result<App> {
        config.storage.data_dir = data_dir::canonical(&config.storage.data_dir)?;
        let data_dir_lock = DataDirLock::acquire(&config.storage.data_dir)?;
        let paths = DataPaths::of(&config);
        let store = open_store(&config).await?;
        let initial_api_key = auth::ensure_a_key_exists(&store, &config.auth.api_key).await?;
        let vault = Vault::open(&paths.vault_key, store.clone()).await.context("cannot open the credential vault")?;
        let commit_interval = Duration::from_millis(config.search.commit_interval_ms);
        let (search, indexer) = SearchIndex::start(&paths.search_index, store.clone(), commit_interval)
            .await
            .context("cannot open the search index")?;

        let listener = TcpListener::bind(config.listen_addr())
            .with_context(|| format!("cannot listen on {}", config.server.listen))?;
        let address = listener.local_addr()?;
        let base = if config.server.public_url.is_empty() {
            format!("http://{address}")
        } else {
            config.server.public_url.trim_end_matches('/').to_owned()
        };
        let launcher = Launcher::new(config.browser.clone(), paths.browser_profiles.clone());
        launcher.clean_stale();
        let _ = std::fs::remove_dir_all(&paths.downloads);
        let page_settings = PageSettings {
            viewport_width: config.browser.viewport_width,
            viewport_height: config.browser.viewport_height,
            action_timeout: Duration::from_millis(config.runs.action_timeout_ms),
            downloads_root: paths.downloads,
            off_limits: Some(Arc::new(OffLimits::new(address, &config.server.public_url))),
        };
        let remote = RemoteEndpoints {
            endpoints: config.browser.remote_endpoints(),
            check_every: Duration::from_secs(config.browser.remote_check_seconds),
        };
        let pool = BrowserPool::with_remote(launcher, config.browser.pool_size, remote, page_settings);
        pool.warm_up().await;

        let metrics = Metrics::new();
        let artifacts = ArtifactFiles::new(paths.artifacts, store.clone());
        let llm = LlmClient::from_config(&config.llm).map_err(anyhow::Error::msg)?;
        let agent = llm.clone().map(|llm| Agent {
            llm,
            prices: config.prices.clone(),
            default_max_steps: config.agent.max_steps,
            store: store.clone(),
            metrics: metrics.clone(),
        });
        let recorder = Recorder::new(
            config.recording.clone(),
            artifacts.clone(),
            paths.recordings,
            (config.browser.viewport_width, config.browser.viewport_height),
        );
        if let Err(reason) = recorder.check() {
            tracing::warn!(reason, "runs will not be recorded: ffmpeg cannot be started");
        }
        recorder.finish_leftovers().await;
        let live = LiveRuns::new(config.live.jpeg_quality);
        let links = Links { base };
        let files = UploadedFiles::new(paths.uploads, store.clone(), config.server.max_upload_bytes, links.clone());
        let profiles = Profiles::new(store.clone(), vault.clone());
        let sessions = Sessions::new(
            store.clone(),
            pool.clone(),
            profiles.clone(),
            &config.sessions,
            recorder.clone(),
            config.live.jpeg_quality,
        );
        let interrupted = sessions.end_leftovers().await?;
        if interrupted > 0 {
            tracing::info!(interrupted, "browser sessions left open by the previous process were ended");
        }
        let webhooks = Webhooks::new(store.clone(), config.webhooks.clone(), links.clone(), metrics.clone())?;
        let room = DiskRoom::new(config.storage.data_dir.clone(), config.retention.min_free_gb);
        let scheduler = Scheduler::new(SchedulerParts {
            store: store.clone(),
            pool: pool.clone(),
            artifacts: artifacts.clone(),
            limits: config.runs.clone(),
            agent,
            live: live.clone(),
            recorder: recorder.clone(),
            sessions: sessions.clone(),
            vault: vault.clone(),
            webhooks: webhooks.clone(),
            code_timing: CodeTiming {
                poll_every: Duration::from_secs(config.vault.totp_poll_seconds),
                wait_at_most: Duration::from_secs(config.vault.totp_wait_minutes * 60),
            },
            files: files.clone(),
            profiles: profiles.clone(),
            metrics: metrics.clone(),
            room: room.clone(),
        });
        scheduler.start().await?;
        webhooks.start().await?;
        // Schedules fire once runs can be queued; their runs go through the same queue.
        let schedules = Schedules::new(store.clone(), config.schedules.clone());
        schedules.start(Arc::new(QueuedPlanRuns::new(scheduler.clone())));
        let sweeper = Sweeper::new(
            SweeperParts {
                store: store.clone(),
                search: search.clone(),
                artifacts: artifacts.clone(),
                data_dir: config.storage.data_dir.clone(),
                browser_profiles: paths.browser_profiles.clone(),
            },
            &config.retention,
        );
        let retention = Retention::start(sweeper, &store, Duration::from_secs(config.retention.interval_seconds));

        let stopping = CancellationToken::new();
        let keys = KeyChecker::new(store.clone(), &config.auth.api_key);
        let session_lifetime = Duration::from_secs(config.ui.session_hours * 3600);
        let exporter = Exporter::new(
            metrics.clone(),
            Sources {
                store: store.clone(),
                scheduler: scheduler.clone(),
                pool: pool.clone(),
                recorder,
                data_dir: config.storage.data_dir.clone(),
            },
        );
        let state = web::Data::new(AppState {
            store: store.clone(),
            scheduler: scheduler.clone(),
            pool: pool.clone(),
            artifacts,
            files,
            live,
            search,
            ui_sessions: UiSessions::new(store.clone(), keys.clone(), session_lifetime),
            keys,
            secure_cookies: config.server.public_url.starts_with("https://"),
            llm,
            llm_settings: config.llm.clone(),
            data_dir: config.storage.data_dir.clone(),
            room,
            webhooks: webhooks.clone(),
            schedules: schedules.clone(),
            sessions: sessions.clone(),
            vault,
            profiles,
            links,
            heartbeat: Duration::from_secs(config.events.heartbeat_seconds),
            stopping: stopping.clone(),
            metrics,
            exporter,
        });
        let metrics_server = match config.metrics_addr() {
            Some(addr) => {
                let listener = TcpListener::bind(addr)
                    .with_context(|| format!("cannot listen on {} (metrics.listen)", config.metrics.listen))?;
                let metrics_address = listener.local_addr()?;
                let state = state.clone();
                let server = HttpServer::new(move || {
                    actix_web::App::new()
                        .wrap(from_fn(api::contain_panics))
                        .wrap(api::security_headers())
                        .configure(api::configure_metrics_only(state.clone()))
                })
                .workers(1)
                .disable_signals()
                .shutdown_timeout(5)
                .listen(listener)?
                .run();
                tracing::info!(address = %metrics_address, "serving /metrics without a key");
                Some(server)
            }
            None => None,
        };
        let max_body_bytes = config.server.max_body_bytes;
        let server = HttpServer::new(move || {
            actix_web::App::new()
                .wrap(from_fn(api::contain_panics))
                .wrap(api::security_headers())
                .configure(api::configure(state.clone(), max_body_bytes))
        })
        .workers(2)
        .disable_signals()
        .shutdown_timeout(5)
        .listen(listener)?
        .run();
        tracing::info!(%address, "listening");
        Ok(App {
            port: address.port(),
            server,
            metrics_server,
            stopping,
            scheduler,
            pool,
            webhooks,
            schedules,
            retention,
            sessions,
            indexer,
            store,
            initial_api_key,
            _data_dir_lock: data_dir_lock,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The appliance's store, for tools that work beside it while it runs (benchmarks).
    pub fn store(&self) -> Store {
        self.store.clone()
    }

    /// The key created on a first start, to show once.
    pub fn initial_api_key(&self) -> Option<&str> {
        self.initial_api_key.as_deref()
    }

    /// Serves until `shutdown` resolves, then stops in order: end event streams, stop accepting
    /// requests, stop firing schedules, stop retention, stop the scheduler (runs in progress are settled as
    /// interrupted), close the browsers, stop the webhooks (their final milestones stay in the
    /// outbox for the next start), commit the search index, checkpoint the database.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        let handle = self.server.handle();
        let server = tokio::spawn(self.server);
        let metrics_server = self.metrics_server.map(|server| (server.handle(), tokio::spawn(server)));
        shutdown.await;
        tracing::info!("shutting down");
        self.stopping.cancel();
        handle.stop(true).await;
        let _ = server.await;
        if let Some((handle, server)) = metrics_server {
            handle.stop(true).await;
            let _ = server.await;
        }
        self.schedules.shut_down(SCHEDULES_GRACE).await;
        self.retention.shut_down().await;
        self.scheduler.shut_down(SHUTDOWN_GRACE).await;
        self.sessions.shut_down().await;
        self.pool.shut_down().await;
        self.webhooks.shut_down(WEBHOOKS_GRACE).await;
        self.indexer.stop().await;
        self.store.checkpoint().await?;
        tracing::info!("stopped");
        Ok(())
    }
}
