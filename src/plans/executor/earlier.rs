//! The steps an earlier process of the appliance left of this run (it stopped mid-plan), by their
//! place in the plan, so that the run goes on where it was: completed steps are not run again.

use std::collections::HashMap;

use serde_json::Value;

use crate::ids::StepId;
use crate::runs::{StepRecord, StepStatus};

/// What an earlier process did at one place of the plan.
pub(super) struct Done {
    pub step_id: StepId,
    pub completed: bool,
    pub output: Option<Value>,
    pub attempts: i64,
    pub reason: Option<String>,
}

#[derive(Default)]
pub(super) struct Earlier {
    by_path: HashMap<String, Done>,
}

impl Earlier {
    /// Indexes a run's steps by their place's path (see `Scope::path_of`), leaving out the
    /// steps that did not run (skipped or canceled) and the agent's own steps.
    pub(super) fn index(steps: Vec<StepRecord>) -> Earlier {
        let paths: HashMap<StepId, String> = {
            let mut paths = HashMap::new();
            for step in &steps {
                let parent = step.parent_step_id.as_ref().and_then(|id| paths.get(id).cloned()).unwrap_or_default();
                let item = step.loop_index.map(|index| format!("[{index}]")).unwrap_or_default();
                paths.insert(step.step_id.clone(), format!("{parent}{item}/{}#{}", step.label, step.visit));
            }
            paths
        };
        let mut by_path = HashMap::new();
        for step in steps {
            let Some(last) = step.last_run() else { continue };
            if matches!(last.status, StepStatus::Skipped | StepStatus::Canceled) {
                continue;
            }
            let done = Done {
                step_id: step.step_id.clone(),
                completed: last.status == StepStatus::Completed,
                output: last.output.clone(),
                attempts: step.runs.len() as i64,
                reason: last.failure_reason.clone(),
            };
            if let Some(path) = paths.get(&step.step_id) {
                by_path.insert(path.clone(), done);
            }
        }
        Earlier { by_path }
    }

    pub(super) fn get(&self, path: &str) -> Option<&Done> {
        self.by_path.get(path)
    }
}
