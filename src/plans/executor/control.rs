//! The blocks that steer a plan: `for_loop` runs its blocks once per item of a list, each item's
//! steps under the loop's step; `conditional` takes the first branch whose criterion holds (a
//! Jinja expression, or a question all prompt branches put to the model in one call), else its
//! default branch.

use serde_json::{Value, json};

use super::{BlockResult, Execution, Scope};
use crate::engine::RunRecorder;
use crate::ids::{StepId, StepRunId};
use crate::plans::{Block, BranchCondition, ConditionalBlock, CriteriaType, ForLoopBlock};
use crate::runs::StepStatus;

/// The most items a loop runs (Skyvern's cap).
const MAX_ITEMS: usize = 1000;

impl Execution<'_> {
    pub(super) async fn run_for_loop(
        &self,
        block: &Block,
        for_loop: &ForLoopBlock,
        scope: &Scope<'_>,
        path: &str,
        step_id: &StepId,
    ) -> BlockResult {
        let items = match self.loop_items(for_loop, scope) {
            Ok(items) => items,
            Err(reason) => return BlockResult::failed(format!("Failed to get loop values: {reason}")),
        };
        if items.is_empty() {
            return match for_loop.complete_if_empty {
                true => BlockResult::completed(json!([])),
                false => BlockResult::ended(StepStatus::Terminated, "No iterable value found for the loop block")
                    .with_output(Some(json!([]))),
            };
        }
        if items.len() > MAX_ITEMS {
            return BlockResult::failed(format!("the loop has {} items; at most {MAX_ITEMS} are run", items.len()));
        }
        let mut outputs = Vec::new();
        for (index, item) in items.into_iter().enumerate() {
            let inner = Scope {
                parent: Some(step_id.clone()),
                path: format!("{path}[{index}]"),
                item: Some((index as i64, item.clone())),
                page: scope.page,
            };
            let (stop, ran) = Box::pin(self.run_list(&for_loop.loop_blocks, &inner)).await;
            outputs.push(Value::Array(
                ran.into_iter()
                    .map(|(label, output)| {
                        json!({"loop_value": item, "output_parameter": {"key": format!("{label}_output")}, "output_value": output})
                    })
                    .collect(),
            ));
            match stop {
                None => {}
                Some(stop) if stop.status == StepStatus::Canceled || stop.run_timed_out => {
                    return BlockResult {
                        run_timed_out: stop.run_timed_out,
                        ..BlockResult::ended(stop.status, stop.error.message)
                    }
                    .with_output(Some(Value::Array(outputs)));
                }
                Some(stop) if stop.next_item || block.common.next_loop_on_failure => {}
                Some(stop) => {
                    return BlockResult::ended(stop.status, stop.error.message)
                        .with_output(Some(Value::Array(outputs)));
                }
            }
        }
        BlockResult::completed(Value::Array(outputs))
    }

    /// The loop's items: from `loop_variable_reference` (a name, a dotted path or a template
    /// around one), else from the parameter or block output `loop_over_parameter_key` names.
    /// A value that is not a list is one item; nothing is no item.
    fn loop_items(&self, for_loop: &ForLoopBlock, scope: &Scope<'_>) -> Result<Vec<Value>, String> {
        let context = self.values.context(scope.item.as_ref());
        let value = match for_loop.loop_variable_reference.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            Some(reference) => {
                let expression = reference.trim_start_matches("{{").trim_end_matches("}}").trim();
                let found = self.templates.evaluate(expression, &context).map_err(|e| e.to_string())?;
                match found {
                    Value::Object(fields) if fields.contains_key("extracted_information") => {
                        fields["extracted_information"].clone()
                    }
                    other => other,
                }
            }
            None => {
                let key = &for_loop.loop_over_parameter_key;
                let found = self
                    .values
                    .get(key)
                    .or_else(|| self.values.get(&format!("{key}_output")))
                    .ok_or_else(|| format!("`{key}` has no value yet"))?;
                match found {
                    Value::Object(fields) if fields.contains_key("extracted_information") => {
                        fields["extracted_information"].clone()
                    }
                    other => other,
                }
            }
        };
        Ok(match value {
            Value::Array(items) => items,
            Value::Null => Vec::new(),
            single => vec![single],
        })
    }

    pub(super) async fn run_conditional(
        &self,
        block: &Block,
        conditional: &ConditionalBlock,
        scope: &Scope<'_>,
        step_run: &StepRunId,
    ) -> BlockResult {
        let context = self.values.context(scope.item.as_ref());
        let asked = match self.ask_prompt_branches(conditional, &context, step_run).await {
            Ok(answers) => answers,
            Err(reason) => return BlockResult::failed(format!("Conditional branch evaluation failed: {reason}")),
        };
        let mut evaluations = Vec::new();
        let mut taken: Option<(usize, &BranchCondition)> = None;
        for (index, branch) in conditional.branch_conditions.iter().enumerate() {
            let Some(criteria) = &branch.criteria else { continue };
            let result = match evaluated_as(&criteria.expression, criteria.criteria_type) {
                CriteriaType::Jinja2Template => match self.templates.render(&criteria.expression, &context) {
                    Ok(text) => truthy(&text),
                    Err(error) => {
                        let reason = format!("Failed to evaluate branch {index} for {}: {error}", block.common.label);
                        return BlockResult::failed(reason);
                    }
                },
                CriteriaType::Prompt => asked.get(&index).copied().unwrap_or(false),
            };
            evaluations.push(json!({"branch_index": index, "criteria_type": evaluated_as(&criteria.expression, criteria.criteria_type),
                "original_expression": criteria.expression, "result": result, "next_block_label": branch.next_block_label}));
            if result {
                taken = Some((index, branch));
                break;
            }
        }
        let taken = taken.or_else(|| conditional.branch_conditions.iter().enumerate().find(|(_, b)| b.is_default));
        let Some((index, branch)) = taken else {
            return BlockResult::failed("No conditional branch matched and no default branch configured")
                .with_output(Some(json!({"evaluations": evaluations})));
        };
        let output = json!({
            "branch_taken": branch.next_block_label,
            "branch_index": index,
            "branch_description": branch.description,
            "is_default": branch.is_default,
            "criteria_expression": branch.criteria.as_ref().map(|c| &c.expression),
            "next_block_label": branch.next_block_label,
            "evaluations": evaluations,
        });
        BlockResult { branch: branch.next_block_label.clone(), ..BlockResult::completed(output) }
    }

    /// Puts every prompt branch to the model in one call; the answer of each, by branch index.
    async fn ask_prompt_branches(
        &self,
        conditional: &ConditionalBlock,
        context: &Value,
        step_run: &StepRunId,
    ) -> Result<std::collections::HashMap<usize, bool>, String> {
        let prompts: Vec<(usize, String)> = conditional
            .branch_conditions
            .iter()
            .enumerate()
            .filter_map(|(index, branch)| branch.criteria.as_ref().map(|c| (index, c)))
            .filter(|(_, criteria)| evaluated_as(&criteria.expression, criteria.criteria_type) == CriteriaType::Prompt)
            .map(|(index, criteria)| {
                let text = self
                    .templates
                    .render(&criteria.expression, context)
                    .unwrap_or_else(|_| criteria.expression.clone());
                (index, text)
            })
            .collect();
        if prompts.is_empty() {
            return Ok(Default::default());
        }
        let Some(agent) = self.tools.agent else { return Err("no LLM provider is configured".into()) };
        let mut question = String::from(
            "Evaluate each condition below as true or false, using only the condition's text and the run's context.\n\n",
        );
        for (number, (_, text)) in prompts.iter().enumerate() {
            question.push_str(&format!("Condition {}: {text}\n", number + 1));
        }
        question.push_str(&format!("\nContext of the run (JSON):\n{}\n", context_for_model(context)));
        let schema = json!({
            "type": "object",
            "required": ["evaluations"],
            "properties": {"evaluations": {"type": "array", "minItems": prompts.len(), "maxItems": prompts.len(), "items": {
                "type": "object", "required": ["condition_index", "result"],
                "properties": {"condition_index": {"type": "integer"}, "reasoning": {"type": "string"}, "result": {"type": "boolean"}}
            }}}
        });
        let recorder: &RunRecorder = self.recorder;
        let answer = agent.ask_json(recorder, step_run, None, &question, &schema).await.map_err(|e| e.message)?;
        let mut answers = std::collections::HashMap::new();
        for evaluation in answer["evaluations"].as_array().into_iter().flatten() {
            let number = evaluation["condition_index"].as_u64().unwrap_or(0) as usize;
            let Some((index, _)) = number.checked_sub(1).and_then(|n| prompts.get(n)) else {
                return Err(format!("the answer names condition {number}, which was not asked"));
            };
            answers.insert(*index, evaluation["result"].as_bool().unwrap_or(false));
        }
        Ok(answers)
    }
}

/// How a criterion is evaluated: as Skyvern does, by its shape: a lone `{{ … }}` is a Jinja
/// expression, anything else a question for the model.
fn evaluated_as(expression: &str, _declared: CriteriaType) -> CriteriaType {
    let text = expression.trim();
    let lone_template = text.starts_with("{{") && text.ends_with("}}") && text.matches("{{").count() == 1;
    if lone_template { CriteriaType::Jinja2Template } else { CriteriaType::Prompt }
}

/// Whether a rendered expression reads as true, as Skyvern reads it.
fn truthy(text: &str) -> bool {
    let text = text.trim().to_lowercase();
    match text.as_str() {
        "" | "false" | "0" | "no" | "n" | "off" | "null" | "none" => false,
        "true" | "1" | "yes" | "y" | "on" => true,
        number => number.parse::<f64>().map(|n| n != 0.0).unwrap_or(true),
    }
}

/// The run's values as the model may read them: without the run's own ids.
fn context_for_model(context: &Value) -> String {
    let mut context = context.clone();
    if let Value::Object(fields) = &mut context {
        for name in ["workflow_id", "workflow_permanent_id", "workflow_run_id"] {
            fields.remove(name);
        }
    }
    serde_json::to_string_pretty(&context).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expression_is_read_as_true_or_false_as_skyvern_reads_it() {
        for text in ["True", "yes", "1", "2.5", "anything"] {
            assert!(truthy(text), "{text}");
        }
        for text in ["False", "", " none ", "0", "0.0", "off"] {
            assert!(!truthy(text), "{text}");
        }
    }

    #[test]
    fn a_lone_template_is_jinja_and_anything_else_a_question() {
        assert_eq!(evaluated_as("{{ count > 3 }}", CriteriaType::Prompt), CriteriaType::Jinja2Template);
        assert_eq!(evaluated_as("{{ a }} == {{ b }}", CriteriaType::Jinja2Template), CriteriaType::Prompt);
        assert_eq!(evaluated_as("Is the cart empty?", CriteriaType::Jinja2Template), CriteriaType::Prompt);
    }
}
