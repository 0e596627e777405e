//! Which block of a list runs after which, as Skyvern orders them, and which blocks of a
//! `depends_on` list may run at once. A loop's blocks are a list of their own, ordered the same
//! way for each item.
//!
//! A list is ordered one of two ways (validation keeps them apart):
//! - a **chain** starts at the first block and follows `next_block_label`. In a list without a
//!   conditional, a block without one is followed by the next block of the list, so a plain list
//!   runs in order. In a list with a conditional, a block without one ends the run's path, unless
//!   it ends a branch of a conditional: the branches of a conditional meet again at the
//!   conditional's own `next_block_label`. A `next_block_label` may point back (a polling loop);
//!   the executor bounds how often a block is visited.
//! - a **graph**: a block with `depends_on` may start once every block it names has ended; blocks
//!   whose dependencies have ended run at the same time.

use std::collections::{HashMap, HashSet};

use super::{Block, BlockKind};

/// How a list of blocks is ordered.
#[derive(Debug)]
pub enum Order<'a> {
    Chain(Chain<'a>),
    Graph(Graph<'a>),
}

impl<'a> Order<'a> {
    pub fn of(blocks: &'a [Block]) -> Order<'a> {
        if blocks.iter().any(|block| !block.common.depends_on.is_empty()) {
            Order::Graph(Graph { blocks })
        } else {
            Order::Chain(Chain::of(blocks))
        }
    }
}

/// Blocks one after another, along `next_block_label`.
#[derive(Debug)]
pub struct Chain<'a> {
    blocks: &'a [Block],
    /// Where each block (other than a conditional) goes next; `None` ends the path.
    next: HashMap<&'a str, Option<&'a str>>,
}

impl<'a> Chain<'a> {
    fn of(blocks: &'a [Block]) -> Chain<'a> {
        let has_conditional = blocks.iter().any(is_conditional);
        let mut next: HashMap<&str, Option<&str>> = blocks
            .iter()
            .enumerate()
            .map(|(index, block)| {
                let explicit = block.common.next_block_label.as_deref();
                let in_list = || blocks.get(index + 1).map(|b| b.common.label.as_str());
                (block.common.label.as_str(), if has_conditional { explicit } else { explicit.or_else(in_list) })
            })
            .collect();
        join_branches(blocks, &mut next);
        Chain { blocks, next }
    }

    /// The block the chain starts with.
    pub fn first(&self) -> Option<&'a Block> {
        self.blocks.first()
    }

    /// The block after `label`, or `None` at the end of the path. For a conditional, `branch`
    /// is where the branch it took leads (`None`: its branches' meeting point).
    pub fn after(&self, label: &str, branch: Option<&str>) -> Option<&'a Block> {
        let block = self.block(label)?;
        let next = if is_conditional(block) {
            branch.or(block.common.next_block_label.as_deref())
        } else {
            self.next.get(label).copied().flatten()
        };
        next.and_then(|label| self.block(label))
    }

    /// The block of the list with this label.
    pub fn block(&self, label: &str) -> Option<&'a Block> {
        self.blocks.iter().find(|block| block.common.label == label)
    }
}

fn is_conditional(block: &Block) -> bool {
    matches!(block.kind, BlockKind::Conditional(_))
}

/// Leads each branch of a conditional, where it ends without a `next_block_label`, to the
/// conditional's own `next_block_label`; repeated until nothing changes, for conditionals inside
/// branches of others.
fn join_branches<'a>(blocks: &'a [Block], next: &mut HashMap<&'a str, Option<&'a str>>) {
    loop {
        let mut changed = false;
        for block in blocks {
            let (BlockKind::Conditional(conditional), Some(meeting)) =
                (&block.kind, block.common.next_block_label.as_deref())
            else {
                continue;
            };
            for start in conditional.branch_conditions.iter().filter_map(|b| b.next_block_label.as_deref()) {
                let mut seen = HashSet::new();
                let mut current = start;
                while seen.insert(current) && current != meeting && current != block.common.label {
                    match next.get(current) {
                        Some(Some(following)) => current = following,
                        Some(None) => {
                            next.insert(current, Some(meeting));
                            changed = true;
                            break;
                        }
                        // A conditional (its own ends are joined in its turn) or an unknown label.
                        None => break,
                    }
                }
            }
        }
        if !changed {
            return;
        }
    }
}

/// Blocks that start as soon as what they depend on has ended.
#[derive(Debug)]
pub struct Graph<'a> {
    blocks: &'a [Block],
}

impl<'a> Graph<'a> {
    /// The blocks not yet started whose dependencies have all ended, in list order.
    pub fn ready(&self, started: &HashSet<&str>, ended: &HashSet<&str>) -> Vec<&'a Block> {
        self.blocks
            .iter()
            .filter(|block| !started.contains(block.common.label.as_str()))
            .filter(|block| block.common.depends_on.iter().all(|label| ended.contains(label.as_str())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::accepted;
    use super::*;

    fn blocks(blocks: Value) -> Vec<Block> {
        accepted(json!({"parameters": [], "blocks": blocks})).definition.blocks
    }

    fn wait(label: &str) -> Value {
        json!({"block_type": "wait", "label": label, "wait_sec": 0})
    }

    fn wait_then(label: &str, next: &str) -> Value {
        json!({"block_type": "wait", "label": label, "wait_sec": 0, "next_block_label": next})
    }

    fn chain(blocks: &[Block]) -> Chain<'_> {
        match Order::of(blocks) {
            Order::Chain(chain) => chain,
            Order::Graph(_) => panic!("a chain was expected"),
        }
    }

    /// The labels the chain visits from its first block, taking `branch` at every conditional,
    /// at most `limit` of them.
    fn path(chain: &Chain<'_>, branch: Option<&str>, limit: usize) -> Vec<String> {
        let mut labels = Vec::new();
        let mut current = chain.first();
        while let Some(block) = current.filter(|_| labels.len() < limit) {
            labels.push(block.common.label.clone());
            current = chain.after(&block.common.label, branch.filter(|_| is_conditional(block)));
        }
        labels
    }

    #[test]
    fn a_plain_list_runs_in_order_and_a_next_block_label_jumps() {
        let plain = blocks(json!([wait("a"), wait("b"), wait("c")]));
        assert_eq!(path(&chain(&plain), None, 10), ["a", "b", "c"]);
        let jumping = blocks(json!([wait_then("a", "c"), wait("b"), wait("c")]));
        assert_eq!(path(&chain(&jumping), None, 10), ["a", "c"], "c is last, so the path ends there");
    }

    #[test]
    fn a_conditional_goes_where_its_branch_leads_and_the_branches_meet_at_its_next_block() {
        let plan = blocks(json!([
            {"block_type": "conditional", "label": "check", "next_block_label": "report", "branch_conditions": [
                {"criteria": {"criteria_type": "jinja2_template", "expression": "{{ 1 > 0 }}"}, "next_block_label": "left"},
                {"is_default": true, "next_block_label": "right"}
            ]},
            wait_then("left", "left_more"),
            wait("left_more"),
            wait("right"),
            wait("report")
        ]));
        let chain = chain(&plan);
        assert_eq!(path(&chain, Some("left"), 10), ["check", "left", "left_more", "report"]);
        assert_eq!(path(&chain, Some("right"), 10), ["check", "right", "report"]);
        assert_eq!(path(&chain, None, 10), ["check", "report"], "no branch taken: straight to the meeting point");
        assert!(chain.after("report", None).is_none(), "in a list with a conditional, no next block is the end");
    }

    #[test]
    fn a_next_block_label_pointing_back_makes_a_polling_loop() {
        let plan = blocks(json!([
            {"block_type": "conditional", "label": "ready", "branch_conditions": [
                {"criteria": {"criteria_type": "jinja2_template", "expression": "{{ 1 > 2 }}"}, "next_block_label": "later"},
                {"is_default": true, "next_block_label": "done"}
            ]},
            wait_then("later", "ready"),
            wait("done")
        ]));
        assert_eq!(path(&chain(&plan), Some("later"), 5), ["ready", "later", "ready", "later", "ready"]);
        assert_eq!(path(&chain(&plan), Some("done"), 5), ["ready", "done"]);
    }

    #[test]
    fn blocks_start_once_what_they_depend_on_has_ended_and_independent_ones_together() {
        let plan = blocks(json!([
            wait("first"),
            {"block_type": "wait", "label": "left", "wait_sec": 0, "depends_on": ["first"]},
            {"block_type": "wait", "label": "right", "wait_sec": 0, "depends_on": ["first"]},
            {"block_type": "wait", "label": "last", "wait_sec": 0, "depends_on": ["left", "right"]}
        ]));
        let Order::Graph(graph) = Order::of(&plan) else { panic!("a graph was expected") };
        let labels = |blocks: Vec<&Block>| blocks.iter().map(|b| b.common.label.clone()).collect::<Vec<_>>();
        let none = HashSet::new();
        assert_eq!(labels(graph.ready(&none, &none)), ["first"]);
        let first: HashSet<&str> = ["first"].into();
        assert_eq!(labels(graph.ready(&first, &first)), ["left", "right"], "both at once");
        let started: HashSet<&str> = ["first", "left", "right"].into();
        let ended: HashSet<&str> = ["first", "left"].into();
        assert!(graph.ready(&started, &ended).is_empty(), "last waits for both");
        let ended: HashSet<&str> = ["first", "left", "right"].into();
        assert_eq!(labels(graph.ready(&started, &ended)), ["last"]);
    }
}
