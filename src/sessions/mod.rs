//! Browser sessions (Skyvern's persistent browser sessions, `pbs_…`): a browser context opened on
//! its own, holding a browser slot, whose cookies, storage and tabs outlive the runs that use it.
//!
//! Runs that name a session take turns: each holds the session's **turn** (a fair lock, so they
//! go in the order they asked) for as long as it runs, and drives the session's page. One
//! **keeper** task per session owns its end: it waits for the session's timeout (which `extend`
//! moves), a close, the loss of its browser or the appliance's shutdown; then it tells the run
//! holding the turn to stop (that run ends `canceled`), waits for the turn, ends the session's
//! Chromium (a fresh one takes its slot, so whatever hours of browsing piled up in that process
//! go back to the system, and nothing a CDP client did to it reaches a later run) and records how
//! the session ended. A run that asks for a session's
//! turn after it ended is refused. At start-up, sessions a previous process left open are
//! recorded `interrupted`: their browser went with that process.
//!
//! Between runs, an **attendant** shows the session's page to the viewers of its live view and
//! lets one of them drive it, holding the turn meanwhile (see `attendant`). With
//! `sessions.expose_cdp`, a session also has an unguessable token that opens its browser's CDP
//! endpoint to a client (`cdp_address`).
//!
//! A session may start from a browser profile (its cookies and local storage put into the new
//! context before the first page opens). Its keeper keeps the session's storage when it ends,
//! before closing the context, if it was asked to (`generate_browser_profile`, which may be
//! changed while it is open) or if it started from a profile; a profile can be made from that.

mod attendant;
mod model;

pub use model::{
    DEFAULT_TIMEOUT_MINUTES, InvalidSession, MAX_TIMEOUT_MINUTES, MIN_TIMEOUT_MINUTES, Session, SessionRequest,
    SessionSpec, SessionStatus,
};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedMutexGuard, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::browser::{BrowserError, BrowserLocation, BrowserPool, BrowserStorage, RunBrowser, RunPage};
use crate::config::SessionsConfig;
use crate::ids::{RunId, SessionId};
use crate::live::LiveRun;
use crate::profiles::{ProfileError, Profiles};
use crate::recording::Recorder;
use crate::store::{Store, StoreError};

/// Why a session could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("no browser slot became free within {0} s; close a session or wait for runs to end")]
    NoSlot(u64),
    #[error("the session's browser could not be opened: {0}")]
    Browser(#[from] BrowserError),
    /// The page the session was to open at did not load; nothing was kept.
    #[error("the session's url could not be opened: {0}")]
    Unreachable(BrowserError),
    #[error("browser session {0} is not open")]
    NotOpen(SessionId),
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The open sessions and their keepers.
#[derive(Clone)]
pub struct Sessions {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    pool: BrowserPool,
    profiles: Profiles,
    /// How long one minute of a `timeout` lasts.
    minute: Duration,
    /// How long opening a session waits for a free browser slot.
    slot_wait: Duration,
    open: Mutex<HashMap<SessionId, Arc<OpenSession>>>,
    keepers: TaskTracker,
    shutdown: CancellationToken,
    /// Records a person driving a session.
    recorder: Recorder,
    /// JPEG quality of the live view's frames.
    jpeg_quality: u8,
    /// Whether sessions open their browser's CDP endpoint to clients.
    expose_cdp: bool,
}

/// A session while it is open.
struct OpenSession {
    id: SessionId,
    /// Taken out by the keeper, holding the last turn, to close it.
    browser: Mutex<Option<Arc<RunBrowser>>>,
    /// Runs take turns; the keeper takes the last one to close the browser.
    turn: Arc<tokio::sync::Mutex<()>>,
    /// When it times out; `extend` moves it.
    expires_at: watch::Sender<Instant>,
    /// Cancelled when the session is to end: the run holding the turn stops.
    ending: CancellationToken,
    /// Cancelled once its end is recorded and its browser closed.
    ended: CancellationToken,
    /// The run holding the turn, if any.
    current_run: watch::Sender<Option<RunId>>,
    /// How many runs wait for the turn: the attendant gives it up to them unless a person drives.
    waiting_runs: watch::Sender<usize>,
    /// How many viewers watch the session's live view.
    viewers: watch::Sender<usize>,
    /// The live view of the session's page between runs.
    live: Arc<LiveRun>,
    /// Opens the browser's CDP endpoint (with `sessions.expose_cdp`).
    cdp_token: Option<String>,
}

/// A run's turn on a session: its page, until the run ends or the session does.
pub struct SessionTurn {
    browser: Arc<RunBrowser>,
    ending: CancellationToken,
    session: Arc<OpenSession>,
    _turn: OwnedMutexGuard<()>,
}

/// A viewer of a session's live view, counted while it watches.
pub struct SessionView {
    /// The page between runs, and who steers it.
    pub live: Arc<LiveRun>,
    /// The run holding the session's turn, as it changes.
    pub turn: watch::Receiver<Option<RunId>>,
    session: Arc<OpenSession>,
}

impl Drop for SessionView {
    fn drop(&mut self) {
        self.session.viewers.send_modify(|viewers| *viewers -= 1);
    }
}

/// A run counted among those waiting for a session's turn until it has it (or stops waiting).
struct WaitingRun<'a>(&'a OpenSession);

impl Drop for WaitingRun<'_> {
    fn drop(&mut self) {
        self.0.waiting_runs.send_modify(|waiting| *waiting -= 1);
    }
}

impl SessionTurn {
    pub fn page(&self) -> &RunPage {
        &self.browser.page
    }

    pub fn browser(&self) -> &RunBrowser {
        &self.browser
    }

    /// Resolves once the session ends (closed, timed out, its browser lost).
    pub async fn session_ended(&self) {
        self.ending.cancelled().await
    }
}

impl Drop for SessionTurn {
    fn drop(&mut self) {
        self.session.current_run.send_replace(None);
    }
}

impl Sessions {
    pub fn new(
        store: Store,
        pool: BrowserPool,
        profiles: Profiles,
        config: &SessionsConfig,
        recorder: Recorder,
        jpeg_quality: u8,
    ) -> Sessions {
        Sessions {
            inner: Arc::new(Inner {
                store,
                pool,
                profiles,
                minute: Duration::from_secs(config.timeout_unit_seconds),
                slot_wait: Duration::from_secs(config.slot_wait_seconds),
                open: Mutex::new(HashMap::new()),
                keepers: TaskTracker::new(),
                shutdown: CancellationToken::new(),
                recorder,
                jpeg_quality,
                expose_cdp: config.expose_cdp,
            }),
        }
    }

    /// Records the sessions a previous process left open as `interrupted`.
    pub async fn end_leftovers(&self) -> Result<usize, StoreError> {
        self.inner.store.interrupt_open_sessions("the appliance stopped while the session was open").await
    }

    /// Opens a session: takes a browser slot, opens a context (from the profile and at `url` if
    /// given), and starts its keeper.
    pub async fn open(&self, spec: &SessionSpec) -> Result<Session, SessionError> {
        let inner = &self.inner;
        let profile = match &spec.browser_profile_id {
            Some(id) => Some(inner.profiles.storage(id).await?),
            None => None,
        };
        let slot = tokio::time::timeout(inner.slot_wait, inner.pool.acquire_slot())
            .await
            .map_err(|_| SessionError::NoSlot(inner.slot_wait.as_secs()))?;
        let browser = inner.pool.open(slot, BrowserLocation::Pooled).await?;
        let prepared = async {
            if let Some(storage) = &profile {
                browser.page.restore(storage).await?;
            }
            match &spec.url {
                Some(url) => browser.page.goto(url).await.map_err(|error| match error {
                    BrowserError::Crashed => SessionError::Browser(error),
                    error => SessionError::Unreachable(error),
                }),
                None => Ok(()),
            }
        };
        if let Err(error) = prepared.await {
            browser.close().await;
            return Err(error);
        }
        let id = SessionId::generate();
        let lifetime = self.minutes(spec.timeout_minutes);
        let expires_at = crate::clock::format(time::OffsetDateTime::now_utc() + lifetime);
        let stored = match inner.store.insert_session(&id, spec, expires_at).await {
            Ok(stored) => stored,
            Err(error) => {
                browser.close().await;
                return Err(error.into());
            }
        };
        let session = Arc::new(OpenSession {
            id: id.clone(),
            browser: Mutex::new(Some(Arc::new(browser))),
            turn: Arc::new(tokio::sync::Mutex::new(())),
            expires_at: watch::Sender::new(Instant::now() + lifetime),
            ending: CancellationToken::new(),
            ended: CancellationToken::new(),
            current_run: watch::Sender::new(None),
            waiting_runs: watch::Sender::new(0),
            viewers: watch::Sender::new(0),
            live: Arc::new(LiveRun::default()),
            cdp_token: inner.expose_cdp.then(|| hex::encode(rand::random::<[u8; 24]>())),
        });
        inner.open.lock().unwrap_or_else(|p| p.into_inner()).insert(id.clone(), session.clone());
        let keeper = self.clone();
        let kept = session.clone();
        inner.keepers.spawn(async move { keeper.keep(kept).await });
        let attendant =
            attendant::Attendant { session, recorder: inner.recorder.clone(), jpeg_quality: inner.jpeg_quality };
        inner.keepers.spawn(attendant.attend());
        tracing::info!(session_id = %id, "browser session opened");
        Ok(stored)
    }

    fn open_session(&self, id: &SessionId) -> Result<Arc<OpenSession>, SessionError> {
        let open = self.inner.open.lock().unwrap_or_else(|p| p.into_inner());
        open.get(id).cloned().ok_or_else(|| SessionError::NotOpen(id.clone()))
    }

    fn minutes(&self, minutes: i64) -> Duration {
        self.inner.minute.saturating_mul(u32::try_from(minutes.max(0)).unwrap_or(u32::MAX))
    }

    /// Whether the session is open now.
    pub fn is_open(&self, id: &SessionId) -> bool {
        self.open_session(id).is_ok()
    }

    /// The run holding the session's turn, if any.
    pub fn current_run(&self, id: &SessionId) -> Option<RunId> {
        let session = self.open_session(id).ok()?;
        session.current_run.borrow().clone()
    }

    /// Starts watching the session's live view.
    pub fn watch(&self, id: &SessionId) -> Result<SessionView, SessionError> {
        let session = self.open_session(id)?;
        session.viewers.send_modify(|viewers| *viewers += 1);
        Ok(SessionView { live: session.live.clone(), turn: session.current_run.subscribe(), session })
    }

    /// The token that opens the session's CDP endpoint, if it is open and exposes one.
    pub fn cdp_token(&self, id: &SessionId) -> Option<String> {
        self.open_session(id).ok()?.cdp_token.clone()
    }

    /// The session's browser's own CDP address, if `token` is the session's.
    pub fn cdp_address(&self, id: &SessionId, token: &str) -> Option<String> {
        let session = self.open_session(id).ok()?;
        let expected = session.cdp_token.as_deref()?;
        if !bool::from(subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), token.as_bytes())) {
            return None;
        }
        let browser = session.browser.lock().unwrap_or_else(|p| p.into_inner()).clone()?;
        Some(browser.cdp_address())
    }

    /// Resolves once the session is ending (closed, timed out, its browser lost); at once if it
    /// is not open.
    pub async fn ending(&self, id: &SessionId) {
        if let Ok(session) = self.open_session(id) {
            session.ending.cancelled().await
        }
    }

    /// Waits for the run's turn on the session, in the order runs asked.
    pub async fn take_turn(&self, id: &SessionId, run_id: &RunId) -> Result<SessionTurn, SessionError> {
        let session = self.open_session(id)?;
        session.waiting_runs.send_modify(|waiting| *waiting += 1);
        let waiting = WaitingRun(&session);
        let turn = session.turn.clone().lock_owned().await;
        drop(waiting);
        let browser = session.browser.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let Some(browser) = browser.filter(|_| !session.ending.is_cancelled()) else {
            return Err(SessionError::NotOpen(id.clone()));
        };
        session.current_run.send_replace(Some(run_id.clone()));
        Ok(SessionTurn { browser, ending: session.ending.clone(), session: session.clone(), _turn: turn })
    }

    /// An open session's storage now (a run using it goes on).
    pub async fn storage(&self, id: &SessionId) -> Result<BrowserStorage, SessionError> {
        let session = self.open_session(id)?;
        let browser = session.browser.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let browser = browser.ok_or_else(|| SessionError::NotOpen(id.clone()))?;
        Ok(browser.page.storage().await?)
    }

    /// Says whether an open session keeps its storage when it ends.
    pub async fn keep_storage_at_end(&self, id: &SessionId, keep: bool) -> Result<Session, SessionError> {
        self.open_session(id)?;
        Ok(self.inner.store.set_generate_browser_profile(id, keep).await?)
    }

    /// Keeps the storage of a session ending now, if it is to be kept.
    async fn keep_final_storage(&self, id: &SessionId, browser: &RunBrowser) {
        let keep = match self.inner.store.session(id).await {
            Ok(session) => session.generate_browser_profile || session.browser_profile_id.is_some(),
            Err(error) => {
                tracing::warn!(session_id = %id, %error, "could not read whether the session keeps its storage");
                false
            }
        };
        if keep {
            self.inner.profiles.keep_final_storage_of(id.as_str(), browser).await;
        }
    }

    /// Closes a session at a person's request; a run using it stops.
    pub async fn close(&self, id: &SessionId) -> Result<Session, SessionError> {
        match self.open_session(id) {
            Ok(session) => {
                session.ending.cancel();
                session.ended.cancelled().await;
                Ok(self.inner.store.session(id).await?)
            }
            // Already ended: it answers as it is.
            Err(_) => Ok(self.inner.store.session(id).await?),
        }
    }

    /// Gives an open session `minutes` more, up to the longest lifetime from now.
    pub async fn extend(&self, id: &SessionId, minutes: i64) -> Result<Session, SessionError> {
        let session = self.open_session(id)?;
        let stored = self.inner.store.session(id).await?;
        let now = Instant::now();
        let left = session.expires_at.borrow().saturating_duration_since(now);
        let left = (left + self.minutes(minutes.max(0))).min(self.minutes(MAX_TIMEOUT_MINUTES));
        session.expires_at.send_replace(now + left);
        let expires_at = crate::clock::format(time::OffsetDateTime::now_utc() + left);
        let timeout = stored.timeout_minutes + minutes.max(0);
        Ok(self.inner.store.extend_session(id, timeout, expires_at).await?)
    }

    /// Owns a session's end: see the module's description.
    async fn keep(&self, session: Arc<OpenSession>) {
        let id = session.id.clone();
        let mut expiry = session.expires_at.subscribe();
        let watched = session.browser.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let Some(watched) = watched else { return };
        let (status, reason) = loop {
            let deadline = *expiry.borrow_and_update();
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => {
                    break (SessionStatus::TimedOut, "the session reached its timeout".to_owned());
                }
                _ = expiry.changed() => continue,
                _ = session.ending.cancelled() => {
                    break (SessionStatus::Closed, "closed by a person".to_owned());
                }
                _ = watched.gone() => {
                    break (SessionStatus::Failed, "the session's browser exited".to_owned());
                }
                _ = self.inner.shutdown.cancelled() => {
                    break (SessionStatus::Interrupted, "the appliance stopped while the session was open".to_owned());
                }
            }
        };
        session.ending.cancel();
        drop(watched);
        // Holding the last turn, no run has the browser: it is taken out and closed.
        let last_turn = session.turn.clone().lock_owned().await;
        let browser = session.browser.lock().unwrap_or_else(|p| p.into_inner()).take();
        drop(last_turn);
        match browser.map(Arc::try_unwrap) {
            Some(Ok(browser)) => {
                self.keep_final_storage(&id, &browser).await;
                // Stopping, the pool ends every Chromium anyway: no fresh one is launched.
                if status == SessionStatus::Interrupted { browser.close().await } else { browser.retire().await }
            }
            _ => tracing::warn!(session_id = %id, "a session's browser was still in use when it ended"),
        }
        if let Err(error) = self.inner.store.end_session(&id, status, reason).await {
            tracing::error!(session_id = %id, %error, "the end of a browser session could not be recorded");
        }
        self.inner.open.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
        session.live.end();
        session.ended.cancel();
        tracing::info!(session_id = %id, status = status.as_str(), "browser session ended");
    }

    /// Ends every open session (the appliance stops) and waits for their keepers.
    pub async fn shut_down(&self) {
        self.inner.shutdown.cancel();
        self.inner.keepers.close();
        self.inner.keepers.wait().await;
    }
}
