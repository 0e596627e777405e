//! How plan runs look to the outside: the `run_request` a `WorkflowRunResponse` echoes, Skyvern's
//! `WorkflowRun` list items, the step tree of `GET /v1/runs/{id}/steps` (this appliance's
//! extension): each block's step with its attempts, a loop's items with their steps, tokens and
//! cost per step (its own and those of the steps under it) and summed for the run; and the
//! timeline as a tree, each block's thoughts and actions (and a loop's blocks) in its `children`.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::ORGANIZATION_ID;
use crate::ids::StepId;
use crate::runs::{Run, StepRecord, StepRunRecord, TimelineItem, TimelineKind, Usage};

/// Skyvern's `WorkflowRunRequest` as a plan run echoes it: `workflow_id` is the plan's id.
pub fn plan_run_request(run: &Run) -> Value {
    let mut request = match &run.request {
        Value::Object(fields) => fields.clone(),
        _ => Map::new(),
    };
    request.remove("agent_id");
    request.remove("trigger_type");
    request.remove("workflow_schedule_id");
    request.insert("workflow_id".into(), json!(run.plan.as_ref().map(|plan| &plan.plan_id)));
    request.insert("title".into(), json!(run.title));
    Value::Object(request)
}

/// A plan run as `GET /v1/agents/runs` lists it (Skyvern's `WorkflowRun`).
pub fn workflow_run_item(run: &Run) -> Value {
    let request = &run.request;
    json!({
        "workflow_run_id": run.id,
        "workflow_id": run.plan.as_ref().map(|plan| &plan.version_id),
        "workflow_permanent_id": run.plan.as_ref().map(|plan| &plan.plan_id),
        "organization_id": ORGANIZATION_ID,
        "status": run.status,
        "failure_reason": run.failure_reason,
        "webhook_callback_url": run.webhook_url,
        "workflow_title": run.title,
        "max_elapsed_time_minutes": request.get("max_elapsed_time_minutes"),
        "extra_http_headers": request.get("extra_http_headers"),
        "browser_session_id": run.browser_session_id,
        "run_with": "agent",
        "trigger_type": request.get("trigger_type").cloned().unwrap_or(json!("api")),
        "workflow_schedule_id": request.get("workflow_schedule_id"),
        "queued_at": run.queued_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "created_at": run.created_at,
        "modified_at": run.modified_at,
    })
}

/// The run's steps as a tree, with the run's usage summed over its top-level steps.
pub fn step_tree(run: &Run, steps: &[StepRecord]) -> Value {
    let mut children: HashMap<Option<&StepId>, Vec<&StepRecord>> = HashMap::new();
    for step in steps {
        children.entry(step.parent_step_id.as_ref()).or_default().push(step);
    }
    let top: Vec<(Value, Usage)> =
        children.get(&None).into_iter().flatten().map(|step| step_node(step, &children)).collect();
    let usage = top.iter().fold(Usage::default(), |sum, (_, usage)| add(&sum, usage));
    json!({
        "run_id": run.id,
        "status": run.status,
        "usage": usage,
        "steps": top.into_iter().map(|(node, _)| node).collect::<Vec<_>>(),
    })
}

/// One step with its attempts and the steps under it; and its usage, those included.
fn step_node(step: &StepRecord, children: &HashMap<Option<&StepId>, Vec<&StepRecord>>) -> (Value, Usage) {
    let own = step.runs.iter().fold(Usage::default(), |sum, attempt| add(&sum, &attempt.usage));
    let under: Vec<(Value, Usage, Option<i64>, Option<Value>)> = children
        .get(&Some(&step.step_id))
        .into_iter()
        .flatten()
        .map(|child| {
            let (node, usage) = step_node(child, children);
            (node, usage, child.loop_index, child.loop_value.clone())
        })
        .collect();
    let usage = under.iter().fold(own, |sum, (_, usage, _, _)| add(&sum, usage));
    let last = step.last_run();
    let mut node = json!({
        "step_id": step.step_id,
        "label": step.label,
        "kind": step.kind,
        "status": last.map(|run| run.status),
        "visit": step.visit,
        "started_at": step.runs.first().map(|run| &run.started_at),
        "finished_at": last.and_then(|run| run.finished_at.as_ref()),
        "duration_ms": step.runs.first().zip(last).and_then(|(first, last)| duration_ms(&first.started_at, last.finished_at.as_deref())),
        "output": last.and_then(|run| run.output.as_ref()),
        "failure_reason": last.and_then(|run| run.failure_reason.as_ref()),
        "usage": usage,
        "attempts": step.runs.iter().map(attempt_node).collect::<Vec<_>>(),
    });
    if under.iter().any(|(_, _, index, _)| index.is_some()) {
        let mut iterations: Vec<Value> = Vec::new();
        for (child, _, index, value) in under {
            match iterations.last_mut() {
                Some(iteration) if iteration["index"] == json!(index) => {
                    if let Some(steps) = iteration["steps"].as_array_mut() {
                        steps.push(child);
                    }
                }
                _ => iterations.push(json!({"index": index, "value": value, "steps": [child]})),
            }
        }
        node["iterations"] = Value::Array(iterations);
    } else {
        node["steps"] = Value::Array(under.into_iter().map(|(child, ..)| child).collect());
    }
    (node, usage)
}

fn attempt_node(attempt: &StepRunRecord) -> Value {
    json!({
        "step_run_id": attempt.step_run_id,
        "attempt": attempt.attempt,
        "status": attempt.status,
        "started_at": attempt.started_at,
        "finished_at": attempt.finished_at,
        "duration_ms": duration_ms(&attempt.started_at, attempt.finished_at.as_deref()),
        "output": attempt.output,
        "failure_reason": attempt.failure_reason,
        "usage": attempt.usage,
    })
}

fn duration_ms(started: &str, finished: Option<&str>) -> Option<i64> {
    let (started, finished) = (crate::clock::parse(started)?, crate::clock::parse(finished?)?);
    Some((finished - started).whole_milliseconds() as i64)
}

fn add(a: &Usage, b: &Usage) -> Usage {
    Usage {
        input_tokens: a.input_tokens + b.input_tokens,
        cached_tokens: a.cached_tokens + b.cached_tokens,
        output_tokens: a.output_tokens + b.output_tokens,
        cost_usd: a.cost_usd + b.cost_usd,
    }
}

/// The timeline of a plan run as a tree, in the order things happened: every item sits in the
/// `children` of the block attempt it happened in (the nearest block above its step that was
/// running when it started); items outside any block stay at the top.
pub fn nested_timeline(items: &[TimelineItem], steps: &[StepRecord]) -> Vec<Value> {
    let step_of_attempt: HashMap<&str, &StepRecord> = steps
        .iter()
        .flat_map(|step| step.runs.iter().map(move |attempt| (attempt.step_run_id.as_str(), step)))
        .collect();
    let parent_of: HashMap<&StepId, Option<&StepId>> =
        steps.iter().map(|step| (&step.step_id, step.parent_step_id.as_ref())).collect();
    // The block items of each step, in order.
    let mut blocks_of_step: HashMap<&StepId, Vec<usize>> = HashMap::new();
    for (index, item) in items.iter().enumerate() {
        if item.kind == TimelineKind::Block
            && let Some(step) = item.step_run_id.as_ref().and_then(|id| step_of_attempt.get(id.as_str()))
        {
            blocks_of_step.entry(&step.step_id).or_default().push(index);
        }
    }
    // The block item each item belongs under.
    let home = |index: usize| -> Option<usize> {
        let item = &items[index];
        let mut step = item.step_run_id.as_ref().and_then(|id| step_of_attempt.get(id.as_str())).map(|s| &s.step_id);
        if item.kind == TimelineKind::Block {
            step = step.and_then(|id| parent_of.get(id).copied().flatten());
        }
        while let Some(id) = step {
            let under = blocks_of_step.get(id).and_then(|blocks| {
                blocks.iter().rev().copied().find(|&block| block < index && items[block].started_at <= item.started_at)
            });
            if under.is_some() {
                return under;
            }
            step = parent_of.get(id).copied().flatten();
        }
        None
    };
    let homes: Vec<Option<usize>> = (0..items.len()).map(home).collect();
    fn build(index: usize, items: &[TimelineItem], homes: &[Option<usize>]) -> Value {
        let mut node = super::timeline_item(&items[index]);
        if items[index].kind == TimelineKind::Block {
            let children: Vec<Value> = (0..items.len())
                .filter(|&child| homes[child] == Some(index))
                .map(|child| build(child, items, homes))
                .collect();
            node["children"] = Value::Array(children);
        }
        node
    }
    (0..items.len()).filter(|&index| homes[index].is_none()).map(|index| build(index, items, &homes)).collect()
}

/// Skyvern's `WorkflowRun`, as `workflow_run_item` makes it.
#[derive(utoipa::ToSchema)]
#[schema(as = WorkflowRun)]
pub struct WorkflowRunBody {
    pub workflow_run_id: String,
    pub workflow_id: Option<String>,
    pub workflow_permanent_id: Option<String>,
    pub organization_id: String,
    pub status: crate::runs::RunStatus,
    pub failure_reason: Option<String>,
    pub webhook_callback_url: Option<String>,
    pub workflow_title: Option<String>,
    pub max_elapsed_time_minutes: Option<i64>,
    pub extra_http_headers: Option<Value>,
    pub browser_session_id: Option<String>,
    pub run_with: String,
    /// `api`, `manual`, `scheduled` or `rerun`.
    pub trigger_type: String,
    pub workflow_schedule_id: Option<String>,
    pub queued_at: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub created_at: String,
    pub modified_at: String,
}
