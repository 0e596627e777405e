//! The schedules of plans, as the API manages them: every change is checked, saved, and then
//! wakes the ticker, which owns the firing.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::ticker::{self, SystemClock, Ticker};
use super::{Schedule, ScheduleError, ScheduleRequest, StartPlanRun};
use crate::config::SchedulesConfig;
use crate::ids::{PlanId, ScheduleId};
use crate::plans::{Definition, PlanRequest};
use crate::store::{ScheduleFilter, SchedulePage, Store, StoreError};

struct Shared {
    store: Store,
    config: SchedulesConfig,
    /// Wakes the ticker when a schedule changed.
    changed: Arc<Notify>,
    shutdown: CancellationToken,
    tasks: TaskTracker,
}

/// The schedules and their ticker; cheap to clone.
#[derive(Clone)]
pub struct Schedules {
    shared: Arc<Shared>,
}

impl Schedules {
    pub fn new(store: Store, config: SchedulesConfig) -> Schedules {
        Schedules {
            shared: Arc::new(Shared {
                store,
                config,
                changed: Arc::new(Notify::new()),
                shutdown: CancellationToken::new(),
                tasks: TaskTracker::new(),
            }),
        }
    }

    /// Starts the ticker, which starts each firing's run with `starter`; unless
    /// `schedules.enabled` is off.
    pub fn start(&self, starter: Arc<dyn StartPlanRun>) {
        let shared = &self.shared;
        if !shared.config.enabled {
            tracing::info!("schedules do not fire: schedules.enabled is off");
            return;
        }
        let ticker = Ticker::new(shared.store.clone(), starter, Arc::new(SystemClock));
        shared.tasks.spawn(ticker::run(ticker, shared.changed.clone(), shared.shutdown.clone()));
    }

    /// Stops the ticker; a firing whose run is being started gets `grace` to be recorded.
    pub async fn shut_down(&self, grace: Duration) {
        self.shared.shutdown.cancel();
        self.shared.tasks.close();
        if tokio::time::timeout(grace, self.shared.tasks.wait()).await.is_err() {
            tracing::warn!("the schedule ticker did not stop in time");
        }
    }

    /// Saves a new schedule of a plan. Checked in Skyvern's order: the timing, the plan, the
    /// parameters.
    pub async fn create(&self, plan_id: &PlanId, request: ScheduleRequest) -> Result<Schedule, ScheduleError> {
        let timing = request.timing(self.shared.config.min_interval_seconds, Utc::now())?;
        let definition = self.definition(plan_id).await?;
        let spec = request.into_spec(timing, plan_id, &definition)?;
        let schedule = self.shared.store.create_schedule(plan_id, spec).await?;
        self.shared.changed.notify_one();
        Ok(schedule)
    }

    /// Replaces a schedule. Checked in Skyvern's order: the plan, the schedule, the timing, the
    /// parameters.
    pub async fn update(
        &self,
        plan_id: &PlanId,
        schedule_id: &ScheduleId,
        request: ScheduleRequest,
    ) -> Result<Schedule, ScheduleError> {
        let definition = self.definition(plan_id).await?;
        let existing = self.shared.store.schedule(plan_id, schedule_id).await;
        existing.map_err(|error| not_found_as(error, schedule_id))?;
        let timing = request.timing(self.shared.config.min_interval_seconds, Utc::now())?;
        let spec = request.into_spec(timing, plan_id, &definition)?;
        let schedule = self.shared.store.update_schedule(plan_id, schedule_id, spec).await;
        let schedule = schedule.map_err(|error| not_found_as(error, schedule_id))?;
        self.shared.changed.notify_one();
        Ok(schedule)
    }

    pub async fn get(&self, plan_id: &PlanId, schedule_id: &ScheduleId) -> Result<Schedule, ScheduleError> {
        self.definition(plan_id).await?;
        let schedule = self.shared.store.schedule(plan_id, schedule_id).await;
        schedule.map_err(|error| not_found_as(error, schedule_id))
    }

    /// A plan's schedules, newest first.
    pub async fn of_plan(&self, plan_id: &PlanId) -> Result<Vec<Schedule>, ScheduleError> {
        self.definition(plan_id).await?;
        Ok(self.shared.store.plan_schedules(plan_id).await?)
    }

    /// Enables or pauses a schedule. Enabled again, it fires from its next occurrence on; what
    /// it missed while paused never fires.
    pub async fn set_enabled(
        &self,
        plan_id: &PlanId,
        schedule_id: &ScheduleId,
        enabled: bool,
    ) -> Result<Schedule, ScheduleError> {
        self.definition(plan_id).await?;
        let schedule = self.shared.store.set_schedule_enabled(plan_id, schedule_id, enabled).await;
        let schedule = schedule.map_err(|error| not_found_as(error, schedule_id))?;
        self.shared.changed.notify_one();
        Ok(schedule)
    }

    pub async fn delete(&self, plan_id: &PlanId, schedule_id: &ScheduleId) -> Result<(), ScheduleError> {
        self.definition(plan_id).await?;
        let deleted = self.shared.store.delete_schedule(plan_id, schedule_id).await;
        deleted.map_err(|error| not_found_as(error, schedule_id))?;
        self.shared.changed.notify_one();
        Ok(())
    }

    /// A page of every plan's schedules, newest first.
    pub async fn list(&self, filter: ScheduleFilter) -> Result<SchedulePage, ScheduleError> {
        Ok(self.shared.store.list_schedules(filter).await?)
    }

    /// The definition of a live plan's newest version.
    async fn definition(&self, plan_id: &PlanId) -> Result<Definition, ScheduleError> {
        let plan = match self.shared.store.plan(plan_id, None).await {
            Ok(plan) => plan,
            Err(StoreError::NotFound(_)) => return Err(ScheduleError::PlanNotFound(plan_id.clone())),
            Err(error) => return Err(error.into()),
        };
        let request = PlanRequest::from_request(plan.request).map_err(|error| {
            StoreError::Corrupt(format!("the saved plan {plan_id} no longer reads as a plan: {error}"))
        })?;
        Ok(request.definition)
    }
}

fn not_found_as(error: StoreError, schedule_id: &ScheduleId) -> ScheduleError {
    match error {
        StoreError::NotFound(_) => ScheduleError::NotFound(schedule_id.clone()),
        other => other.into(),
    }
}
