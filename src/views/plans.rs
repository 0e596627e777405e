//! How plans look to the outside: Skyvern's `Workflow`, whose `workflow_definition` is the saved
//! definition with what Skyvern's clients require of a saved one: every block's
//! `output_parameter` and every parameter's ids and timestamps.

use serde_json::{Map, Value, json};

use super::ORGANIZATION_ID;
use crate::plans::StoredPlan;

/// A plan version as `GET /v1/agents/{id}` returns it.
pub fn plan_response(plan: &StoredPlan) -> Value {
    let mut body = match &plan.request {
        Value::Object(fields) => fields.clone(),
        _ => Map::new(),
    };
    let definition = body.remove("workflow_definition").unwrap_or_else(|| json!({}));
    body.extend([
        ("workflow_id".into(), json!(plan.version_id)),
        ("workflow_permanent_id".into(), json!(plan.plan_id)),
        ("agent_id".into(), json!(plan.plan_id)),
        ("organization_id".into(), json!(ORGANIZATION_ID)),
        ("title".into(), json!(plan.title)),
        ("version".into(), json!(plan.version)),
        ("is_template".into(), json!(false)),
        ("workflow_definition".into(), saved_definition(definition, plan)),
        ("created_at".into(), json!(plan.plan_created_at)),
        ("modified_at".into(), json!(plan.version_created_at)),
        ("deleted_at".into(), json!(plan.deleted_at)),
    ]);
    body.entry("is_saved_task").or_insert(json!(false));
    body.entry("status").or_insert(json!("published"));
    Value::Object(body)
}

/// The definition with the ids and output parameters of a saved one.
fn saved_definition(mut definition: Value, plan: &StoredPlan) -> Value {
    let stamp = |fields: &mut Map<String, Value>| {
        fields.insert("workflow_id".into(), json!(plan.version_id));
        fields.insert("created_at".into(), json!(plan.version_created_at));
        fields.insert("modified_at".into(), json!(plan.version_created_at));
        fields.insert("deleted_at".into(), Value::Null);
    };
    if let Some(parameters) = definition.get_mut("parameters").and_then(Value::as_array_mut) {
        for (index, parameter) in parameters.iter_mut().enumerate() {
            if let Some(fields) = parameter.as_object_mut() {
                let kind = fields.get("parameter_type").and_then(Value::as_str).unwrap_or("workflow").to_owned();
                fields.insert(format!("{kind}_parameter_id"), json!(format!("{}_p{index}", plan.version_id)));
                stamp(fields);
            }
        }
    }
    if let Some(blocks) = definition.get_mut("blocks").and_then(Value::as_array_mut) {
        with_output_parameters(blocks, plan, &stamp);
    }
    definition
}

/// Gives every block (loop blocks too) Skyvern's `output_parameter`: `<label>_output`.
fn with_output_parameters(blocks: &mut [Value], plan: &StoredPlan, stamp: &dyn Fn(&mut Map<String, Value>)) {
    for block in blocks.iter_mut().filter_map(Value::as_object_mut) {
        let label = block.get("label").and_then(Value::as_str).unwrap_or_default().to_owned();
        let mut output = Map::new();
        output.insert("parameter_type".into(), json!("output"));
        output.insert("key".into(), json!(format!("{label}_output")));
        output.insert("output_parameter_id".into(), json!(format!("{}_{label}_output", plan.version_id)));
        stamp(&mut output);
        block.insert("output_parameter".into(), Value::Object(output));
        if let Some(inner) = block.get_mut("loop_blocks").and_then(Value::as_array_mut) {
            with_output_parameters(inner, plan, stamp);
        }
    }
}

/// Skyvern's `Workflow`, as `plan_response` makes it: the plan's fields as sent, then its ids,
/// version and saved definition.
#[derive(utoipa::ToSchema)]
#[schema(as = Workflow)]
pub struct PlanBody {
    /// The version's id (`w_…`).
    pub workflow_id: String,
    /// The plan's id (`wpid_…`), the same across versions.
    pub workflow_permanent_id: String,
    pub agent_id: String,
    pub organization_id: String,
    pub title: String,
    pub version: i64,
    pub is_template: bool,
    pub is_saved_task: bool,
    pub status: String,
    /// Parameters and blocks, with the ids and output parameters of a saved definition.
    pub workflow_definition: Value,
    pub description: Option<String>,
    pub created_at: String,
    pub modified_at: String,
    pub deleted_at: Option<String>,
}
