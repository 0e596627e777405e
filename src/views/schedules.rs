//! How schedules look to the outside: Skyvern's `WorkflowSchedule`, with its next firings in a
//! `WorkflowScheduleResponse`, and `OrganizationScheduleItem` in the list of every plan's
//! schedules. Firings are UTC instants with whole seconds; `allow_overlap` is this appliance's
//! extension. There is no Temporal here, so `temporal_schedule_id` is always `null`.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::ORGANIZATION_ID;
use crate::schedules::{ListedSchedule, Schedule, shown_instant};

/// A schedule as `WorkflowSchedule`.
pub fn schedule_json(schedule: &Schedule) -> Value {
    json!({
        "workflow_schedule_id": schedule.id,
        "organization_id": ORGANIZATION_ID,
        "workflow_permanent_id": schedule.plan_id,
        "cron_expression": schedule.cron_expression,
        "timezone": schedule.timezone,
        "enabled": schedule.enabled,
        "parameters": schedule.parameters,
        "temporal_schedule_id": null,
        "name": schedule.name,
        "description": schedule.description,
        "allow_overlap": schedule.allow_overlap,
        "created_at": schedule.created_at,
        "modified_at": schedule.modified_at,
        "deleted_at": schedule.deleted_at,
    })
}

/// A schedule and its next firings, as `WorkflowScheduleResponse`.
pub fn schedule_response(schedule: &Schedule, next_runs: &[DateTime<Utc>]) -> Value {
    let next_runs: Vec<String> = next_runs.iter().copied().map(shown_instant).collect();
    json!({ "schedule": schedule_json(schedule), "next_runs": next_runs })
}

/// A schedule in the list of every plan's schedules, as `OrganizationScheduleItem`; `next_run`
/// is `null` for a paused one.
pub fn listed_schedule_json(listed: &ListedSchedule, next_run: Option<DateTime<Utc>>) -> Value {
    let schedule = &listed.schedule;
    json!({
        "workflow_schedule_id": schedule.id,
        "organization_id": ORGANIZATION_ID,
        "workflow_permanent_id": schedule.plan_id,
        "workflow_title": listed.plan_title,
        "cron_expression": schedule.cron_expression,
        "timezone": schedule.timezone,
        "enabled": schedule.enabled,
        "parameters": schedule.parameters,
        "name": schedule.name,
        "description": schedule.description,
        "allow_overlap": schedule.allow_overlap,
        "next_run": next_run.map(shown_instant),
        "created_at": schedule.created_at,
        "modified_at": schedule.modified_at,
    })
}

/// Skyvern's `WorkflowSchedule`, as `schedule_json` makes it.
#[derive(utoipa::ToSchema)]
#[schema(as = WorkflowSchedule)]
pub struct ScheduleBody {
    pub workflow_schedule_id: String,
    pub organization_id: String,
    pub workflow_permanent_id: String,
    pub cron_expression: String,
    pub timezone: String,
    pub enabled: bool,
    pub parameters: Option<Value>,
    pub temporal_schedule_id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    /// Whether a firing starts a run while the last one still runs.
    pub allow_overlap: bool,
    pub created_at: String,
    pub modified_at: String,
    pub deleted_at: Option<String>,
}

/// Skyvern's `WorkflowScheduleResponse`, as `schedule_response` makes it.
#[derive(utoipa::ToSchema)]
#[schema(as = WorkflowScheduleResponse)]
pub struct ScheduleResponseBody {
    pub schedule: ScheduleBody,
    /// The next firings, UTC.
    pub next_runs: Vec<String>,
}

/// Skyvern's `OrganizationScheduleItem`, as `listed_schedule_json` makes it.
#[derive(utoipa::ToSchema)]
#[schema(as = OrganizationScheduleItem)]
pub struct ListedScheduleBody {
    pub workflow_schedule_id: String,
    pub organization_id: String,
    pub workflow_permanent_id: String,
    pub workflow_title: Option<String>,
    pub cron_expression: String,
    pub timezone: String,
    pub enabled: bool,
    pub parameters: Option<Value>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub allow_overlap: bool,
    /// `null` for a paused schedule.
    pub next_run: Option<String>,
    pub created_at: String,
    pub modified_at: String,
}
