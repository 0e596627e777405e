//! The plan executor: runs a plan's blocks in the run's browser context, in the order the plan
//! gives them (`Order`), and turns how they ended into the run's outcome.
//!
//! Every execution of a block is a step at its place in the plan (`Scope`: the loop item it runs
//! for, the visit of a block that a `next_block_label` reaches again), and each attempt of it is
//! a step run; a failed attempt of a block with `max_retries` is tried again after a pause that
//! doubles. What a block produced is remembered for the templates of the blocks after it
//! (`values`) and becomes the run's `output` (`<label>_output`, as Skyvern names them).
//!
//! A run that a restart interrupted starts again here: steps whose attempt completed are not run
//! again (their outputs are read back, `earlier`), and an attempt cut short counts as a failed
//! attempt, except for blocks that did nothing outside the appliance (a wait, an approval, a loop
//! or a branch), which run again.
//!
//! The blocks themselves live in `blocks` (what each type does), `control` (loops and branches),
//! `http`, `approval` and `lists` (chains and graphs of blocks).

mod approval;
mod blocks;
mod control;
mod earlier;
mod http;
mod lists;
mod values;

use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use serde_json::{Map, Value, json};

pub use approval::{Review, ReviewDecision};

use self::earlier::Earlier;
use self::values::Values;
use super::{Block, BlockKind, PlanRequest, PlanRunSpec, Templates};
use crate::agent::Agent;
use crate::browser::RunPage;
use crate::engine::{Interactions, Outcome, RunRecorder};
use crate::ids::StepId;
use crate::runs::{PlanVersionRef, RunError, StepPlace, StepStatus};
use crate::store::{Store, StoreError};

/// How often a block may run in one list of a run (a `next_block_label` pointing back polls);
/// the next visit ends the run with a clear error.
pub const VISIT_LIMIT: i64 = 50;
/// The pause before the first retry of a failed attempt; it doubles each time, up to the cap.
const FIRST_RETRY_PAUSE: Duration = Duration::from_millis(500);
const LONGEST_RETRY_PAUSE: Duration = Duration::from_secs(8);
/// Why an attempt was cut short by a restart.
pub const INTERRUPTED: &str = "interrupted: the appliance stopped during this step";

/// A plan run, ready to execute: its plan version, read and checked, and its run request.
#[derive(Debug, Clone)]
pub struct PlanJob {
    pub plan: PlanRequest,
    pub version: PlanVersionRef,
    pub spec: PlanRunSpec,
}

/// What the executor works with besides the run's browser and recorder.
#[derive(Clone, Copy)]
pub struct Tools<'a> {
    pub agent: Option<&'a Agent>,
    pub store: &'a Store,
    pub approvals: &'a Interactions<Review>,
    pub http: &'a reqwest::Client,
}

/// Runs the plan to its end; the run's output is written whatever the outcome.
pub async fn execute(tools: Tools<'_>, recorder: &RunRecorder, page: &RunPage, job: &PlanJob) -> Outcome {
    let earlier = match tools.store.run_steps(&recorder.run_id).await {
        Ok(steps) => Earlier::index(steps),
        Err(error) => return Outcome::Failed(crate::engine::system_error(error)),
    };
    let execution = Execution {
        tools,
        recorder,
        job,
        templates: Templates::default(),
        values: Values::new(&recorder.run_id, job),
        outputs: Mutex::new(Map::new()),
        earlier,
        main_page: page,
        main_page_busy: AtomicBool::new(false),
    };
    if !job.spec.extra_http_headers.is_empty()
        && let Err(error) = page.set_extra_headers(&job.spec.extra_http_headers).await
    {
        return Outcome::Failed(crate::engine::action_error(0, "set headers", &error));
    }
    let ending = Box::pin(execution.run_plan()).await;
    let output = execution.run_output();
    if let Err(error) = tools.store.set_run_output(&recorder.run_id, output.clone()).await {
        tracing::warn!(run_id = %recorder.run_id, %error, "the plan run's output could not be kept");
    }
    match ending {
        None => Outcome::Completed { output },
        Some(stop) => stop.into_outcome(),
    }
}

/// After a plan run was canceled: its open attempts end `canceled`, and the plan's blocks that
/// never started are listed as `canceled` too, so the run's steps say what did not happen.
pub async fn mark_canceled(store: &Store, run_id: &crate::ids::RunId, job: &PlanJob) -> Result<(), StoreError> {
    store.close_open_step_runs(run_id, StepStatus::Canceled, "canceled by a person").await?;
    let steps = store.run_steps(run_id).await?;
    for block in &job.plan.definition.blocks {
        let label = &block.common.label;
        if !steps.iter().any(|step| step.parent_step_id.is_none() && &step.label == label) {
            let place = StepPlace {
                label: label.clone(),
                kind: block.kind.type_name().to_owned(),
                visit: 1,
                ..StepPlace::default()
            };
            store
                .record_step(run_id, place, StepStatus::Canceled, Some("the run was canceled before this block".into()))
                .await?;
        }
    }
    Ok(())
}

/// One plan run under way.
struct Execution<'a> {
    tools: Tools<'a>,
    recorder: &'a RunRecorder,
    job: &'a PlanJob,
    templates: Templates,
    /// What templates see: parameters, the run's names and every block output so far.
    values: Values,
    /// `<label>_output` of every block that produced one, for the run's output.
    outputs: Mutex<Map<String, Value>>,
    earlier: Earlier,
    /// The run's own page; a browser block running beside another gets a tab of its own.
    main_page: &'a RunPage,
    main_page_busy: AtomicBool,
}

/// Where a block runs: under which step (a loop's), for which loop item, on which page.
#[derive(Clone)]
struct Scope<'p> {
    parent: Option<StepId>,
    /// The place's path, to find the steps of an earlier process (`/each#1[2]`).
    path: String,
    item: Option<(i64, Value)>,
    page: &'p RunPage,
}

impl<'p> Scope<'p> {
    /// The path of the block `label` on its `visit`-th run here.
    fn path_of(&self, label: &str, visit: i64) -> String {
        format!("{}/{label}#{visit}", self.path)
    }

    fn place(&self, block: &Block, visit: i64) -> StepPlace {
        StepPlace {
            parent: self.parent.clone(),
            label: block.common.label.clone(),
            kind: block.kind.type_name().to_owned(),
            loop_index: self.item.as_ref().map(|(index, _)| *index),
            loop_value: self.item.as_ref().map(|(_, value)| value.clone()),
            visit,
        }
    }
}

/// How one attempt of a block ended.
#[derive(Debug, Clone)]
struct BlockResult {
    status: StepStatus,
    output: Option<Value>,
    reason: Option<String>,
    /// A conditional: where the branch it took leads.
    branch: Option<String>,
    /// An approval that nobody gave in time: the run ends `timed_out`.
    run_timed_out: bool,
}

impl BlockResult {
    fn completed(output: Value) -> BlockResult {
        BlockResult {
            status: StepStatus::Completed,
            output: Some(output),
            reason: None,
            branch: None,
            run_timed_out: false,
        }
    }

    fn ended(status: StepStatus, reason: impl Into<String>) -> BlockResult {
        BlockResult { status, output: None, reason: Some(reason.into()), branch: None, run_timed_out: false }
    }

    fn failed(reason: impl Into<String>) -> BlockResult {
        BlockResult::ended(StepStatus::Failed, reason)
    }

    fn with_output(mut self, output: Option<Value>) -> BlockResult {
        self.output = output;
        self
    }
}

/// Why a list of blocks stopped before its end.
#[derive(Debug, Clone)]
struct Stop {
    status: StepStatus,
    error: RunError,
    /// The block that stopped asked the loop around it to go on with its next item.
    next_item: bool,
    run_timed_out: bool,
}

impl Stop {
    /// What a block that ended `result` does to the run, as Skyvern words it.
    fn of(block: &Block, result: &BlockResult) -> Stop {
        let block_type = block.kind.type_name();
        let reason = result.reason.clone().unwrap_or_default();
        let (code, message) = match result.status {
            StepStatus::Terminated => ("block_terminated", format!("{block_type} block terminated. Reason: {reason}")),
            StepStatus::TimedOut => ("block_timed_out", format!("{block_type} block timed out. Reason: {reason}")),
            StepStatus::Canceled => ("canceled", format!("{block_type} block canceled")),
            _ => ("block_failed", format!("{block_type} block failed. failure reason: {reason}")),
        };
        Stop {
            status: result.status,
            error: RunError::new("plan", code, message),
            next_item: block.common.next_loop_on_failure,
            run_timed_out: result.run_timed_out,
        }
    }

    fn failure(code: &str, message: String) -> Stop {
        Stop {
            status: StepStatus::Failed,
            error: RunError::new("plan", code, message),
            next_item: false,
            run_timed_out: false,
        }
    }

    fn into_outcome(self) -> Outcome {
        match self.status {
            _ if self.run_timed_out => Outcome::TimedOut(self.error),
            StepStatus::Terminated => Outcome::Terminated(self.error),
            _ => Outcome::Failed(self.error),
        }
    }
}

impl Execution<'_> {
    /// Runs the plan's blocks, then its `finally_block_label` block unless the run was canceled.
    /// `None` when the plan ended well.
    async fn run_plan(&self) -> Option<Stop> {
        let definition = &self.job.plan.definition;
        let finally = definition.finally_block_label.as_deref();
        let body = without_finally_block(&definition.blocks, finally);
        let top = Scope { parent: None, path: String::new(), item: None, page: self.main_page };
        let (ending, _) = self.run_list(&body, &top).await;
        let Some(finally) = finally.and_then(|label| definition.blocks.iter().find(|b| b.common.label == label)) else {
            return ending;
        };
        if ending.as_ref().is_some_and(|stop| stop.status == StepStatus::Canceled || stop.run_timed_out) {
            return ending;
        }
        let result = self.run_block(finally, &top, 1).await;
        // A body that failed keeps its reason; a finally block that fails fails a good body.
        match ending {
            Some(stop) => Some(stop),
            None if is_stopping(&result) && !finally.common.continue_on_failure => Some(Stop::of(finally, &result)),
            None => None,
        }
    }

    /// The run's `output`: every block's output by `<label>_output`, and the extracted
    /// information of all of them in one list; `None` before any block produced one.
    fn run_output(&self) -> Option<Value> {
        let mut outputs = self.outputs.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if outputs.is_empty() {
            return None;
        }
        let mut extracted = Vec::new();
        for value in outputs.values() {
            collect_extracted_information(value, &mut extracted);
        }
        outputs.insert("extracted_information".into(), Value::Array(extracted));
        Some(Value::Object(outputs))
    }

    /// Keeps what a block produced for the templates after it and for the run's output.
    fn remember(&self, block: &Block, output: Option<&Value>) {
        let label = &block.common.label;
        let output = output.cloned().unwrap_or(Value::Null);
        self.values.set_block_output(label, &output);
        self.outputs.lock().unwrap_or_else(|p| p.into_inner()).insert(format!("{label}_output"), output);
    }

    /// Runs a block at its place: read back if an earlier process completed it, else attempted
    /// (again, while `max_retries` allows), each attempt a step run with a block item on the
    /// timeline.
    async fn run_block(&self, block: &Block, scope: &Scope<'_>, visit: i64) -> BlockResult {
        let path = scope.path_of(&block.common.label, visit);
        let attempts = 1 + block.max_retries();
        let (step_id, mut attempt, mut first) = match self.earlier.get(&path) {
            Some(done) if done.completed => {
                let result = BlockResult {
                    branch: done.output.as_ref().and_then(|o| o["next_block_label"].as_str()).map(str::to_owned),
                    ..BlockResult::completed(done.output.clone().unwrap_or(Value::Null))
                };
                self.remember(block, result.output.as_ref());
                return result;
            }
            Some(done) if block.runs_again_after_interruption() || done.attempts < attempts => {
                (done.step_id.clone(), done.attempts + 1, None)
            }
            Some(done) => return BlockResult::failed(done.reason.clone().unwrap_or_else(|| INTERRUPTED.into())),
            None => match self.recorder.begin_placed_step(scope.place(block, visit)).await {
                Ok((step_id, step_run)) => (step_id, 1, Some(step_run)),
                Err(error) => return BlockResult::failed(format!("the step could not be recorded: {error}")),
            },
        };
        loop {
            let step_run = match first.take() {
                Some(step_run) => step_run,
                None => match self.recorder.begin_attempt(&step_id, attempt, block.kind.type_name()).await {
                    Ok(step_run) => step_run,
                    Err(error) => return BlockResult::failed(format!("the step could not be recorded: {error}")),
                },
            };
            let result = self.attempt(block, scope, &path, &step_id, &step_run, attempt).await;
            if let Err(error) =
                self.recorder.finish_step(&step_run, result.status, result.output.clone(), result.reason.clone()).await
            {
                tracing::warn!(run_id = %self.recorder.run_id, %error, "a step's end could not be recorded");
            }
            if result.status == StepStatus::Failed && attempt < attempts {
                let pause = FIRST_RETRY_PAUSE.saturating_mul(1 << (attempt - 1).min(5)).min(LONGEST_RETRY_PAUSE);
                tokio::time::sleep(pause).await;
                attempt += 1;
                continue;
            }
            if result.output.is_some() || result.status != StepStatus::Failed {
                self.remember(block, result.output.as_ref());
            }
            return result;
        }
    }

    /// One attempt, with its block item on the timeline.
    async fn attempt(
        &self,
        block: &Block,
        scope: &Scope<'_>,
        path: &str,
        step_id: &StepId,
        step_run: &crate::ids::StepRunId,
        attempt: i64,
    ) -> BlockResult {
        use crate::runs::{ItemOutcome, ItemStatus, TimelineKind};
        let detail = json!({ "block_type": block.kind.type_name(), "attempt": attempt, "loop_index": scope.item.as_ref().map(|(i, _)| i) });
        let item =
            self.recorder.start_item(step_run, TimelineKind::Block, block.common.label.clone(), detail.clone()).await;
        let result = Box::pin(self.perform(block, scope, path, step_id, step_run)).await;
        if let Ok(item) = item {
            let status = match result.status {
                StepStatus::Completed | StepStatus::Skipped => ItemStatus::Completed,
                StepStatus::Canceled => ItemStatus::Canceled,
                _ => ItemStatus::Failed,
            };
            let mut detail = detail;
            detail["status"] = json!(result.status);
            detail["failure_reason"] = json!(result.reason);
            let outcome = ItemOutcome { status, detail, screenshot_artifact_id: None };
            if let Err(error) = self.recorder.finish_item(item, outcome).await {
                tracing::warn!(run_id = %self.recorder.run_id, %error, "a block's timeline item could not be closed");
            }
        }
        result
    }
}

/// Whether a block's result stops the list it is in (unless it may continue on failure).
fn is_stopping(result: &BlockResult) -> bool {
    !matches!(result.status, StepStatus::Completed | StepStatus::Skipped)
}

/// The blocks without the finally block, and without the references to it (which end the path).
fn without_finally_block(blocks: &[Block], finally: Option<&str>) -> Vec<Block> {
    let Some(finally) = finally else { return blocks.to_vec() };
    blocks
        .iter()
        .filter(|block| block.common.label != finally)
        .cloned()
        .map(|mut block| {
            if block.common.next_block_label.as_deref() == Some(finally) {
                block.common.next_block_label = None;
            }
            if let BlockKind::Conditional(conditional) = &mut block.kind {
                for branch in &mut conditional.branch_conditions {
                    if branch.next_block_label.as_deref() == Some(finally) {
                        branch.next_block_label = None;
                    }
                }
            }
            block
        })
        .collect()
}

/// Every `extracted_information` inside `value`, a list's items spliced in.
fn collect_extracted_information(value: &Value, into: &mut Vec<Value>) {
    match value {
        Value::Object(fields) => {
            match fields.get("extracted_information") {
                Some(Value::Array(items)) => into.extend(items.iter().cloned()),
                Some(Value::Null) | None => {}
                Some(found) => into.push(found.clone()),
            }
            for (key, inner) in fields {
                if key != "extracted_information" {
                    collect_extracted_information(inner, into);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_extracted_information(item, into)),
        _ => {}
    }
}
