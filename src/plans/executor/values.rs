//! What a plan run's templates see: its parameters, the run's own names (`workflow_run_id`,
//! `current_date`, …, and `credential`, whose stored credentials render as placeholders), every block output so far (`<label>_output` as recorded, and `<label>`, to
//! which a browser block's output adds `output`: its extracted information), and inside a loop
//! `current_value` / `current_item` / `current_index` for the item being run.

use std::collections::BTreeSet;
use std::sync::Mutex;

use serde_json::{Map, Value, json};

use super::PlanJob;
use crate::engine::credential_references;
use crate::ids::RunId;
use crate::plans::credential_placeholders;
use crate::plans::validate::CREDENTIALS;

pub(super) struct Values {
    values: Mutex<Map<String, Value>>,
}

/// `credential`: for each credential the plan names as `{{ credential.<id>.<field> }}`, its
/// placeholders, so such a template renders as the placeholder the run types from the vault.
fn credentials_named(job: &PlanJob) -> Value {
    let text = serde_json::to_string(&job.plan).unwrap_or_default();
    let ids: BTreeSet<String> = credential_references(&text).into_iter().map(|(id, _)| id).collect();
    Value::Object(ids.into_iter().map(|id| (id.clone(), credential_placeholders(&id))).collect())
}

impl Values {
    pub(super) fn new(run_id: &RunId, job: &PlanJob) -> Values {
        let mut values = job.spec.parameters.clone();
        let today = crate::clock::now().chars().take(10).collect::<String>();
        for (name, value) in [
            ("workflow_title", json!(job.plan.title)),
            ("workflow_id", json!(job.version.version_id)),
            ("workflow_permanent_id", json!(job.version.plan_id)),
            ("workflow_run_id", json!(run_id)),
            ("current_date", json!(today)),
        ] {
            values.insert(name.to_owned(), value);
        }
        if !values.contains_key(CREDENTIALS) {
            values.insert(CREDENTIALS.to_owned(), credentials_named(job));
        }
        debug_assert!(crate::plans::validate::GLOBALS.iter().all(|name| values.contains_key(*name)));
        Values { values: Mutex::new(values) }
    }

    /// Records a block's output under both of its names.
    pub(super) fn set_block_output(&self, label: &str, output: &Value) {
        let mut reference = output.clone();
        if let Value::Object(fields) = &mut reference
            && let Some(extracted) = fields.get("extracted_information").cloned()
        {
            fields.insert("output".into(), extracted);
        }
        let mut values = self.values.lock().unwrap_or_else(|p| p.into_inner());
        values.insert(format!("{label}_output"), output.clone());
        values.insert(label.to_owned(), reference);
    }

    /// A value by its name (a parameter, or `<label>_output`).
    pub(super) fn get(&self, name: &str) -> Option<Value> {
        self.values.lock().unwrap_or_else(|p| p.into_inner()).get(name).cloned()
    }

    /// The context of a template rendered for the loop item `item`, if any.
    pub(super) fn context(&self, item: Option<&(i64, Value)>) -> Value {
        let mut values = self.values.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some((index, value)) = item {
            values.insert("current_index".into(), json!(index));
            values.insert("current_value".into(), value.clone());
            values.insert("current_item".into(), value.clone());
        }
        Value::Object(values)
    }
}
