//! A saved plan version as the store keeps it: its ids, number, title and the validated request
//! in canonical JSON, from which responses and runs are made.

use serde_json::Value;

use crate::ids::{PlanId, PlanVersionId};

#[derive(Debug, Clone)]
pub struct StoredPlan {
    /// The plan, whatever its version (Skyvern's `workflow_permanent_id`).
    pub plan_id: PlanId,
    /// This version (Skyvern's `workflow_id`).
    pub version_id: PlanVersionId,
    pub version: i64,
    pub title: String,
    /// The validated create or update request, in its canonical JSON form.
    pub request: Value,
    pub plan_created_at: String,
    pub version_created_at: String,
    pub deleted_at: Option<String>,
}
