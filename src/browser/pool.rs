//! The browser pool: one slot per concurrent run, each with a warm Chromium process.
//!
//! The pool owns the idle browsers. A run is admitted by taking a slot (`acquire_slot`), then
//! gets a fresh, isolated browser context on the slot's browser (`open`), so no cookie or
//! storage passes between runs. An idle browser keeps one never-used context and page ready,
//! opened while nobody waited, so a run starts without waiting for Chromium to make one.
//! Closing the run's browser disposes its context and gives the browser back; a browser that
//! died is dropped (which kills its process) and a new one launched. Either way the slot frees
//! only once the browser is idle again with its next context ready, so the pool never holds more
//! browsers than slots.
//!
//! Remote endpoints (`browser.remote`) add slots (see `slots`): a run on one connects to it, gets
//! a context there, and disposes it and hangs up when it ends. Each endpoint is checked every
//! `browser.remote_check_seconds`; one that does not answer, that refuses a run's connection or
//! whose connection broke during a run takes no new runs until a check finds it answering. A run
//! may also name a remote browser of its own (`browser_address`): it still takes a slot, and gets
//! a context there.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chromiumoxide::Browser;
use chromiumoxide::cdp::browser_protocol::browser::{
    BrowserContextId, SetDownloadBehaviorBehavior, SetDownloadBehaviorParams,
};
use chromiumoxide::cdp::browser_protocol::target::{CreateBrowserContextParams, CreateTargetParams};
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::BrowserError;
use super::launch::{Launcher, Liveness, LocalChromium};
use super::page::{PageSettings, RunPage};
use super::remote::{self, RemoteBrowser};
use super::slots::{Place, Slot, Slots};

/// Counters for health checks and tests.
#[derive(Debug, Default, serde::Serialize)]
pub struct PoolStats {
    /// Local and remote slots together; `free_slots` counts no slot of an endpoint that is down.
    pub slots: usize,
    pub free_slots: usize,
    /// Slots with a local Chromium each (`browser.pool_size`).
    pub local_slots: usize,
    /// Each remote endpoint's slots and health, in the order of `browser.remote`.
    pub remote_endpoints: Vec<EndpointStats>,
    pub idle_browsers: usize,
    pub browsers_launched: u64,
    /// Contexts given to runs (not counting the one each idle browser keeps ready).
    pub contexts_opened: u64,
    /// Run contexts whose disposal the browser confirmed (or whose browser is gone).
    pub contexts_closed: u64,
}

/// A remote endpoint in the pool's counters.
#[derive(Debug, serde::Serialize)]
pub struct EndpointStats {
    /// Without user name, password or query (where a token may be).
    pub address: String,
    pub slots: usize,
    /// Runs on it now.
    pub busy: usize,
    /// Whether it takes new runs.
    pub up: bool,
    /// When it was last checked (or found broken by a run), and what was wrong then.
    pub checked_at: Option<String>,
    pub error: Option<String>,
}

/// Where a run's browser lives.
pub enum BrowserLocation {
    /// The pool's own: a warm local Chromium or a remote endpoint, wherever the slot is.
    Pooled,
    /// A Chromium reached over CDP at this address (`ws://…` or `http://…`).
    Remote(String),
}

/// A run's browser: its own context and page, on a pooled or remote Chromium.
pub struct RunBrowser {
    pub page: RunPage,
    context_id: BrowserContextId,
    host: Host,
    pool: BrowserPool,
    slot: Slot,
}

/// A browser context and its page that no run has used yet.
struct FreshContext {
    id: BrowserContextId,
    page: RunPage,
}

/// An idle local browser with the fresh context it keeps for its next run.
struct IdleBrowser {
    chromium: LocalChromium,
    fresh: Option<FreshContext>,
}

enum Host {
    Local(LocalChromium),
    Remote(RemoteBrowser),
}

impl Host {
    fn browser(&self) -> &Arc<Browser> {
        match self {
            Host::Local(chromium) => &chromium.browser,
            Host::Remote(remote) => &remote.browser,
        }
    }

    fn liveness(&self) -> &Liveness {
        match self {
            Host::Local(chromium) => &chromium.liveness,
            Host::Remote(remote) => &remote.liveness,
        }
    }
}

/// A remote endpoint of the pool.
struct Endpoint {
    address: String,
    health: std::sync::Mutex<Health>,
}

#[derive(Default)]
struct Health {
    checked_at: Option<String>,
    error: Option<String>,
}

/// The pool's remote endpoints: each one's address and slots, and how often they are checked.
#[derive(Debug, Clone, Default)]
pub struct RemoteEndpoints {
    pub endpoints: Vec<(String, usize)>,
    pub check_every: Duration,
}

#[derive(Clone)]
pub struct BrowserPool {
    inner: Arc<PoolInner>,
}

struct PoolInner {
    launcher: Arc<Launcher>,
    slots: Arc<Slots>,
    idle: Mutex<Vec<IdleBrowser>>,
    page_settings: PageSettings,
    contexts_opened: AtomicU64,
    contexts_closed: AtomicU64,
    /// Browsers being made idle again or replaced; shutdown waits for them.
    returning: TaskTracker,
    endpoints: Vec<Endpoint>,
    check_every: Duration,
    /// Asks the endpoints' checks to stop.
    stopping: CancellationToken,
    /// Looks up `http` endpoints' WebSocket addresses.
    http: reqwest::Client,
}

impl BrowserPool {
    /// A pool of local browsers only.
    pub fn new(launcher: Arc<Launcher>, slot_count: usize, page_settings: PageSettings) -> BrowserPool {
        Self::with_remote(launcher, slot_count, RemoteEndpoints::default(), page_settings)
    }

    pub fn with_remote(
        launcher: Arc<Launcher>,
        local_slots: usize,
        remote: RemoteEndpoints,
        page_settings: PageSettings,
    ) -> BrowserPool {
        let capacities: Vec<usize> = remote.endpoints.iter().map(|(_, slots)| *slots).collect();
        let endpoints = remote
            .endpoints
            .into_iter()
            .map(|(address, _)| Endpoint { address, health: std::sync::Mutex::default() })
            .collect();
        BrowserPool {
            inner: Arc::new(PoolInner {
                launcher,
                slots: Slots::new(local_slots, &capacities),
                idle: Mutex::new(Vec::new()),
                page_settings,
                contexts_opened: AtomicU64::new(0),
                contexts_closed: AtomicU64::new(0),
                returning: TaskTracker::new(),
                endpoints,
                check_every: remote.check_every,
                stopping: CancellationToken::new(),
                http: reqwest::Client::builder()
                    .timeout(Duration::from_secs(30))
                    .build()
                    .unwrap_or_else(|_| reqwest::Client::new()),
            }),
        }
    }

    /// Launches one browser per local slot, concurrently, each with a fresh context ready, and
    /// checks every remote endpoint once; then keeps checking them in the background.
    pub async fn warm_up(&self) {
        let checks = (0..self.inner.endpoints.len()).map(|index| self.check(index));
        let launches = (0..self.inner.slots.local().capacity).map(|_| async {
            match self.inner.launcher.launch().await {
                Ok(chromium) => {
                    let idle = self.prepare(chromium).await;
                    self.inner.idle.lock().await.push(idle);
                }
                Err(error) => tracing::error!(%error, "could not warm up a browser"),
            }
        });
        tokio::join!(futures::future::join_all(launches), futures::future::join_all(checks));
        for index in 0..self.inner.endpoints.len() {
            let pool = self.clone();
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        () = tokio::time::sleep(pool.inner.check_every) => pool.check(index).await,
                        () = pool.inner.stopping.cancelled() => return,
                    }
                }
            });
        }
    }

    /// Checks a remote endpoint and notes what it found.
    async fn check(&self, index: usize) {
        let checked = remote::check(&self.inner.http, &self.inner.endpoints[index].address).await;
        self.note_health(index, checked);
    }

    /// Marks an endpoint up or down (with why), and logs the change.
    fn note_health(&self, index: usize, health: Result<(), String>) {
        let endpoint = &self.inner.endpoints[index];
        let up = health.is_ok();
        let changed = self.inner.slots.set_up(index, up);
        let shown = remote::shown(&endpoint.address);
        match &health {
            Err(error) if changed => tracing::warn!(endpoint = %shown, %error, "a remote browser endpoint is down"),
            Ok(()) if changed => tracing::info!(endpoint = %shown, "a remote browser endpoint is up"),
            _ => {}
        }
        let mut noted = endpoint.health.lock().unwrap_or_else(|p| p.into_inner());
        noted.checked_at = Some(crate::clock::now());
        noted.error = health.err();
    }

    /// Waits for a free slot.
    pub async fn acquire_slot(&self) -> Slot {
        self.inner.slots.acquire().await
    }

    /// Gives a run that holds `slot` a fresh browser context and page. A remote endpoint that
    /// cannot be reached is marked down and the run waits for another slot.
    pub async fn open(&self, mut slot: Slot, location: BrowserLocation) -> Result<RunBrowser, BrowserError> {
        let (host, fresh) = loop {
            match (&location, slot.place) {
                (BrowserLocation::Remote(address), _) => {
                    break (Host::Remote(remote::connect(&self.inner.http, address).await?), None);
                }
                (BrowserLocation::Pooled, Place::Local) => {
                    let idle = self.take_idle_or_launch().await?;
                    break (Host::Local(idle.chromium), idle.fresh);
                }
                (BrowserLocation::Pooled, Place::Remote(index)) => {
                    match remote::connect(&self.inner.http, &self.inner.endpoints[index].address).await {
                        Ok(remote) => break (Host::Remote(remote), None),
                        Err(error) => {
                            self.note_health(index, Err(error.to_string()));
                            drop(slot);
                            slot = self.acquire_slot().await;
                        }
                    }
                }
            }
        };
        let fresh = match fresh {
            Some(fresh) => Ok(fresh),
            None => self.fresh_context(&host).await,
        };
        match fresh {
            Ok(FreshContext { id, page }) => {
                self.inner.contexts_opened.fetch_add(1, Ordering::Relaxed);
                Ok(RunBrowser { page, context_id: id, host, pool: self.clone(), slot })
            }
            Err(error) => {
                self.give_back(host, slot).await;
                Err(error)
            }
        }
    }

    async fn fresh_context(&self, host: &Host) -> Result<FreshContext, BrowserError> {
        match host {
            Host::Local(chromium) => {
                self.fresh_context_on(&chromium.browser, &chromium.liveness, &self.inner.page_settings, true).await
            }
            Host::Remote(remote) => {
                let mut settings = self.inner.page_settings.clone();
                settings.off_limits = settings.off_limits.map(|off_limits| {
                    Arc::new(off_limits.for_remote_browser(&[&remote.address, remote.browser.websocket_address()]))
                });
                self.fresh_context_on(&remote.browser, &remote.liveness, &settings, false).await
            }
        }
    }

    /// Creates a new browser context with one blank page, set up for a run. A local browser
    /// saves the context's downloads in a folder of its own.
    async fn fresh_context_on(
        &self,
        browser: &Arc<Browser>,
        liveness: &Liveness,
        settings: &PageSettings,
        local: bool,
    ) -> Result<FreshContext, BrowserError> {
        let id = browser
            .create_browser_context(CreateBrowserContextParams::default())
            .await
            .map_err(|e| BrowserError::Cdp(format!("cannot create a browser context: {e}")))?;
        let download_dir = if local {
            let dir = self
                .inner
                .page_settings
                .downloads_root
                .join(id.inner().replace(|c: char| !c.is_ascii_alphanumeric(), ""));
            let allowed = async {
                tokio::fs::create_dir_all(&dir)
                    .await
                    .map_err(|e| BrowserError::Cdp(format!("download folder: {e}")))?;
                let behavior = SetDownloadBehaviorParams::builder()
                    .behavior(SetDownloadBehaviorBehavior::Allow)
                    .browser_context_id(id.clone())
                    .download_path(dir.to_string_lossy())
                    .build()
                    .map_err(BrowserError::Cdp)?;
                browser.execute(behavior).await.map_err(|e| BrowserError::Cdp(format!("downloads: {e}")))
            };
            if let Err(error) = allowed.await {
                let _ = browser.dispose_browser_context(id).await;
                return Err(error);
            }
            Some(dir)
        } else {
            None
        };
        let target = CreateTargetParams::builder()
            .url("about:blank")
            .browser_context_id(id.clone())
            .build()
            .map_err(BrowserError::Cdp)?;
        let page = match browser.new_page(target).await {
            Ok(page) => RunPage::new(page, browser.clone(), id.clone(), liveness.clone(), settings, download_dir).await,
            Err(e) => Err(BrowserError::Cdp(format!("cannot open a page: {e}"))),
        };
        match page {
            Ok(page) => Ok(FreshContext { id, page }),
            Err(error) => {
                let _ = browser.dispose_browser_context(id).await;
                Err(error)
            }
        }
    }

    /// An idle browser with its next context ready (or none, if making it failed: the run
    /// that takes the browser then makes its own).
    async fn prepare(&self, chromium: LocalChromium) -> IdleBrowser {
        let settings = &self.inner.page_settings;
        let fresh = match self.fresh_context_on(&chromium.browser, &chromium.liveness, settings, true).await {
            Ok(fresh) => Some(fresh),
            Err(error) => {
                tracing::warn!(%error, "could not prepare a browser context ahead of time");
                None
            }
        };
        IdleBrowser { chromium, fresh }
    }

    async fn take_idle_or_launch(&self) -> Result<IdleBrowser, BrowserError> {
        loop {
            let idle = self.inner.idle.lock().await.pop();
            match idle {
                Some(idle) if idle.chromium.liveness.is_alive() => return Ok(idle),
                Some(dead) => dead.chromium.shut_down().await,
                None => return Ok(IdleBrowser { chromium: self.inner.launcher.launch().await?, fresh: None }),
            }
        }
    }

    /// Makes a browser idle again (or replaces it if it died) in the background, then frees
    /// the slot. A remote browser's connection is hung up; one that broke marks its endpoint down
    /// until its next check.
    async fn give_back(&self, host: Host, slot: Slot) {
        // Between runs, what the browser logs is nobody's.
        host.liveness().log_span.set(tracing::Span::none());
        match host {
            Host::Local(chromium) if chromium.liveness.is_alive() => {
                let pool = self.clone();
                self.inner.returning.spawn(async move {
                    let idle = pool.prepare(chromium).await;
                    pool.inner.idle.lock().await.push(idle);
                    drop(slot);
                });
            }
            Host::Local(broken) => self.replace(broken, slot).await,
            Host::Remote(remote) => {
                if let Place::Remote(index) = slot.place
                    && !remote.liveness.is_alive()
                {
                    let broke = format!("the connection to the browser at {} broke during a run", remote.shown);
                    self.note_health(index, Err(broke));
                }
            }
        }
    }

    /// Ends a broken browser's process and launches a fresh one in the background.
    async fn replace(&self, broken: LocalChromium, slot: Slot) {
        broken.shut_down().await;
        let pool = self.clone();
        self.inner.returning.spawn(async move {
            match pool.inner.launcher.launch().await {
                Ok(fresh) => {
                    let idle = pool.prepare(fresh).await;
                    pool.inner.idle.lock().await.push(idle);
                }
                Err(error) => tracing::error!(%error, "could not replace a broken browser"),
            }
            drop(slot);
        });
    }

    pub async fn stats(&self) -> PoolStats {
        let local = self.inner.slots.local();
        let remote = self.inner.slots.remote();
        let remote_endpoints: Vec<EndpointStats> = remote
            .iter()
            .zip(&self.inner.endpoints)
            .map(|(usage, endpoint)| {
                let health = endpoint.health.lock().unwrap_or_else(|p| p.into_inner());
                EndpointStats {
                    address: remote::shown(&endpoint.address),
                    slots: usage.capacity,
                    busy: usage.busy,
                    up: usage.up,
                    checked_at: health.checked_at.clone(),
                    error: health.error.clone(),
                }
            })
            .collect();
        let free = |usage: &super::slots::Usage| if usage.up { usage.capacity.saturating_sub(usage.busy) } else { 0 };
        PoolStats {
            slots: local.capacity + remote.iter().map(|usage| usage.capacity).sum::<usize>(),
            free_slots: free(&local) + remote.iter().map(free).sum::<usize>(),
            local_slots: local.capacity,
            remote_endpoints,
            idle_browsers: self.inner.idle.lock().await.len(),
            browsers_launched: self.inner.launcher.launched(),
            contexts_opened: self.inner.contexts_opened.load(Ordering::Relaxed),
            contexts_closed: self.inner.contexts_closed.load(Ordering::Relaxed),
        }
    }

    /// Waits for browsers on their way back, then closes every idle browser. Runs still holding
    /// a browser (past the shutdown grace) close theirs as they end.
    pub async fn shut_down(&self) {
        self.inner.stopping.cancel();
        self.inner.returning.close();
        self.inner.returning.wait().await;
        let idle: Vec<IdleBrowser> = std::mem::take(&mut *self.inner.idle.lock().await);
        futures::future::join_all(idle.into_iter().map(|idle| idle.chromium.shut_down())).await;
    }
}

impl RunBrowser {
    pub fn is_alive(&self) -> bool {
        self.host.liveness().is_alive()
    }

    /// Resolves once the browser is gone (crashed, killed, or its connection broke).
    pub async fn gone(&self) {
        self.host.liveness().gone().await
    }

    /// The browser's own CDP WebSocket address (its whole process: every context on it).
    pub fn cdp_address(&self) -> String {
        self.host.browser().websocket_address().clone()
    }

    /// The address of the remote browser the run drives (as shown: without a token); none for a
    /// local one.
    pub fn remote_address(&self) -> Option<&str> {
        match &self.host {
            Host::Local(_) => None,
            Host::Remote(remote) => Some(&remote.shown),
        }
    }

    /// Closes the page and ends the browser's process instead of giving it back: a browser that
    /// a client drove over CDP may keep what that client did (contexts, settings), so no later run
    /// gets it. A fresh one replaces it before the slot frees. A remote browser is never ended:
    /// the run's context is disposed and the connection hung up, as at `close`.
    pub async fn retire(self) {
        if matches!(self.host, Host::Remote(_)) {
            return self.close().await;
        }
        let RunBrowser { page, host, pool, slot, .. } = self;
        page.close().await;
        pool.inner.contexts_closed.fetch_add(1, Ordering::Relaxed);
        if let Host::Local(chromium) = host {
            pool.replace(chromium, slot).await;
        }
    }

    /// Disposes the run's context (its cookies and storage go with it) and frees the slot.
    pub async fn close(self) {
        let RunBrowser { page, context_id, host, pool, slot } = self;
        page.close().await;
        if host.liveness().is_alive() {
            let disposed =
                tokio::time::timeout(Duration::from_secs(5), host.browser().dispose_browser_context(context_id));
            if !matches!(disposed.await, Ok(Ok(()))) {
                match host {
                    Host::Local(chromium) => {
                        tracing::warn!("a browser context could not be disposed; replacing its browser");
                        pool.replace(chromium, slot).await;
                    }
                    Host::Remote(remote) => {
                        tracing::warn!(endpoint = %remote.shown, "a remote browser context could not be disposed");
                    }
                }
                return;
            }
        }
        pool.inner.contexts_closed.fetch_add(1, Ordering::Relaxed);
        pool.give_back(host, slot).await;
    }
}
