//! A firing asks the scheduler for its plan run as `POST /v1/run/agents` does, with the
//! schedule's parameter values and the schedule named as the run's origin (`trigger_type:
//! "scheduled"`, `workflow_schedule_id`); the run is of the plan's newest version.

use futures::future::BoxFuture;
use serde_json::{Map, Value, json};

use super::StartPlanRun;
use crate::ids::{PlanId, RunId, ScheduleId};
use crate::scheduler::{RunOrigin, Scheduler};

/// Starts the runs of firings through the scheduler's queue.
pub struct QueuedPlanRuns {
    scheduler: Scheduler,
}

impl QueuedPlanRuns {
    pub fn new(scheduler: Scheduler) -> QueuedPlanRuns {
        QueuedPlanRuns { scheduler }
    }
}

impl StartPlanRun for QueuedPlanRuns {
    fn start(
        &self,
        plan_id: PlanId,
        parameters: Map<String, Value>,
        schedule_id: ScheduleId,
    ) -> BoxFuture<'static, Result<RunId, String>> {
        let scheduler = self.scheduler.clone();
        Box::pin(async move {
            let body = json!({ "agent_id": plan_id, "parameters": parameters });
            let origin = RunOrigin::Schedule(schedule_id.to_string());
            let run = scheduler.queue_plan_run(body, None, origin).await.map_err(|error| error.to_string())?;
            Ok(run.id)
        })
    }
}
