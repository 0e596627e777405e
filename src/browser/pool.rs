//! The browser pool: one slot per concurrent run, each with a warm Chromium process.
//!
//! The pool owns the idle browsers. A run is admitted by taking a slot (`acquire_slot`), then
//! opens a fresh, isolated browser context on the slot's browser (`open`), so no cookie or
//! storage passes between runs. Closing the run's browser disposes the context and gives the
//! browser back; a browser that died is dropped (which kills its process) and a new one is
//! launched in the background, so the next run starts warm again. A run may instead name a
//! remote browser (`browser_address`): it still takes a slot, and gets a context there.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chromiumoxide::Browser;
use chromiumoxide::cdp::browser_protocol::target::{CreateBrowserContextParams, CreateTargetParams};
use tokio::sync::{Mutex, OwnedSemaphorePermit, Semaphore};

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
    pub contexts_opened: u64,
    /// Contexts whose disposal the browser confirmed (or whose browser is gone).
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
    context_id: chromiumoxide::cdp::browser_protocol::browser::BrowserContextId,
    host: Host,
    pool: BrowserPool,
    slot: Slot,
}

enum Host {
    Local(LocalChromium),
    Remote { browser: Browser, liveness: Liveness },
}

impl Host {
    fn browser(&self) -> &Browser {
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
    idle: Mutex<Vec<LocalChromium>>,
    page_settings: PageSettings,
    contexts_opened: AtomicU64,
    contexts_closed: AtomicU64,
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
            }),
        }
    }

    /// Launches one browser per slot, concurrently, so the first runs start warm.
    pub async fn warm_up(&self) {
        let launches = (0..self.inner.slot_count).map(|_| self.inner.launcher.launch());
        for result in futures::future::join_all(launches).await {
            match result {
                Ok(chromium) => self.inner.idle.lock().await.push(chromium),
                Err(error) => tracing::error!(%error, "could not warm up a browser"),
            }
        }
    }

    /// Waits for a free slot.
    pub async fn acquire_slot(&self) -> Slot {
        let permit = self.inner.slots.clone().acquire_owned().await.expect("the slot semaphore is never closed");
        Slot { _permit: permit }
    }

    /// Opens a fresh browser context and page for a run that holds `slot`.
    pub async fn open(&self, slot: Slot, location: BrowserLocation) -> Result<RunBrowser, BrowserError> {
        let host = match location {
            BrowserLocation::Local => Host::Local(self.take_idle_or_launch().await?),
            BrowserLocation::Remote(address) => {
                let (browser, handler) = Browser::connect(address.clone())
                    .await
                    .map_err(|e| BrowserError::Launch(format!("cannot reach the browser at {address}: {e}")))?;
                Host::Remote { browser, liveness: drive_connection(handler) }
            }
        };
        let opened = self.open_context(host.browser()).await;
        let (context_id, page) = match opened {
            Ok(opened) => opened,
            Err(error) => {
                self.give_back(host, slot).await;
                return Err(error);
            }
        };
        self.inner.contexts_opened.fetch_add(1, Ordering::Relaxed);
        let page = RunPage::new(page, host.liveness().clone(), &self.inner.page_settings).await;
        match page {
            Ok(page) => Ok(RunBrowser { page, context_id, host, pool: self.clone(), slot }),
            Err(error) => {
                let _ = host.browser().dispose_browser_context(context_id).await;
                self.give_back(host, slot).await;
                Err(error)
            }
        }
    }

    async fn open_context(
        &self,
        browser: &Browser,
    ) -> Result<(chromiumoxide::cdp::browser_protocol::browser::BrowserContextId, chromiumoxide::Page), BrowserError>
    {
        let context_id = browser
            .create_browser_context(CreateBrowserContextParams::default())
            .await
            .map_err(|e| BrowserError::Cdp(format!("cannot create a browser context: {e}")))?;
        let target = CreateTargetParams::builder()
            .url("about:blank")
            .browser_context_id(context_id.clone())
            .build()
            .map_err(BrowserError::Cdp)?;
        match browser.new_page(target).await {
            Ok(page) => Ok((context_id, page)),
            Err(e) => {
                let _ = browser.dispose_browser_context(context_id).await;
                Err(BrowserError::Cdp(format!("cannot open a page: {e}")))
            }
        }
    }

    async fn take_idle_or_launch(&self) -> Result<LocalChromium, BrowserError> {
        loop {
            let idle = self.inner.idle.lock().await.pop();
            match idle {
                Some(chromium) if chromium.liveness.is_alive() => return Ok(chromium),
                Some(dead) => dead.shut_down().await,
                None => return self.inner.launcher.launch().await,
            }
        }
    }

    /// Returns a browser to the idle list, or replaces it if it died; then frees the slot.
    async fn give_back(&self, host: Host, slot: Slot) {
        match host {
            Host::Local(chromium) if chromium.liveness.is_alive() => self.inner.idle.lock().await.push(chromium),
            Host::Local(broken) => self.replace(broken, slot).await,
            Host::Remote { .. } => {}
        }
    }

    /// Ends a broken browser's process and launches a fresh one in the background. The slot
    /// stays taken until the fresh browser is idle, so the next run gets it warm and the pool
    /// never holds more browsers than slots.
    async fn replace(&self, broken: LocalChromium, slot: Slot) {
        broken.shut_down().await;
        let pool = self.clone();
        tokio::spawn(async move {
            match pool.inner.launcher.launch().await {
                Ok(fresh) => pool.inner.idle.lock().await.push(fresh),
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

    /// Closes every idle browser; runs still holding one close theirs as they end.
    pub async fn shut_down(&self) {
        let idle: Vec<LocalChromium> = std::mem::take(&mut *self.inner.idle.lock().await);
        futures::future::join_all(idle.into_iter().map(LocalChromium::shut_down)).await;
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
