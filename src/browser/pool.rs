//! The browser pool: one slot per concurrent run, each with a warm Chromium process.
//!
//! The pool owns the idle browsers. A run is admitted by taking a slot (`acquire_slot`), then
//! gets a fresh, isolated browser context on the slot's browser (`open`), so no cookie or
//! storage passes between runs. An idle browser keeps one never-used context and page ready,
//! opened while nobody waited, so a run starts without waiting for Chromium to make one.
//! Closing the run's browser disposes its context and gives the browser back; a browser that
//! died is dropped (which kills its process) and a new one launched. Either way the slot frees
//! only once the browser is idle again with its next context ready, so the pool never holds more
//! browsers than slots. A run may instead name a remote browser (`browser_address`): it still
//! takes a slot, and gets a context there.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chromiumoxide::Browser;
use chromiumoxide::cdp::browser_protocol::browser::{
    BrowserContextId, SetDownloadBehaviorBehavior, SetDownloadBehaviorParams,
};
use chromiumoxide::cdp::browser_protocol::target::{CreateBrowserContextParams, CreateTargetParams};
use tokio::sync::{Mutex, OwnedSemaphorePermit, Semaphore};
use tokio_util::task::TaskTracker;

use super::BrowserError;
use super::launch::{Launcher, Liveness, LocalChromium, drive_connection};
use super::page::{PageSettings, RunPage};

/// Counters for health checks and tests.
#[derive(Debug, Default, serde::Serialize)]
pub struct PoolStats {
    pub slots: usize,
    pub free_slots: usize,
    pub idle_browsers: usize,
    pub browsers_launched: u64,
    /// Contexts given to runs (not counting the one each idle browser keeps ready).
    pub contexts_opened: u64,
    /// Run contexts whose disposal the browser confirmed (or whose browser is gone).
    pub contexts_closed: u64,
}

/// The right to drive one browser; the slot frees when this is dropped.
pub struct Slot {
    _permit: OwnedSemaphorePermit,
}

/// Where a run's browser lives.
pub enum BrowserLocation {
    /// A warm local Chromium from the pool.
    Local,
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
    Remote { browser: Arc<Browser>, liveness: Liveness },
}

impl Host {
    fn browser(&self) -> &Arc<Browser> {
        match self {
            Host::Local(chromium) => &chromium.browser,
            Host::Remote { browser, .. } => browser,
        }
    }

    fn liveness(&self) -> &Liveness {
        match self {
            Host::Local(chromium) => &chromium.liveness,
            Host::Remote { liveness, .. } => liveness,
        }
    }
}

#[derive(Clone)]
pub struct BrowserPool {
    inner: Arc<PoolInner>,
}

struct PoolInner {
    launcher: Arc<Launcher>,
    slots: Arc<Semaphore>,
    slot_count: usize,
    idle: Mutex<Vec<IdleBrowser>>,
    page_settings: PageSettings,
    contexts_opened: AtomicU64,
    contexts_closed: AtomicU64,
    /// Browsers being made idle again or replaced; shutdown waits for them.
    returning: TaskTracker,
}

impl BrowserPool {
    pub fn new(launcher: Arc<Launcher>, slot_count: usize, page_settings: PageSettings) -> BrowserPool {
        BrowserPool {
            inner: Arc::new(PoolInner {
                launcher,
                slots: Arc::new(Semaphore::new(slot_count)),
                slot_count,
                idle: Mutex::new(Vec::new()),
                page_settings,
                contexts_opened: AtomicU64::new(0),
                contexts_closed: AtomicU64::new(0),
                returning: TaskTracker::new(),
            }),
        }
    }

    /// Launches one browser per slot, concurrently, each with a fresh context ready.
    pub async fn warm_up(&self) {
        let launches = (0..self.inner.slot_count).map(|_| async {
            match self.inner.launcher.launch().await {
                Ok(chromium) => {
                    let idle = self.prepare(chromium).await;
                    self.inner.idle.lock().await.push(idle);
                }
                Err(error) => tracing::error!(%error, "could not warm up a browser"),
            }
        });
        futures::future::join_all(launches).await;
    }

    /// Waits for a free slot.
    pub async fn acquire_slot(&self) -> Slot {
        let permit = self.inner.slots.clone().acquire_owned().await.expect("the slot semaphore is never closed");
        Slot { _permit: permit }
    }

    /// Gives a run that holds `slot` a fresh browser context and page.
    pub async fn open(&self, slot: Slot, location: BrowserLocation) -> Result<RunBrowser, BrowserError> {
        let (host, fresh) = match location {
            BrowserLocation::Local => {
                let idle = self.take_idle_or_launch().await?;
                (Host::Local(idle.chromium), idle.fresh)
            }
            BrowserLocation::Remote(address) => {
                let (browser, handler) = Browser::connect(address.clone())
                    .await
                    .map_err(|e| BrowserError::Launch(format!("cannot reach the browser at {address}: {e}")))?;
                (Host::Remote { browser: Arc::new(browser), liveness: drive_connection(handler) }, None)
            }
        };
        let fresh = match fresh {
            Some(fresh) => Ok(fresh),
            None => self.fresh_context(host.browser(), host.liveness(), matches!(host, Host::Local(_))).await,
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

    /// Creates a new browser context with one blank page, set up for a run. A local browser
    /// saves the context's downloads in a folder of its own.
    async fn fresh_context(
        &self,
        browser: &Arc<Browser>,
        liveness: &Liveness,
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
            Ok(page) => {
                RunPage::new(
                    page,
                    browser.clone(),
                    id.clone(),
                    liveness.clone(),
                    &self.inner.page_settings,
                    download_dir,
                )
                .await
            }
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
        let fresh = match self.fresh_context(&chromium.browser, &chromium.liveness, true).await {
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
    /// the slot.
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
            Host::Remote { .. } => {}
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
        PoolStats {
            slots: self.inner.slot_count,
            free_slots: self.inner.slots.available_permits(),
            idle_browsers: self.inner.idle.lock().await.len(),
            browsers_launched: self.inner.launcher.launched(),
            contexts_opened: self.inner.contexts_opened.load(Ordering::Relaxed),
            contexts_closed: self.inner.contexts_closed.load(Ordering::Relaxed),
        }
    }

    /// Waits for browsers on their way back, then closes every idle browser. Runs still holding
    /// a browser (past the shutdown grace) close theirs as they end.
    pub async fn shut_down(&self) {
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

    /// Closes the page and ends the browser's process instead of giving it back: a browser that
    /// a client drove over CDP may keep what that client did (contexts, settings), so no later run
    /// gets it. A fresh one replaces it before the slot frees.
    pub async fn retire(self) {
        let RunBrowser { page, host, pool, slot, .. } = self;
        page.close().await;
        pool.inner.contexts_closed.fetch_add(1, Ordering::Relaxed);
        match host {
            Host::Local(chromium) => pool.replace(chromium, slot).await,
            Host::Remote { .. } => drop(slot),
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
                tracing::warn!("a browser context could not be disposed; replacing its browser");
                if let Host::Local(chromium) = host {
                    pool.replace(chromium, slot).await;
                }
                return;
            }
        }
        pool.inner.contexts_closed.fetch_add(1, Ordering::Relaxed);
        pool.give_back(host, slot).await;
    }
}
