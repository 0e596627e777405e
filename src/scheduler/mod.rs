//! The scheduler: a FIFO queue of runs, admitted one by one as browser slots free up.
//!
//! One dispatcher task owns the order: it waits for a queued run, then for a free slot, and hands
//! both to a worker task (`worker`). The worker owns the run until it ends: it moves it to
//! `running`, opens its browser, drives the engine, and races it against cancel, the time budget,
//! the inactivity timeout and shutdown, while the page is cast to the live view and the recording.
//! Cancel reaches a running worker through its token.
//! `recovery` decides, at start-up, what becomes of runs a previous process left unfinished.

mod cancel;
mod codes;
mod contained;
mod credentials;
mod held;
mod job;
mod plan_runs;
mod recovery;
mod worker;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use cancel::CancelError;
pub use codes::CodeTiming;
pub use plan_runs::{PlanRunError, RunOrigin};

use crate::agent::Agent;
use crate::artifacts::ArtifactFiles;
use crate::browser::BrowserPool;
use crate::config::RunsConfig;
use crate::engine::{Interactions, NotWaiting, Secrets};
use crate::files::UploadedFiles;
use crate::ids::RunId;
use crate::live::LiveRuns;
use crate::metrics::Metrics;
use crate::plans::Review;
use crate::profiles::Profiles;
use crate::recording::Recorder;
use crate::retention::{DiskLow, DiskRoom};
use crate::runs::Run;
use crate::sessions::Sessions;
use crate::store::Store;
use crate::vault::Vault;
use crate::webhooks::Webhooks;

/// Everything a worker needs, shared.
struct Shared {
    store: Store,
    pool: BrowserPool,
    artifacts: ArtifactFiles,
    limits: RunsConfig,
    /// The agent engine, when a model provider is configured.
    agent: Option<Agent>,
    queue: Mutex<VecDeque<RunId>>,
    queued: Notify,
    /// Runs waiting for a person's answer.
    interactions: Interactions,
    /// Plan runs waiting for a reviewer's decision.
    approvals: Interactions<Review>,
    /// The client of plans' HTTP request blocks.
    http: reqwest::Client,
    /// Secret values of queued and running runs, by run; never written anywhere.
    secrets: Mutex<HashMap<RunId, Secrets>>,
    /// The live view of the runs with a browser.
    live: LiveRuns,
    /// The browser sessions runs may drive instead of a context of their own.
    sessions: Sessions,
    /// The stored credentials runs may type.
    vault: Vault,
    /// Asks runs' `totp_url`s, signed like webhooks.
    webhooks: Webhooks,
    /// How runs wait for verification codes from outside.
    code_timing: CodeTiming,
    /// Records every run that opens a browser.
    recorder: Recorder,
    /// Profiles runs start from, and where each run's final storage is kept.
    profiles: Profiles,
    /// Uploaded files, which plan runs' `file_url` parameters may name.
    files: UploadedFiles,
    /// Where runs' queue waits, durations, steps and first actions are counted.
    metrics: Metrics,
    /// Whether the disk has room for new runs.
    room: DiskRoom,
    /// Cancel tokens of the runs that workers hold.
    active: Mutex<HashMap<RunId, CancellationToken>>,
    shutdown: CancellationToken,
    workers: TaskTracker,
}

/// What the scheduler drives runs with.
pub struct SchedulerParts {
    pub store: Store,
    pub pool: BrowserPool,
    pub artifacts: ArtifactFiles,
    pub limits: RunsConfig,
    /// The agent engine, when a model provider is configured.
    pub agent: Option<Agent>,
    pub live: LiveRuns,
    pub recorder: Recorder,
    pub sessions: Sessions,
    pub vault: Vault,
    pub webhooks: Webhooks,
    pub code_timing: CodeTiming,
    /// Uploaded files, which plan runs' `file_url` parameters may name.
    pub files: UploadedFiles,
    /// Profiles runs start from, and where each run's final storage is kept.
    pub profiles: Profiles,
    pub metrics: Metrics,
    /// Whether the disk has room for new runs.
    pub room: DiskRoom,
}

#[derive(Clone)]
pub struct Scheduler {
    shared: Arc<Shared>,
}

impl Scheduler {
    pub fn new(parts: SchedulerParts) -> Scheduler {
        let SchedulerParts {
            store,
            pool,
            artifacts,
            limits,
            agent,
            live,
            recorder,
            sessions,
            vault,
            webhooks,
            code_timing,
            files,
            profiles,
            metrics,
            room,
        } = parts;
        Scheduler {
            shared: Arc::new(Shared {
                store,
                pool,
                artifacts,
                limits,
                agent,
                live,
                recorder,
                sessions,
                vault,
                webhooks,
                code_timing,
                files,
                profiles,
                metrics,
                room,
                queue: Mutex::new(VecDeque::new()),
                queued: Notify::new(),
                active: Mutex::new(HashMap::new()),
                secrets: Mutex::new(HashMap::new()),
                interactions: Interactions::default(),
                approvals: Interactions::default(),
                http: reqwest::Client::new(),
                shutdown: CancellationToken::new(),
                workers: TaskTracker::new(),
            }),
        }
    }

    /// Resolves runs left unfinished by a previous process, then starts dispatching.
    pub async fn start(&self) -> Result<(), crate::store::StoreError> {
        let requeued = recovery::resolve_unfinished(&self.shared.store).await?;
        for run_id in requeued {
            self.enqueue(run_id);
        }
        let scheduler = self.clone();
        self.shared.workers.spawn(async move { scheduler.dispatch().await });
        Ok(())
    }

    /// Refuses a new run while the data directory's disk has less than `retention.min_free_gb`
    /// free; every way of starting a run asks this first.
    pub async fn check_room(&self) -> Result<(), DiskLow> {
        self.shared.room.check().await
    }

    /// Whether runs may use the agent engine (a model provider is configured).
    pub fn agent_available(&self) -> bool {
        self.shared.agent.is_some()
    }

    /// Delivers a reviewer's decision to a plan run waiting in `review_required`.
    pub fn review(&self, run_id: &RunId, review: Review) -> Result<(), NotWaiting> {
        self.shared.approvals.answer(run_id, review)
    }

    /// Delivers a person's answer to a run waiting in `interaction_required`.
    pub fn answer(&self, run_id: &RunId, answer: String) -> Result<(), NotWaiting> {
        self.shared.interactions.answer(run_id, answer)
    }

    /// Queues a run with the secret values it may type. A run on a browser session does not
    /// wait for a slot (the session holds one): it waits for its turn on the session.
    pub fn enqueue_with_secrets(&self, run: &Run, secrets: Secrets) {
        if !secrets.is_empty() {
            self.shared.secrets.lock().unwrap_or_else(|p| p.into_inner()).insert(run.id.clone(), secrets);
        }
        match run.browser_session_id {
            Some(_) => {
                let worker = self.clone();
                let run_id = run.id.clone();
                self.shared.workers.spawn(async move { worker.run(run_id, None).await });
            }
            None => self.enqueue(run.id.clone()),
        }
    }

    /// Takes a run's secret values (they leave memory with the run).
    fn take_secrets(&self, run_id: &RunId) -> Option<Secrets> {
        self.shared.secrets.lock().unwrap_or_else(|p| p.into_inner()).remove(run_id)
    }

    /// Puts a queued run at the back of the queue.
    pub fn enqueue(&self, run_id: RunId) {
        self.shared.queue.lock().unwrap_or_else(|p| p.into_inner()).push_back(run_id);
        self.shared.queued.notify_one();
    }

    /// How many runs wait in the queue for a browser slot.
    pub fn queue_depth(&self) -> usize {
        self.shared.queue.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    fn forget_queued(&self, run_id: &RunId) {
        self.shared.queue.lock().unwrap_or_else(|p| p.into_inner()).retain(|queued| queued != run_id);
    }

    /// Waits for the next queued run, then for a slot, and hands both to a worker.
    async fn dispatch(&self) {
        let shared = &self.shared;
        loop {
            let has_work = async {
                loop {
                    if !shared.queue.lock().unwrap_or_else(|p| p.into_inner()).is_empty() {
                        return;
                    }
                    shared.queued.notified().await;
                }
            };
            let slot = async {
                has_work.await;
                shared.pool.acquire_slot().await
            };
            let slot = tokio::select! {
                slot = slot => slot,
                _ = shared.shutdown.cancelled() => return,
            };
            let Some(run_id) = shared.queue.lock().unwrap_or_else(|p| p.into_inner()).pop_front() else {
                continue;
            };
            let worker = self.clone();
            shared.workers.spawn(async move { worker.run(run_id, Some(slot)).await });
        }
    }

    /// Stops dispatching, interrupts running runs (recording why) and waits for the workers.
    pub async fn shut_down(&self, grace: Duration) {
        self.shared.shutdown.cancel();
        self.shared.workers.close();
        if tokio::time::timeout(grace, self.shared.workers.wait()).await.is_err() {
            tracing::warn!("some runs did not stop in time");
        }
        if let Err(error) = recovery::settle_interrupted(&self.shared.store).await {
            tracing::error!(%error, "interrupted runs could not be settled; they are at the next start");
        }
    }
}
