//! The ticker: the one task that fires schedules.
//!
//! Each tick reads the enabled schedules and, for each, the latest occurrence at or before now. If
//! that occurrence is later than both the schedule's last change and its last firing, the
//! schedule fires once, for that occurrence: occurrences missed while the appliance was down
//! collapse into the latest, as in Skyvern. A firing is recorded before its run is started, so a
//! restart never fires an occurrence again. A schedule never overlaps itself: while the run of its
//! previous firing has not ended, a firing is recorded as skipped, unless the schedule allows
//! overlap. Then the ticker sleeps until the earliest next occurrence, or until a schedule changes.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::FutureExt;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::{ArmedSchedule, FireOutcome, StartPlanRun, Timing};
use crate::ids::ScheduleId;
use crate::store::{Store, StoreError};

/// The longest the ticker sleeps, so that a wall clock that jumps (a suspended host, a corrected
/// clock) delays a firing by at most this much.
const LONGEST_SLEEP: Duration = Duration::from_secs(60);
/// How long it waits before trying again after the store failed.
const AFTER_AN_ERROR: Duration = Duration::from_secs(2);

/// Where the ticker reads the time: the system's, or a test's.
pub(super) trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

pub(super) struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// One firing made by a tick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Firing {
    pub schedule_id: ScheduleId,
    pub fire_at: DateTime<Utc>,
    pub outcome: FireOutcome,
}

/// What a tick did, and when the next one is due.
#[derive(Debug, Default)]
pub(super) struct TickOutcome {
    pub firings: Vec<Firing>,
    /// The earliest occurrence after now among the enabled schedules.
    pub next_fire_at: Option<DateTime<Utc>>,
    /// Schedules whose firing could not be decided or recorded; they are tried again soon.
    pub failures: usize,
}

pub(super) struct Ticker {
    store: Store,
    starter: Arc<dyn StartPlanRun>,
    clock: Arc<dyn Clock>,
}

impl Ticker {
    pub(super) fn new(store: Store, starter: Arc<dyn StartPlanRun>, clock: Arc<dyn Clock>) -> Ticker {
        Ticker { store, starter, clock }
    }

    /// Fires every schedule that is due now.
    pub(super) async fn tick(&self) -> Result<TickOutcome, StoreError> {
        let now = self.clock.now();
        let mut outcome = TickOutcome::default();
        for armed in self.store.armed_schedules().await? {
            let schedule = &armed.schedule;
            let timing = match Timing::saved(&schedule.cron_expression, &schedule.timezone) {
                Ok(timing) => timing,
                Err(error) => {
                    tracing::warn!(schedule_id = %schedule.id, %error, "a saved schedule's timing no longer reads");
                    continue;
                }
            };
            if let Some(fire_at) = timing.latest_until(now).filter(|at| is_due(&armed, *at)) {
                match self.fire(&armed, fire_at).await {
                    Ok(Some(outcome_of_firing)) => outcome.firings.push(Firing {
                        schedule_id: schedule.id.clone(),
                        fire_at,
                        outcome: outcome_of_firing,
                    }),
                    Ok(None) => {}
                    Err(error) => {
                        tracing::warn!(schedule_id = %schedule.id, %error, "a schedule could not be fired; trying again");
                        outcome.failures += 1;
                    }
                }
            }
            outcome.next_fire_at = outcome.next_fire_at.into_iter().chain(timing.next_after(now)).min();
        }
        Ok(outcome)
    }

    /// Fires `armed` for the occurrence `fire_at`. `None`: another change came first (the
    /// schedule changed, or the occurrence was recorded already), and nothing was fired.
    async fn fire(&self, armed: &ArmedSchedule, fire_at: DateTime<Utc>) -> Result<Option<FireOutcome>, StoreError> {
        let schedule = &armed.schedule;
        if let Some(reason) = self.overlap(armed).await? {
            let skipped = FireOutcome::Skipped(reason);
            let recorded = self.store.record_schedule_fire(schedule, fire_at, skipped.clone()).await?;
            return Ok(recorded.then_some(skipped));
        }
        if !self.store.record_schedule_fire(schedule, fire_at, FireOutcome::Starting).await? {
            return Ok(None);
        }
        let parameters = schedule.parameters.clone().unwrap_or_default();
        let started = self.starter.start(schedule.plan_id.clone(), parameters, schedule.id.clone()).await;
        let outcome = match started {
            Ok(run_id) => FireOutcome::Started(run_id),
            Err(reason) => FireOutcome::Failed(reason),
        };
        self.store.settle_schedule_fire(&schedule.id, fire_at, outcome.clone()).await?;
        Ok(Some(outcome))
    }

    /// Why the schedule may not fire now: the run of its previous firing has not ended.
    async fn overlap(&self, armed: &ArmedSchedule) -> Result<Option<String>, StoreError> {
        let Some(run_id) = armed.last_run_id.as_ref().filter(|_| !armed.schedule.allow_overlap) else {
            return Ok(None);
        };
        match self.store.run(run_id).await {
            Ok(run) if !run.status.is_terminal() => {
                Ok(Some(format!("the run {run_id} of the previous firing has not ended (it is {})", run.status)))
            }
            Ok(_) | Err(StoreError::NotFound(_) | StoreError::RunRemoved(_)) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// How long to sleep after `outcome`: until the next occurrence, at most `LONGEST_SLEEP`.
    fn sleep_after(&self, outcome: &TickOutcome) -> Duration {
        if outcome.failures > 0 {
            return AFTER_AN_ERROR;
        }
        let until_next = outcome.next_fire_at.map(|at| (at - self.clock.now()).to_std().unwrap_or_default());
        until_next.unwrap_or(LONGEST_SLEEP).min(LONGEST_SLEEP)
    }
}

/// Whether `at` is later than the schedule's last change and its last firing.
fn is_due(armed: &ArmedSchedule, at: DateTime<Utc>) -> bool {
    let changed_at = super::instant_of(&armed.schedule.modified_at);
    changed_at.into_iter().chain(armed.last_fire_at).all(|handled| at > handled)
}

/// Ticks until `shutdown`: after each tick, sleeps until the next occurrence, or until `changed`
/// says a schedule changed. Firings a previous process left half-started are settled first.
pub(super) async fn run(ticker: Ticker, changed: Arc<Notify>, shutdown: CancellationToken) {
    match ticker.store.settle_interrupted_schedule_fires().await {
        Ok(0) => {}
        Ok(count) => tracing::warn!(count, "schedule firings interrupted by the last stop were counted as failed"),
        Err(error) => tracing::warn!(%error, "interrupted schedule firings could not be settled"),
    }
    loop {
        let sleep = match AssertUnwindSafe(ticker.tick()).catch_unwind().await {
            Ok(Ok(outcome)) => {
                for firing in &outcome.firings {
                    tracing::info!(
                        schedule_id = %firing.schedule_id,
                        fire_at = %super::shown_instant(firing.fire_at),
                        outcome = firing.outcome.as_str(),
                        run_id = firing.outcome.run_id().map(|id| id.as_str()),
                        reason = firing.outcome.reason(),
                        "schedule fired"
                    );
                }
                ticker.sleep_after(&outcome)
            }
            Ok(Err(error)) => {
                tracing::warn!(%error, "schedules could not be read; trying again");
                AFTER_AN_ERROR
            }
            Err(_) => {
                tracing::error!("a schedule tick panicked; trying again");
                AFTER_AN_ERROR
            }
        };
        tokio::select! {
            _ = changed.notified() => {}
            _ = tokio::time::sleep(sleep) => {}
            _ = shutdown.cancelled() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use futures::future::BoxFuture;
    use serde_json::{Map, Value, json};

    use super::*;
    use crate::ids::{PlanId, RunId};
    use crate::plans::PlanRequest;
    use crate::runs::{Engine, NewRun, RunStatus, RunType};
    use crate::schedules::{Schedule, ScheduleRequest};
    use crate::store::StatusChange;

    /// A clock that stands where the test puts it.
    struct StoppedClock(Mutex<DateTime<Utc>>);

    impl StoppedClock {
        fn at(at: DateTime<Utc>) -> Arc<StoppedClock> {
            Arc::new(StoppedClock(Mutex::new(at)))
        }

        fn set(&self, at: DateTime<Utc>) {
            *self.0.lock().unwrap() = at;
        }
    }

    impl Clock for StoppedClock {
        fn now(&self) -> DateTime<Utc> {
            *self.0.lock().unwrap()
        }
    }

    /// What a start was asked: the plan, the parameter values, the schedule.
    type StartCall = (PlanId, Map<String, Value>, ScheduleId);

    /// Stands in for the plan-run service: stores a queued plan run for each start and keeps
    /// what it was asked.
    struct RecordingStarter {
        store: Store,
        calls: Mutex<Vec<StartCall>>,
    }

    impl RecordingStarter {
        fn new(store: &Store) -> Arc<RecordingStarter> {
            Arc::new(RecordingStarter { store: store.clone(), calls: Mutex::new(Vec::new()) })
        }

        fn calls(&self) -> usize {
            self.calls.lock().unwrap().len()
        }
    }

    impl StartPlanRun for RecordingStarter {
        fn start(
            &self,
            plan_id: PlanId,
            parameters: Map<String, Value>,
            schedule_id: ScheduleId,
        ) -> BoxFuture<'static, Result<RunId, String>> {
            self.calls.lock().unwrap().push((plan_id, parameters, schedule_id));
            let store = self.store.clone();
            Box::pin(async move {
                let run = NewRun {
                    id: RunId::generate_plan_run(),
                    run_type: RunType::WorkflowRun,
                    engine: Engine::Agent,
                    title: None,
                    prompt: None,
                    url: None,
                    request: json!({}),
                    browser_session_id: None,
                    webhook_url: None,
                    plan: None,
                    rerun_of: None,
                };
                let run = store.insert_queued_run(run, Vec::new()).await.map_err(|e| e.to_string())?;
                Ok(run.id)
            })
        }
    }

    /// A store with a plan that has one parameter, and a schedule of it.
    async fn a_schedule(dir: &std::path::Path, cron: &str, allow_overlap: bool) -> (Store, Schedule) {
        let store = Store::open(&dir.join("skyvern.db")).unwrap();
        let plan_request = json!({"title": "Nightly report", "workflow_definition": {
            "blocks": [{"block_type": "wait", "label": "pause"}],
            "parameters": [{"parameter_type": "workflow", "key": "city", "workflow_parameter_type": "string"}]
        }});
        let plan = store.create_plan("Nightly report".into(), plan_request.clone()).await.unwrap();
        let definition = PlanRequest::from_request(plan_request).unwrap().definition;
        let request: ScheduleRequest = serde_json::from_value(json!({
            "cron_expression": cron, "timezone": "UTC", "parameters": {"city": "Lyon"}, "allow_overlap": allow_overlap
        }))
        .unwrap();
        let timing = request.timing(300, Utc::now()).unwrap();
        let spec = request.into_spec(timing, &plan.plan_id, &definition).unwrap();
        let schedule = store.create_schedule(&plan.plan_id, spec).await.unwrap();
        (store, schedule)
    }

    /// The occurrence of `*/5` at or before `at`.
    fn five_minute_floor(at: DateTime<Utc>) -> DateTime<Utc> {
        Timing::saved("*/5 * * * *", "UTC").unwrap().latest_until(at).unwrap()
    }

    #[tokio::test]
    async fn missed_occurrences_collapse_into_one_firing_for_the_latest() {
        let dir = tempfile::tempdir().unwrap();
        let (store, schedule) = a_schedule(dir.path(), "*/5 * * * *", false).await;
        let starter = RecordingStarter::new(&store);
        // An hour after the schedule was made: twelve occurrences went by unfired.
        let later = Utc::now() + chrono::TimeDelta::hours(1);
        let ticker = Ticker::new(store.clone(), starter.clone(), StoppedClock::at(later));

        let outcome = ticker.tick().await.unwrap();

        assert_eq!(starter.calls(), 1);
        assert_eq!(outcome.firings.len(), 1);
        assert_eq!(outcome.firings[0].fire_at, five_minute_floor(later));
        assert!(matches!(outcome.firings[0].outcome, FireOutcome::Started(_)));
        assert_eq!(outcome.next_fire_at, Some(five_minute_floor(later) + chrono::TimeDelta::minutes(5)));
        let (plan_id, parameters, schedule_id) = starter.calls.lock().unwrap()[0].clone();
        assert_eq!((plan_id, schedule_id), (schedule.plan_id, schedule.id));
        assert_eq!(Value::Object(parameters), json!({"city": "Lyon"}));
        assert!(ticker.tick().await.unwrap().firings.is_empty(), "the same occurrence fired twice");
    }

    #[tokio::test]
    async fn nothing_fires_for_occurrences_before_the_schedule_was_made() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = a_schedule(dir.path(), "*/5 * * * *", false).await;
        let starter = RecordingStarter::new(&store);
        let ticker = Ticker::new(store.clone(), starter.clone(), StoppedClock::at(Utc::now()));

        let outcome = ticker.tick().await.unwrap();

        assert!(outcome.firings.is_empty());
        assert_eq!(starter.calls(), 0);
        assert!(outcome.next_fire_at.is_some_and(|next| next > Utc::now()));
    }

    #[tokio::test]
    async fn a_firing_is_skipped_while_the_previous_run_goes_on_and_fires_once_it_ended() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = a_schedule(dir.path(), "*/5 * * * *", false).await;
        let starter = RecordingStarter::new(&store);
        let first = five_minute_floor(Utc::now()) + chrono::TimeDelta::minutes(10);
        let clock = StoppedClock::at(first);
        let ticker = Ticker::new(store.clone(), starter.clone(), clock.clone());
        let started = ticker.tick().await.unwrap().firings.remove(0).outcome;
        let Some(run_id) = started.run_id().cloned() else { panic!("not started: {started:?}") };

        clock.set(first + chrono::TimeDelta::minutes(5));
        let skipped = ticker.tick().await.unwrap().firings.remove(0).outcome;

        assert!(matches!(&skipped, FireOutcome::Skipped(reason) if reason.contains(run_id.as_str())), "{skipped:?}");
        assert_eq!(starter.calls(), 1);

        store.transition(&run_id, StatusChange::to(RunStatus::Canceled)).await.unwrap();
        clock.set(first + chrono::TimeDelta::minutes(10));
        let fired = ticker.tick().await.unwrap().firings.remove(0).outcome;

        assert!(matches!(fired, FireOutcome::Started(_)), "{fired:?}");
        assert_eq!(starter.calls(), 2);
    }

    #[tokio::test]
    async fn a_schedule_that_allows_overlap_fires_while_the_previous_run_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = a_schedule(dir.path(), "*/5 * * * *", true).await;
        let starter = RecordingStarter::new(&store);
        let first = five_minute_floor(Utc::now()) + chrono::TimeDelta::minutes(10);
        let clock = StoppedClock::at(first);
        let ticker = Ticker::new(store.clone(), starter.clone(), clock.clone());
        ticker.tick().await.unwrap();

        clock.set(first + chrono::TimeDelta::minutes(5));
        let fired = ticker.tick().await.unwrap().firings.remove(0).outcome;

        assert!(matches!(fired, FireOutcome::Started(_)), "{fired:?}");
        assert_eq!(starter.calls(), 2);
    }

    #[tokio::test]
    async fn a_new_ticker_over_the_same_store_never_fires_a_recorded_occurrence_again() {
        let dir = tempfile::tempdir().unwrap();
        let (store, schedule) = a_schedule(dir.path(), "*/5 * * * *", true).await;
        let at = five_minute_floor(Utc::now()) + chrono::TimeDelta::minutes(10);
        let before_the_restart = RecordingStarter::new(&store);
        Ticker::new(store.clone(), before_the_restart.clone(), StoppedClock::at(at)).tick().await.unwrap();
        assert_eq!(before_the_restart.calls(), 1);

        let after_the_restart = RecordingStarter::new(&store);
        let restarted = Ticker::new(store.clone(), after_the_restart.clone(), StoppedClock::at(at));
        let outcome = restarted.tick().await.unwrap();

        assert!(outcome.firings.is_empty(), "{:?}", outcome.firings);
        assert_eq!(after_the_restart.calls(), 0);

        // A firing recorded as starting when the appliance stopped is not fired again either.
        let next = at + chrono::TimeDelta::minutes(5);
        let schedule = store.schedule(&schedule.plan_id, &schedule.id).await.unwrap();
        assert!(store.record_schedule_fire(&schedule, next, FireOutcome::Starting).await.unwrap());
        assert_eq!(store.settle_interrupted_schedule_fires().await.unwrap(), 1);
        let restarted_again = Ticker::new(store.clone(), after_the_restart.clone(), StoppedClock::at(next));
        assert!(restarted_again.tick().await.unwrap().firings.is_empty());
        assert_eq!(after_the_restart.calls(), 0);
    }

    #[tokio::test]
    async fn a_change_made_after_the_ticker_read_a_schedule_keeps_the_firing_from_being_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let (store, schedule) = a_schedule(dir.path(), "*/5 * * * *", false).await;
        let read_before_the_change = schedule.clone();
        store.set_schedule_enabled(&schedule.plan_id, &schedule.id, false).await.unwrap();

        let fire_at = five_minute_floor(Utc::now()) + chrono::TimeDelta::minutes(5);
        let recorded = store.record_schedule_fire(&read_before_the_change, fire_at, FireOutcome::Starting).await;

        assert!(!recorded.unwrap());
        let starter = RecordingStarter::new(&store);
        let ticker = Ticker::new(store.clone(), starter.clone(), StoppedClock::at(fire_at));
        let outcome = ticker.tick().await.unwrap();
        assert!(outcome.firings.is_empty() && outcome.next_fire_at.is_none(), "a paused schedule is not armed");
    }
}
