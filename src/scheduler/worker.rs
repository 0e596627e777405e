//! A worker drives one run from `queued` to a final status.
//!
//! It registers the run's cancel token, moves it to `running` (a run canceled meanwhile stops
//! here, before any browser), opens its browser context, and races the engine against cancel,
//! the time budget (counted from the moment the run became `running`, so a browser slow to open
//! spends it too), the inactivity timeout and shutdown, while the page is cast to its viewers and
//! its recording, and a controlling viewer's input is applied. Whatever wins, the recording is
//! finished, the context closed and the final status written; if a person canceled while the
//! engine finished, cancel wins. Then the live view ends. A run named with a browser profile
//! has it put into its context before the engine starts; the storage every run leaves is kept
//! before its context closes. A panic while the browser is open
//! ends the run `failed` (`internal_error`) through the same closing; a panic anywhere else in
//! the worker ends it so too, its browser and slot freed as the panic unwinds (`contained`).

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::Scheduler;
use super::contained::{Panicked, contained, internal_error};
use super::held::HeldBrowser;
use super::job::Job;
use crate::browser::{BrowserError, BrowserLocation, BrowserStorage, RunBrowser, Slot};
use crate::engine::{self, Activity, Outcome, RunRecorder};
use crate::ids::{RunId, SessionId};
use crate::live::LiveRun;
use crate::recording::{Owner, RecordingError};
use crate::runs::{Engine, ItemStatus, Run, RunError, RunStatus, StepStatus};
use crate::sessions::SessionTurn;
use crate::store::{StatusChange, StoreError, Transition};

/// Why the engine stopped, seen from the worker.
enum Ending {
    Engine(Outcome),
    Canceled,
    TimedOut(RunError),
    Shutdown,
    /// The browser session the run drove was closed or timed out.
    SessionEnded,
    /// The run's work panicked (logged where it was caught).
    Panicked,
}

impl Scheduler {
    /// Drives a run; `slot` is the browser slot it was admitted with (none for a run on a
    /// browser session, which holds its own). Everything logged meanwhile, here and in the work
    /// it hands on (engines, browser, recording), is within the run's span, which carries its id.
    pub(super) async fn run(&self, run_id: RunId, slot: Option<Slot>) {
        let span = tracing::info_span!("run", run_id = %run_id);
        async {
            let token = CancellationToken::new();
            self.shared.active.lock().unwrap_or_else(|p| p.into_inner()).insert(run_id.clone(), token.clone());
            self.drive_to_end(&run_id, self.run_registered(&run_id, slot, &token)).await;
            self.shared.live.close(&run_id);
            self.shared.active.lock().unwrap_or_else(|p| p.into_inner()).remove(&run_id);
        }
        .instrument(span)
        .await
    }

    /// Awaits a run's work; if it panicked, ends the run `failed` (`internal_error`).
    async fn drive_to_end(&self, run_id: &RunId, work: impl Future<Output = Result<(), StoreError>>) {
        let result = match contained(run_id, "a run's worker", work).await {
            Ok(result) => result,
            Err(Panicked) => self.finish(run_id, Ending::Panicked).await.map(drop),
        };
        if let Err(error) = result {
            tracing::error!(%run_id, %error, "a run could not be driven to its end");
        }
    }

    async fn run_registered(
        &self,
        run_id: &RunId,
        slot: Option<Slot>,
        token: &CancellationToken,
    ) -> Result<(), StoreError> {
        let store = &self.shared.store;
        // A run on a browser session stays queued until its turn on the session comes.
        let turn = match store.run(run_id).await?.browser_session_id {
            Some(session) => match self.wait_for_turn(run_id, &session, token).await {
                Ok(Some(turn)) => Some(turn),
                Ok(None) => return Ok(()),
                Err(ending) => return self.finish(run_id, ending).await.map(drop),
            },
            None => None,
        };
        let run = match store.transition(run_id, StatusChange::to(RunStatus::Running)).await? {
            Transition::Applied(run) => *run,
            // Canceled (or otherwise ended) while it waited: it never gets a browser.
            Transition::Refused { .. } => return Ok(()),
        };
        let started = Instant::now();
        let run_type = run.run_type;
        self.shared.metrics.run_started(run_type, queue_wait(&run));
        tracing::info!(%run_id, "run started");
        let (ending, turn) = Box::pin(self.drive(run, slot, turn, token, started)).await;
        let finished = self.finish(run_id, ending).await;
        if let Ok(Some(status)) = finished {
            self.shared.metrics.run_ended(run_type, status, started.elapsed());
        }
        // The next run on the session starts once this one's end is recorded.
        drop(turn);
        finished.map(drop)
    }

    /// Waits for the run's turn on its session; `None` if the run was canceled or the appliance
    /// stops meanwhile (the run stays as it is), the run's failure if the session is not open.
    async fn wait_for_turn(
        &self,
        run_id: &RunId,
        session: &str,
        token: &CancellationToken,
    ) -> Result<Option<SessionTurn>, Ending> {
        let session = SessionId::parse(session).map_err(|error| failed("browser_session_closed", error.to_string()))?;
        tokio::select! {
            turn = self.shared.sessions.take_turn(&session, run_id) => match turn {
                Ok(turn) => Ok(Some(turn)),
                Err(error) => Err(failed("browser_session_closed", error.to_string())),
            },
            _ = token.cancelled() => Ok(None),
            _ = self.shared.shutdown.cancelled() => Ok(None),
        }
    }

    async fn drive(
        &self,
        run: Run,
        slot: Option<Slot>,
        turn: Option<SessionTurn>,
        token: &CancellationToken,
        started: Instant,
    ) -> (Ending, Option<SessionTurn>) {
        // Until the browser is held, the session's turn (if any) goes back with the ending.
        let job = match self.job_of(&run).await {
            Ok(job) => job,
            Err(reason) => return (failed("invalid_request", reason), turn),
        };
        let mut secrets = self.take_secrets(&run.id).unwrap_or_default();
        let lost_secrets = !job.secret_names().is_empty() && secrets.is_empty();
        let credentials = match self.add_credentials(&run.request, &job, &mut secrets).await {
            Ok(credentials) => credentials,
            Err(reason) => return (failed("credential_unavailable", reason), turn),
        };
        if lost_secrets {
            let reason = "the run's secrets are kept in memory only and were lost when the appliance restarted; run it again with its secrets";
            return (failed("secrets_unavailable", reason.into()), turn);
        }
        let limits = &self.shared.limits;
        let budget = job.time_budget(limits);
        let deadline = started + budget;
        let inactivity = Duration::from_secs(limits.inactivity_timeout_seconds);
        let activity = Activity::new();
        let location = job.browser_address().map_or(BrowserLocation::Pooled, BrowserLocation::Remote);
        let profile = match job.browser_profile_id() {
            Some(id) => match self.shared.profiles.storage(id).await {
                Ok(storage) => Some(storage),
                Err(error) => return (failed("browser_profile_unavailable", error.to_string()), turn),
            },
            None => None,
        };

        let opening = self.hold_browser(turn, slot, location, profile.as_ref());
        let held = tokio::select! {
            held = opening => held,
            _ = token.cancelled() => return (Ending::Canceled, None),
            _ = tokio::time::sleep_until(deadline) => return (over_budget(budget), None),
            _ = self.shared.shutdown.cancelled() => return (Ending::Shutdown, None),
        };
        let held = match held {
            Ok(held) => held,
            Err(ending) => return (ending, None),
        };
        let browser = held.browser();
        browser.page.log_within(tracing::Span::current());
        if let Err(error) = self.shared.store.mark_browser_opened(&run.id).await {
            tracing::warn!(run_id = %run.id, %error, "could not note the opened browser");
        }
        let live = self.shared.live.open(&run.id);
        let recording = match self.shared.recorder.start(Owner::Run(run.id.clone())).await {
            Ok(recording) => Some(recording),
            Err(RecordingError::Disabled) => None,
            Err(error) => {
                tracing::warn!(run_id = %run.id, %error, "the run is not recorded");
                None
            }
        };
        let recorder = RunRecorder::new(
            run.id.clone(),
            secrets,
            self.shared.interactions.clone(),
            self.shared.store.clone(),
            self.shared.artifacts.clone(),
            activity.clone(),
            live.clone(),
            self.shared.metrics.for_run(run.run_type, started),
        )
        .with_codes(self.codes_of(&run, &job, credentials));
        let casting = async {
            browser
                .page
                .screencast(self.shared.live.jpeg_quality, |frame| {
                    if let Some(recording) = &recording {
                        recording.push(&frame);
                    }
                    live.publish(frame);
                })
                .await;
            std::future::pending::<Infallible>().await
        };
        let driving = async {
            tokio::select! {
                outcome = self.execute(&recorder, browser, &job) => Ending::Engine(outcome),
                never = casting => match never {},
                never = live.serve_input(&browser.page) => match never {},
                _ = browser.gone() => browser_went_away(browser),
                _ = token.cancelled() => Ending::Canceled,
                _ = held.session_ended() => Ending::SessionEnded,
                _ = tokio::time::sleep_until(deadline) => over_budget(budget),
                _ = activity.idle_for(inactivity) => Ending::TimedOut(inactive(&live, inactivity)),
                _ = self.shared.shutdown.cancelled() => Ending::Shutdown,
            }
        };
        let ending = contained(&run.id, "a run's engine", driving).await.unwrap_or(Ending::Panicked);
        // The pictures of the last actions and the storage it leaves are kept before the run ends.
        tokio::join!(
            recorder.flush_screenshots(),
            self.shared.profiles.keep_final_storage_of(run.id.as_str(), browser)
        );
        let ending = match ending {
            // An engine error caused by a crash is reported as the crash.
            Ending::Engine(Outcome::Failed(_)) if !browser.is_alive() => browser_went_away(browser),
            other => other,
        };
        self.shared.interactions.forget(&run.id);
        self.shared.approvals.forget(&run.id);
        let closing_video = async {
            if let Some(recording) = recording {
                recording.finish().await;
            }
        };
        let ((), turn) = tokio::join!(closing_video, held.release());
        // An engine stopped from outside leaves its current items open; close them.
        let status = if matches!(ending, Ending::Canceled | Ending::SessionEnded) {
            ItemStatus::Canceled
        } else {
            ItemStatus::Failed
        };
        if let Err(error) = self.shared.store.close_open_timeline_items(&run.id, status).await {
            tracing::warn!(run_id = %run.id, %error, "could not close the run's open timeline items");
        }
        if let Job::Plan(plan) = &job {
            self.close_plan_steps(&run.id, plan, &ending).await;
        }
        (ending, turn)
    }

    /// The browser the run drives: its turn on the session it names, or a context of its own
    /// on its slot (starting from `profile`, if given); why not, as the run's ending.
    async fn hold_browser(
        &self,
        turn: Option<SessionTurn>,
        slot: Option<Slot>,
        location: BrowserLocation,
        profile: Option<&BrowserStorage>,
    ) -> Result<HeldBrowser, Ending> {
        match (turn, slot) {
            (Some(turn), _) => Ok(HeldBrowser::Session(turn)),
            (None, Some(slot)) => {
                let browser = self.shared.pool.open(slot, location).await.map_err(|error| browser_failure(&error))?;
                if let Some(storage) = profile
                    && let Err(error) = browser.page.restore(storage).await
                {
                    browser.close().await;
                    return Err(failed(
                        "browser_profile_unavailable",
                        format!("the profile could not be restored: {error}"),
                    ));
                }
                Ok(HeldBrowser::Own(Box::new(browser)))
            }
            (None, None) => Err(failed("no_browser_slot", "the run was started without a browser slot".into())),
        }
    }

    /// A plan stopped from outside leaves its current steps open: a cancel ends them (and lists
    /// the blocks that never started) `canceled`, a timeout `timed_out`, a crash `failed`; at
    /// shutdown they are left to the next start, which resumes the plan.
    async fn close_plan_steps(&self, run_id: &RunId, plan: &crate::plans::PlanJob, ending: &Ending) {
        let store = &self.shared.store;
        let closed = match ending {
            Ending::Shutdown | Ending::Engine(Outcome::Completed { .. }) => Ok(()),
            Ending::Canceled | Ending::SessionEnded => crate::plans::mark_canceled(store, run_id, plan).await,
            Ending::TimedOut(error) => {
                store.close_open_step_runs(run_id, StepStatus::TimedOut, &error.message).await.map(drop)
            }
            Ending::Engine(_) | Ending::Panicked => {
                store.close_open_step_runs(run_id, StepStatus::Failed, "the run ended during this step").await.map(drop)
            }
        };
        if let Err(error) = closed {
            tracing::warn!(%run_id, %error, "could not close the plan run's open steps");
        }
    }

    /// Hands the run to its engine. The engines' futures are large: they live on the heap, not on
    /// the stack of the thread that polls them.
    async fn execute(&self, recorder: &RunRecorder, browser: &RunBrowser, job: &Job) -> Outcome {
        let spec = match job {
            Job::Task(spec) => spec,
            Job::Plan(plan) => {
                let tools = crate::plans::Tools {
                    agent: self.shared.agent.as_ref(),
                    store: &self.shared.store,
                    approvals: &self.shared.approvals,
                    http: &self.shared.http,
                };
                return Box::pin(crate::plans::execute(tools, recorder, &browser.page, plan)).await;
            }
        };
        match (spec.engine, &self.shared.agent) {
            (Engine::Code, _) => Box::pin(engine::run_script(recorder, &browser.page, spec)).await,
            (Engine::Agent, Some(agent)) => Box::pin(agent.run(recorder, &browser.page, spec)).await,
            (Engine::Agent, None) => {
                Outcome::Failed(RunError::new("system", "no_llm_provider", "no LLM provider is configured"))
            }
        }
    }

    /// Writes the run's final status; returns it, unless the run had already ended or is left
    /// to the shutdown's settling.
    async fn finish(&self, run_id: &RunId, ending: Ending) -> Result<Option<RunStatus>, StoreError> {
        let store = &self.shared.store;
        let change = match ending {
            Ending::Engine(Outcome::Completed { output }) => {
                StatusChange { output, ..StatusChange::to(RunStatus::Completed) }
            }
            Ending::Engine(Outcome::Failed(error)) => StatusChange::with_error(RunStatus::Failed, error),
            Ending::Engine(Outcome::Terminated(error)) => StatusChange::with_error(RunStatus::Terminated, error),
            Ending::Engine(Outcome::TimedOut(error)) => StatusChange::with_error(RunStatus::TimedOut, error),
            Ending::TimedOut(error) => StatusChange::with_error(RunStatus::TimedOut, error),
            Ending::Panicked => StatusChange::with_error(RunStatus::Failed, internal_error()),
            Ending::Canceled => StatusChange::to(RunStatus::Canceled),
            Ending::SessionEnded => {
                // Canceled as a person's cancel is: through `canceling`, with the reason.
                let reason = "the browser session the run drove was closed or timed out".to_owned();
                let canceling = StatusChange { failure_reason: Some(reason), ..StatusChange::to(RunStatus::Canceling) };
                store.transition(run_id, canceling).await?;
                StatusChange::to(RunStatus::Canceled)
            }
            // Left to the shutdown's settling, which applies the recovery rule.
            Ending::Shutdown => return Ok(None),
        };
        let status = change.to;
        match store.transition(run_id, change).await? {
            Transition::Applied(_) => {
                tracing::info!(%run_id, %status, "run ended");
                Ok(Some(status))
            }
            // A person canceled while the run was ending: cancel wins.
            Transition::Refused { current: RunStatus::Canceling } => {
                store.transition(run_id, StatusChange::to(RunStatus::Canceled)).await?;
                tracing::info!(%run_id, "run canceled");
                Ok(Some(RunStatus::Canceled))
            }
            Transition::Refused { current } => {
                tracing::info!(%run_id, %current, "run had already ended");
                Ok(None)
            }
        }
    }
}

/// How long a run that just became `running` waited since it was queued.
fn queue_wait(run: &Run) -> Duration {
    let at = |time: &Option<String>| time.as_deref().and_then(crate::clock::parse);
    match (at(&run.queued_at), at(&run.started_at)) {
        (Some(queued), Some(started)) => (started - queued).try_into().unwrap_or_default(),
        _ => Duration::ZERO,
    }
}

fn failed(code: &str, message: String) -> Ending {
    Ending::Engine(Outcome::Failed(RunError::new("system", code, message)))
}

fn over_budget(budget: Duration) -> Ending {
    let message = format!("the run exceeded its time budget of {} s", budget.as_secs());
    Ending::TimedOut(RunError::new("timeout", "time_budget_exceeded", message))
}

/// Why an idle run ended: nothing happened, or a person held control for too long.
fn inactive(live: &LiveRun, limit: Duration) -> RunError {
    let message = match live.control.holder() {
        Some(viewer) => {
            format!("{} held control for longer than the inactivity timeout ({} s)", viewer.name, limit.as_secs())
        }
        None => format!("the run made no progress for {} s", limit.as_secs()),
    };
    RunError::new("timeout", "inactivity_timeout", message)
}

/// The ending of a run whose browser went away: a local one crashed, a remote one's connection
/// broke (it crashed, was stopped, or the network between failed).
fn browser_went_away(browser: &RunBrowser) -> Ending {
    match browser.remote_address() {
        Some(address) => {
            let message = format!(
                "the remote browser at {address} went away during the run: its connection broke (it crashed or was stopped, or the network failed)"
            );
            Ending::Engine(Outcome::Failed(RunError::new("browser", "browser_crashed", message)))
        }
        None => browser_failure(&BrowserError::Crashed),
    }
}

fn browser_failure(error: &BrowserError) -> Ending {
    let (code, message) = match error {
        BrowserError::Crashed => {
            ("browser_crashed", "Chromium crashed during the run: the browser process exited".to_owned())
        }
        other => ("browser_unavailable", format!("no browser could be opened for the run: {other}")),
    };
    Ending::Engine(Outcome::Failed(RunError::new("browser", code, message)))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::artifacts::ArtifactFiles;
    use crate::browser::{BrowserPool, Launcher, PageSettings};
    use crate::config::Config;
    use crate::live::LiveRuns;
    use crate::recording::Recorder;
    use crate::runs::{NewRun, RunType};
    use crate::scheduler::SchedulerParts;
    use crate::store::Store;

    /// A scheduler on a real store in `dir`, not dispatching (its browsers are never needed).
    async fn a_scheduler(dir: &Path) -> Scheduler {
        let config = Config::defaults().unwrap();
        let store = Store::open(&dir.join("skyvern.db")).unwrap();
        let artifacts = ArtifactFiles::new(dir.join("artifacts"), store.clone());
        let page_settings = PageSettings {
            viewport_width: 1280,
            viewport_height: 720,
            action_timeout: Duration::from_secs(1),
            downloads_root: dir.join("downloads"),
            off_limits: None,
        };
        let launcher = Launcher::new(config.browser.clone(), dir.join("browser-profiles"));
        let pool = BrowserPool::new(launcher, 1, page_settings);
        let recorder = Recorder::new(config.recording, artifacts.clone(), dir.join("recordings"), (1280, 720));
        let vault = crate::vault::Vault::open(&dir.join("vault.key"), store.clone()).await.unwrap();
        let profiles = crate::profiles::Profiles::new(store.clone(), vault.clone());
        let sessions = crate::sessions::Sessions::new(
            store.clone(),
            pool.clone(),
            profiles.clone(),
            &config.sessions,
            recorder.clone(),
            70,
        );
        let links = crate::views::Links { base: "http://127.0.0.1:8000".into() };
        let metrics = crate::metrics::Metrics::new();
        let webhooks =
            crate::webhooks::Webhooks::new(store.clone(), config.webhooks, links.clone(), metrics.clone()).unwrap();
        let files = crate::files::UploadedFiles::new(dir.join("uploads"), store.clone(), 1024, links);
        Scheduler::new(SchedulerParts {
            store,
            pool,
            artifacts,
            limits: config.runs,
            agent: None,
            live: LiveRuns::new(70),
            recorder,
            sessions,
            vault,
            webhooks,
            code_timing: crate::scheduler::CodeTiming {
                poll_every: Duration::from_secs(1),
                wait_at_most: Duration::from_secs(1),
            },
            files,
            profiles,
            metrics,
            room: crate::retention::DiskRoom::new(dir.to_owned(), 0.0),
        })
    }

    /// A run that a worker has moved to `running`.
    async fn a_running_run(scheduler: &Scheduler) -> RunId {
        let store = &scheduler.shared.store;
        let run_id = RunId::generate();
        let request = serde_json::json!({"url": "http://127.0.0.1:9/", "script": [{"action": "wait", "ms": 1}]});
        let new_run = NewRun {
            id: run_id.clone(),
            run_type: RunType::TaskV1,
            engine: Engine::Code,
            title: None,
            prompt: None,
            url: None,
            request,
            browser_session_id: None,
            webhook_url: None,
            plan: None,
            rerun_of: None,
        };
        store.insert_queued_run(new_run, Vec::new()).await.unwrap();
        store.transition(&run_id, StatusChange::to(RunStatus::Running)).await.unwrap();
        run_id
    }

    #[tokio::test]
    async fn a_run_whose_worker_panics_ends_failed_with_internal_error_and_says_nothing_internal() {
        let dir = tempfile::tempdir().unwrap();
        let scheduler = a_scheduler(dir.path()).await;
        let run_id = a_running_run(&scheduler).await;

        let work = async {
            tokio::task::yield_now().await;
            panic!("index out of bounds: the len is 0 but the index is 0");
        };
        scheduler.drive_to_end(&run_id, work).await;

        let run = scheduler.shared.store.run(&run_id).await.unwrap();
        assert_eq!(run.status, RunStatus::Failed);
        assert_eq!(run.errors[0].code, "internal_error");
        let reason = run.failure_reason.unwrap();
        assert!(reason.contains("internal error") && !reason.contains("index out of bounds"), "{reason}");
    }

    #[tokio::test]
    async fn a_run_canceled_while_it_times_out_fails_or_panics_ends_canceled() {
        let dir = tempfile::tempdir().unwrap();
        let scheduler = a_scheduler(dir.path()).await;
        let endings = [
            Ending::TimedOut(RunError::new("timeout", "time_budget_exceeded", "over budget")),
            Ending::Engine(Outcome::Failed(RunError::new("action", "not_found", "no #submit"))),
            Ending::Engine(Outcome::Terminated(RunError::new("agent", "terminated", "cannot be done"))),
            Ending::Panicked,
        ];
        for ending in endings {
            let run_id = a_running_run(&scheduler).await;
            // The cancel lands while the worker is already ending the run another way.
            assert_eq!(scheduler.cancel(&run_id).await.unwrap().status, RunStatus::Canceling);
            scheduler.finish(&run_id, ending).await.unwrap();
            let run = scheduler.shared.store.run(&run_id).await.unwrap();
            assert_eq!(run.status, RunStatus::Canceled, "{:?}", run.errors);
        }
    }
}
