//! What a run asks of its worker, read from the stored request when the run starts: a task for
//! one of the engines, or a plan for the plan executor (its version as it was when the run was
//! asked for).

use std::time::Duration;

use super::Scheduler;
use crate::config::RunsConfig;
use crate::ids::BrowserProfileId;
use crate::plans::{PlanJob, PlanRequest, PlanRunRequest};
use crate::runs::{Run, RunType, TaskRequest, TaskSpec, TotpSettings};

/// A plan run's time budget when neither the run nor its plan sets one (Skyvern's default).
const PLAN_TIME_BUDGET: Duration = Duration::from_secs(240 * 60);

pub(super) enum Job {
    Task(Box<TaskSpec>),
    Plan(Box<PlanJob>),
}

impl Job {
    pub(super) fn time_budget(&self, limits: &RunsConfig) -> Duration {
        match self {
            Job::Task(spec) => spec.time_budget.unwrap_or(Duration::from_secs(limits.time_budget_seconds)),
            Job::Plan(job) => job.spec.time_budget.unwrap_or(PLAN_TIME_BUDGET),
        }
    }

    pub(super) fn browser_address(&self) -> Option<String> {
        match self {
            Job::Task(spec) => spec.browser_address.clone(),
            Job::Plan(job) => job.spec.browser_address.clone(),
        }
    }

    /// Where the run's verification codes come from, besides its credentials.
    pub(super) fn totp(&self) -> &TotpSettings {
        match self {
            Job::Task(spec) => &spec.totp,
            Job::Plan(job) => &job.spec.totp,
        }
    }

    /// The plan a plan run runs.
    pub(super) fn plan_id(&self) -> Option<&str> {
        match self {
            Job::Task(_) => None,
            Job::Plan(job) => Some(job.version.plan_id.as_str()),
        }
    }

    /// The browser profile the run's own context starts from.
    pub(super) fn browser_profile_id(&self) -> Option<&BrowserProfileId> {
        match self {
            Job::Task(spec) => spec.browser_profile_id.as_ref(),
            Job::Plan(job) => job.spec.browser_profile_id.as_ref(),
        }
    }

    /// The names of the secrets the run needs (kept in memory only).
    pub(super) fn secret_names(&self) -> &[String] {
        match self {
            Job::Task(spec) => &spec.secret_names,
            Job::Plan(_) => &[],
        }
    }
}

impl Scheduler {
    /// Reads the run's job; why not, as a reason that fails the run.
    pub(super) async fn job_of(&self, run: &Run) -> Result<Job, String> {
        match run.run_type {
            RunType::TaskV1 => {
                let request = serde_json::from_value::<TaskRequest>(run.request.clone())
                    .map_err(|error| format!("the stored request is unreadable: {error}"))?;
                let spec = request.into_spec(self.shared.agent.is_some()).map_err(|invalid| invalid.to_string())?;
                Ok(Job::Task(Box::new(spec)))
            }
            RunType::WorkflowRun => {
                let version = run.plan.clone().ok_or("the plan run does not say which plan it runs")?;
                let stored = self
                    .shared
                    .store
                    .plan_version(&version.version_id)
                    .await
                    .map_err(|error| format!("the plan cannot be read: {error}"))?;
                let plan = PlanRequest::from_request(stored.request)
                    .map_err(|error| format!("the plan does not read: {error}"))?;
                let request = serde_json::from_value::<PlanRunRequest>(run.request.clone())
                    .map_err(|error| format!("the stored request is unreadable: {error}"))?;
                let spec = request.into_spec(&plan).map_err(|error| error.to_string())?;
                Ok(Job::Plan(Box::new(PlanJob { plan, version, spec })))
            }
        }
    }
}
