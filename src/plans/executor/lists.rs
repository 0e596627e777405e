//! Running a list of blocks (the plan's, or a loop's for one item): as a chain along
//! `next_block_label`, with the blocks of the branches a conditional did not take listed as
//! `skipped` and a block visited too often ending the run; or as a graph of `depends_on`, whose
//! ready blocks run at the same time, each browser block in a tab of its own.
//!
//! In a graph, a block that stops the run lets the blocks already running finish (they may be
//! in the middle of a form) and starts no other.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use serde_json::Value;

use super::{BlockResult, Execution, Scope, Stop, VISIT_LIMIT, is_stopping};
use crate::browser::RunPage;
use crate::plans::{Block, BlockKind, Chain, Graph, Order};
use crate::runs::StepStatus;

/// The outputs of the blocks a list ran, in the order they ended.
pub(super) type ListOutputs = Vec<(String, Option<Value>)>;

impl Execution<'_> {
    /// Runs a list of blocks; `None` when it reached its end.
    pub(super) async fn run_list(&self, blocks: &[Block], scope: &Scope<'_>) -> (Option<Stop>, ListOutputs) {
        match Order::of(blocks) {
            Order::Chain(chain) => self.run_chain(&chain, scope).await,
            Order::Graph(graph) => self.run_graph(&graph, blocks, scope).await,
        }
    }

    async fn run_chain(&self, chain: &Chain<'_>, scope: &Scope<'_>) -> (Option<Stop>, ListOutputs) {
        let mut outputs = Vec::new();
        let mut visits: HashMap<&str, i64> = HashMap::new();
        let mut current = chain.first();
        while let Some(block) = current {
            let label = block.common.label.as_str();
            let visit = visits.entry(label).and_modify(|v| *v += 1).or_insert(1);
            if *visit > VISIT_LIMIT {
                let message = format!(
                    "block \"{label}\" was reached {VISIT_LIMIT} times: a next_block_label leading back to it never let the plan go on"
                );
                return (Some(Stop::failure("visit_limit_reached", message)), outputs);
            }
            let result = self.run_block(block, scope, *visit).await;
            outputs.push((label.to_owned(), result.output.clone()));
            if let BlockKind::Conditional(_) = &block.kind
                && result.status == StepStatus::Completed
            {
                self.skip_untaken_branches(chain, block, result.branch.as_deref(), scope).await;
            }
            if let Some(stop) = self.stop_for(block, &result) {
                return (Some(stop), outputs);
            }
            current = chain.after(label, result.branch.as_deref());
        }
        (None, outputs)
    }

    /// Whether a block's end stops its list: a cancel always does; a failure unless the block
    /// may continue on failure.
    fn stop_for(&self, block: &Block, result: &BlockResult) -> Option<Stop> {
        let stops = result.status == StepStatus::Canceled
            || result.run_timed_out
            || (is_stopping(result) && !block.common.continue_on_failure);
        stops.then(|| Stop::of(block, result))
    }

    /// Lists the blocks only the branches not taken lead to as `skipped`.
    async fn skip_untaken_branches(
        &self,
        chain: &Chain<'_>,
        conditional: &Block,
        taken: Option<&str>,
        scope: &Scope<'_>,
    ) {
        let BlockKind::Conditional(block) = &conditional.kind else { return };
        let meeting = conditional.common.next_block_label.as_deref();
        let path_from = |start: Option<&str>| -> Vec<&Block> {
            let mut path = Vec::new();
            let mut seen = HashSet::new();
            let mut current = start.and_then(|label| chain.block(label));
            while let Some(block) = current {
                let label = block.common.label.as_str();
                if Some(label) == meeting || label == conditional.common.label || !seen.insert(label) {
                    break;
                }
                path.push(block);
                current = chain.after(label, None);
            }
            path
        };
        let on_taken: HashSet<&str> = path_from(taken).iter().map(|b| b.common.label.as_str()).collect();
        let mut skipped: Vec<&Block> = Vec::new();
        for branch in &block.branch_conditions {
            if branch.next_block_label.as_deref() == taken {
                continue;
            }
            for block in path_from(branch.next_block_label.as_deref()) {
                let label = block.common.label.as_str();
                if !on_taken.contains(label) && !skipped.iter().any(|b| b.common.label == label) {
                    skipped.push(block);
                }
            }
        }
        for block in skipped {
            let reason = format!("on a branch of \"{}\" that was not taken", conditional.common.label);
            if let Err(error) = self
                .tools
                .store
                .record_step(&self.recorder.run_id, scope.place(block, 1), StepStatus::Skipped, Some(reason))
                .await
            {
                tracing::warn!(run_id = %self.recorder.run_id, %error, "a skipped block could not be recorded");
            }
        }
    }

    async fn run_graph(&self, graph: &Graph<'_>, blocks: &[Block], scope: &Scope<'_>) -> (Option<Stop>, ListOutputs) {
        let mut outputs = Vec::new();
        let mut started: HashSet<&str> = HashSet::new();
        let mut ended: HashSet<&str> = HashSet::new();
        let mut running = FuturesUnordered::new();
        let mut stop = None;
        loop {
            if stop.is_none() {
                for block in graph.ready(&started, &ended) {
                    started.insert(block.common.label.as_str());
                    running.push(async move { (block, self.run_block_in_own_tab(block, scope).await) });
                }
            }
            let Some((block, result)) = running.next().await else { break };
            ended.insert(block.common.label.as_str());
            outputs.push((block.common.label.clone(), result.output.clone()));
            if stop.is_none() {
                stop = self.stop_for(block, &result);
            }
        }
        if stop.is_none() && started.len() < blocks.len() {
            let waiting: Vec<&str> =
                blocks.iter().map(|b| b.common.label.as_str()).filter(|label| !started.contains(label)).collect();
            let message = format!("blocks {} wait for blocks that never ended", waiting.join(", "));
            stop = Some(Stop::failure("unreachable_blocks", message));
        }
        (stop, outputs)
    }

    /// Runs a block of a graph: a browser block takes the run's page if it is free, else a tab
    /// of its own in the run's context, closed when the block ends.
    async fn run_block_in_own_tab(&self, block: &Block, scope: &Scope<'_>) -> BlockResult {
        if !block.uses_browser() {
            return self.run_block(block, scope, 1).await;
        }
        if !self.main_page_busy.swap(true, Ordering::SeqCst) {
            let result = self.run_block(block, &Scope { page: self.main_page, ..scope.clone() }, 1).await;
            self.main_page_busy.store(false, Ordering::SeqCst);
            return result;
        }
        let page: RunPage = match self.main_page.open_beside().await {
            Ok(page) => page,
            Err(error) => return BlockResult::failed(format!("no tab could be opened for the block: {error}")),
        };
        let result = self.run_block(block, &Scope { page: &page, ..scope.clone() }, 1).await;
        page.close_tabs().await;
        result
    }
}
