//! The create and update request of a schedule: Skyvern's `WorkflowScheduleUpsertRequest`, plus
//! this appliance's `allow_overlap`. Every optional field accepts `null`; unknown fields are
//! ignored.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::parameters::checked_parameters;
use super::{InvalidSchedule, Timing};
use crate::ids::PlanId;
use crate::plans::Definition;

/// The body as Skyvern's clients send it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[schema(as = WorkflowScheduleUpsertRequest)]
pub struct ScheduleRequest {
    pub cron_expression: String,
    pub timezone: String,
    /// `None`: enabled on create, unchanged on update.
    pub enabled: Option<bool>,
    #[schema(value_type = Option<Object>)]
    pub parameters: Option<Map<String, Value>>,
    pub name: Option<String>,
    pub description: Option<String>,
    /// `None`: off on create, unchanged on update.
    pub allow_overlap: Option<bool>,
}

/// What a schedule is saved with, checked.
#[derive(Debug, Clone)]
pub struct ScheduleSpec {
    pub timing: Timing,
    pub enabled: Option<bool>,
    pub parameters: Option<Map<String, Value>>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub allow_overlap: Option<bool>,
}

impl ScheduleRequest {
    /// The timing asked for, checked (Skyvern checks it before it looks for the plan).
    pub fn timing(&self, min_interval_seconds: u64, now: DateTime<Utc>) -> Result<Timing, InvalidSchedule> {
        Timing::checked(&self.cron_expression, &self.timezone, min_interval_seconds, now)
    }

    /// The schedule to save with `timing`, its parameters checked against the plan's definition.
    pub fn into_spec(
        self,
        timing: Timing,
        plan_id: &PlanId,
        definition: &Definition,
    ) -> Result<ScheduleSpec, InvalidSchedule> {
        Ok(ScheduleSpec {
            timing,
            enabled: self.enabled,
            parameters: checked_parameters(plan_id, definition, self.parameters)?,
            name: self.name,
            description: self.description,
            allow_overlap: self.allow_overlap,
        })
    }
}
