//! The `human_interaction` block: an approval. The run waits in `review_required` with the block's
//! instructions on its timeline until a reviewer decides (`POST /v1/runs/{id}/review`, or
//! Skyvern's `…/continue` to approve): approved, the plan goes on; rejected, the block ends
//! `terminated` with the reviewer's comment; nobody deciding within `timeout_seconds` ends the
//! run `timed_out`. The wait does not count as inactivity. `recipients` are kept on the timeline;
//! no mail is sent, as the appliance has no mail server configured.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{BlockResult, Execution, Scope};
use crate::ids::StepRunId;
use crate::plans::{Block, HumanInteractionBlock};
use crate::runs::{ItemOutcome, ItemStatus, RunStatus, StepStatus, TimelineKind};
use crate::store::{StatusChange, Transition};

/// A reviewer's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    Approve,
    Reject,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub decision: ReviewDecision,
    pub comment: Option<String>,
}

impl Execution<'_> {
    pub(super) async fn await_review(
        &self,
        block: &Block,
        approval: &HumanInteractionBlock,
        scope: &Scope<'_>,
        step_run: &StepRunId,
    ) -> BlockResult {
        let rendered = |text: &str| self.render(text, scope).unwrap_or_else(|_| text.to_owned());
        let request = json!({
            "instructions": rendered(&approval.instructions),
            "positive_descriptor": rendered(&approval.positive_descriptor),
            "negative_descriptor": rendered(&approval.negative_descriptor),
            "timeout_seconds": approval.timeout_seconds,
            "recipients": approval.recipients,
            "subject": rendered(&approval.subject),
            "body": rendered(&approval.body),
            "mail": "not sent: no mail server is configured",
        });
        let run_id = &self.recorder.run_id;
        let label = format!("Approval required: {}", block.common.label);
        let item = self.recorder.start_item(step_run, TimelineKind::Thought, label, request.clone()).await;
        let decision = self.tools.approvals.wait_for_answer(run_id);
        let waiting = self.tools.store.transition(run_id, StatusChange::to(RunStatus::ReviewRequired)).await;
        if !matches!(waiting, Ok(Transition::Applied(_))) {
            self.tools.approvals.forget(run_id);
            return BlockResult::ended(StepStatus::Canceled, "the run stopped before its approval");
        }
        let timeout = Duration::from_secs(approval.timeout_seconds.max(1).unsigned_abs());
        let hold = self.recorder.hold_activity();
        let review = tokio::time::timeout(timeout, decision).await;
        drop(hold);
        let (result, outcome) = match review {
            Ok(Ok(review)) => {
                let back = self.tools.store.transition(run_id, StatusChange::to(RunStatus::Running)).await;
                if !matches!(back, Ok(Transition::Applied(_))) {
                    return BlockResult::ended(StepStatus::Canceled, "the run stopped during its approval");
                }
                let comment = review.comment.clone();
                let output = json!({"success": true, "decision": review.decision, "comment": comment,
                    "reason": format!("status_changed:{}", RunStatus::Running)});
                match review.decision {
                    ReviewDecision::Approve => (BlockResult::completed(output.clone()), output),
                    ReviewDecision::Reject => {
                        let reason = match &comment {
                            Some(comment) if !comment.trim().is_empty() => {
                                format!("rejected by the reviewer: {comment}")
                            }
                            _ => "rejected by the reviewer".to_owned(),
                        };
                        (BlockResult::ended(StepStatus::Terminated, reason).with_output(Some(output.clone())), output)
                    }
                }
            }
            Ok(Err(_)) => return BlockResult::ended(StepStatus::Canceled, "the approval was withdrawn"),
            Err(_) => {
                self.tools.approvals.forget(run_id);
                let output = json!({"success": false, "reason": "Timeout elapsed with no human interaction"});
                let reason = format!("nobody approved or rejected within {} s", approval.timeout_seconds);
                let result = BlockResult { run_timed_out: true, ..BlockResult::ended(StepStatus::TimedOut, reason) };
                (result.with_output(Some(output.clone())), output)
            }
        };
        if let Ok(item) = item {
            let mut detail = request;
            detail["outcome"] = outcome;
            let status =
                if result.status == StepStatus::Completed { ItemStatus::Completed } else { ItemStatus::Failed };
            let _ = self.recorder.finish_item(item, ItemOutcome { status, detail, screenshot_artifact_id: None }).await;
        }
        result
    }
}
