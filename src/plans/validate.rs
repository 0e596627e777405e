//! Checks of a parsed definition as a whole, at save time: what no single block can check alone.
//!
//! - Labels are identifiers and unique across the plan, loops included; parameter keys too, and
//!   a key is neither a block's label nor a name the runtime provides.
//! - `next_block_label`, `depends_on` and branch targets name a block of the same list (a loop's
//!   blocks reach only each other); `finally_block_label` names a top-level block. Pointing back
//!   to an earlier block is allowed (a polling loop, bounded at run time).
//! - One list of blocks is ordered one way: either by `next_block_label` and conditionals
//!   (Skyvern's graph) or by `depends_on` (a graph of dependencies, where independent blocks may
//!   run in parallel). Both in one list would leave it unclear what starts a block, so a list
//!   that uses `depends_on` may use neither of the others; `depends_on` has no cycle.
//! - Every template parses, and every name it reads is a parameter key, a block label (or
//!   Skyvern's `<label>_output`), `workflow_run_id`, or, inside a loop, the loop's item.
//! - JSON Schemas are valid and numbers are within their bounds.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{Block, BlockKind, Definition, DefinitionError, ParameterKind, Place, Templates, templates};

/// What the runtime provides to every template.
const GLOBALS: [&str; 1] = ["workflow_run_id"];
/// What a loop provides to the templates of its blocks.
const LOOP_VARIABLES: [&str; 3] = ["current_value", "current_index", "current_item"];

pub(super) fn definition(definition: &Definition, place: &Place) -> Result<(), DefinitionError> {
    let mut labels = BTreeSet::new();
    collect_labels(&definition.blocks, &place.then("blocks"), &mut labels)?;
    let mut names: BTreeSet<String> =
        labels.iter().flat_map(|label| [label.clone(), format!("{label}_output")]).collect();
    names.extend(GLOBALS.map(String::from));
    let mut keys = BTreeSet::new();
    for (index, parameter) in definition.parameters.iter().enumerate() {
        let place = place.then("parameters").then(index).about(format!("parameter \"{}\"", parameter.key));
        let key_place = place.then("key");
        identifier(&parameter.key, &key_place)?;
        let reserved = GLOBALS.iter().chain(&LOOP_VARIABLES).chain(&templates::TEMPLATE_FUNCTIONS);
        if reserved.clone().any(|name| *name == parameter.key) {
            return key_place.refuse(format!("`{}` is a name the runtime provides", parameter.key));
        }
        if labels.contains(&parameter.key) {
            return key_place.refuse(format!("`{}` is also a block's label", parameter.key));
        }
        if !keys.insert(parameter.key.clone()) {
            return key_place.refuse(format!("the key `{}` is declared twice", parameter.key));
        }
    }
    names.extend(keys);
    for (index, parameter) in definition.parameters.iter().enumerate() {
        if let ParameterKind::Context(context) = &parameter.kind
            && !names.contains(&context.source_parameter_key)
        {
            return place
                .then("parameters")
                .then(index)
                .then("source_parameter_key")
                .about(format!("parameter \"{}\"", parameter.key))
                .refuse(format!("`{}` is neither a parameter nor a block", context.source_parameter_key));
        }
    }
    if let Some(label) = &definition.finally_block_label
        && !definition.blocks.iter().any(|block| block.common.label == *label)
    {
        return place.then("finally_block_label").refuse(format!("`{label}` names no top-level block"));
    }
    let checker = Checker { names, templates: Templates::default() };
    checker.list(&definition.blocks, &place.then("blocks"), false)?;
    if let Some(prompt) = &definition.workflow_system_prompt {
        checker.template(prompt, &place.then("workflow_system_prompt"), false)?;
    }
    Ok(())
}

fn collect_labels(blocks: &[Block], place: &Place, labels: &mut BTreeSet<String>) -> Result<(), DefinitionError> {
    for (index, block) in blocks.iter().enumerate() {
        let label = &block.common.label;
        let place = place.then(index);
        identifier(label, &place.then("label"))?;
        if !labels.insert(label.clone()) {
            return place.then("label").refuse(format!("the label `{label}` is used by another block"));
        }
        collect_labels(block.loop_blocks(), &place.then("loop_blocks"), labels)?;
    }
    Ok(())
}

/// `^[A-Za-z_][A-Za-z0-9_]*$`: a name a template can use as is.
fn identifier(name: &str, place: &Place) -> Result<(), DefinitionError> {
    let mut bytes = name.bytes();
    let valid = bytes.next().is_some_and(|first| first.is_ascii_alphabetic() || first == b'_')
        && bytes.all(|byte| byte.is_ascii_alphanumeric() || byte == b'_');
    if valid {
        Ok(())
    } else {
        place.refuse(format!("`{name}` is not an identifier (letters, digits and _, not starting with a digit)"))
    }
}

struct Checker {
    /// Names every template may read: parameters, labels, globals.
    names: BTreeSet<String>,
    templates: Templates,
}

impl Checker {
    fn list(&self, blocks: &[Block], place: &Place, in_loop: bool) -> Result<(), DefinitionError> {
        let siblings: BTreeSet<&str> = blocks.iter().map(|block| block.common.label.as_str()).collect();
        let graph_ordered = blocks
            .iter()
            .any(|block| block.common.next_block_label.is_some() || matches!(block.kind, BlockKind::Conditional(_)));
        for (index, block) in blocks.iter().enumerate() {
            let place = place.then(index).about(format!("block \"{}\"", block.common.label));
            let target = |label: &str, place: Place| {
                if siblings.contains(label) {
                    Ok(())
                } else {
                    place.refuse(format!("`{label}` names no block in this list"))
                }
            };
            if let Some(next) = &block.common.next_block_label {
                target(next, place.then("next_block_label"))?;
            }
            for (position, label) in block.common.depends_on.iter().enumerate() {
                let place = place.then("depends_on").then(position);
                target(label, place.clone())?;
                if graph_ordered {
                    return place.refuse(
                        "depends_on cannot be mixed with next_block_label or conditional blocks in one list of blocks",
                    );
                }
            }
            self.block(block, &place, in_loop, &target)?;
        }
        dependency_cycle(blocks, place)
    }

    fn block(
        &self,
        block: &Block,
        place: &Place,
        in_loop: bool,
        target: &dyn Fn(&str, Place) -> Result<(), DefinitionError>,
    ) -> Result<(), DefinitionError> {
        for (field, text) in texts(&block.kind) {
            let place = field.iter().fold(place.clone(), |place, key| place.then(key));
            self.template(text, &place, in_loop)?;
        }
        for (field, schema) in schemas(&block.kind) {
            crate::engine::check_schema(schema)
                .or_else(|message| place.then(field).refuse(format!("not a valid JSON Schema: {message}")))?;
        }
        if let Some(keys) = parameter_keys(&block.kind) {
            for (position, key) in keys.iter().enumerate() {
                if !self.names.contains(key) {
                    return place.then("parameter_keys").then(position).refuse(format!("`{key}` is not a parameter"));
                }
            }
        }
        match &block.kind {
            BlockKind::Task(task)
            | BlockKind::Navigation(task)
            | BlockKind::Extraction(task)
            | BlockKind::Action(task)
            | BlockKind::FileDownload(task) => within(task.max_retries, 0, 10, &place.then("max_retries")),
            BlockKind::Wait(wait) => within(wait.wait_sec, 0, 3600, &place.then("wait_sec")),
            BlockKind::HumanInteraction(human) => {
                within(human.timeout_seconds, 1, 7 * 86_400, &place.then("timeout_seconds"))
            }
            BlockKind::Validation(validation) => {
                if validation.complete_criterion.is_none() && validation.terminate_criterion.is_none() {
                    return place.refuse("a validation block needs a complete_criterion or a terminate_criterion");
                }
                Ok(())
            }
            BlockKind::Conditional(conditional) => {
                let conditions_place = place.then("branch_conditions");
                if conditional.branch_conditions.is_empty() {
                    return conditions_place.refuse("a conditional block needs at least one branch");
                }
                let mut default_seen = false;
                for (index, branch) in conditional.branch_conditions.iter().enumerate() {
                    let place = conditions_place.then(index);
                    if branch.is_default && std::mem::replace(&mut default_seen, true) {
                        return place.then("is_default").refuse("only one branch may be the default");
                    }
                    if !branch.is_default && branch.criteria.is_none() {
                        return place.then("criteria").refuse("a branch needs criteria unless it is the default");
                    }
                    if let Some(label) = &branch.next_block_label {
                        target(label, place.then("next_block_label"))?;
                    }
                }
                Ok(())
            }
            BlockKind::ForLoop(for_loop) => {
                match (&for_loop.loop_variable_reference, for_loop.loop_over_parameter_key.as_str()) {
                    (Some(reference), _) if reference.contains("{{") => {
                        self.template(reference, &place.then("loop_variable_reference"), in_loop)?;
                    }
                    (Some(reference), _) => {
                        let name = reference.split(['.', '[']).next().unwrap_or_default();
                        self.name(name, &place.then("loop_variable_reference"), in_loop)?;
                    }
                    (None, "") => {
                        return place
                            .then("loop_over_parameter_key")
                            .refuse("a for_loop needs loop_over_parameter_key or loop_variable_reference");
                    }
                    (None, key) => self.name(key, &place.then("loop_over_parameter_key"), in_loop)?,
                }
                self.list(&for_loop.loop_blocks, &place.then("loop_blocks"), true)
            }
            _ => Ok(()),
        }
    }

    fn template(&self, text: &str, place: &Place, in_loop: bool) -> Result<(), DefinitionError> {
        let names = self.templates.names(text).or_else(|message| place.refuse(format!("bad template: {message}")))?;
        names.iter().try_for_each(|name| self.name(name, place, in_loop))
    }

    fn name(&self, name: &str, place: &Place, in_loop: bool) -> Result<(), DefinitionError> {
        let known = self.names.contains(name)
            || templates::TEMPLATE_FUNCTIONS.contains(&name)
            || (in_loop && LOOP_VARIABLES.contains(&name));
        if known {
            Ok(())
        } else if LOOP_VARIABLES.contains(&name) {
            place.refuse(format!("`{name}` is only defined inside a for_loop"))
        } else {
            place.refuse(format!("unknown name `{name}`: not a parameter, a block label or a loop variable"))
        }
    }
}

fn within(value: i64, low: i64, high: i64, place: &Place) -> Result<(), DefinitionError> {
    if (low..=high).contains(&value) { Ok(()) } else { place.refuse(format!("must be between {low} and {high}")) }
}

/// Finds a cycle among the `depends_on` of one list, naming it from the block where it closes.
fn dependency_cycle(blocks: &[Block], place: &Place) -> Result<(), DefinitionError> {
    let position: BTreeMap<&str, usize> =
        blocks.iter().enumerate().map(|(index, block)| (block.common.label.as_str(), index)).collect();
    // 0: not visited, 1: on the current path, 2: done.
    let mut state = vec![0u8; blocks.len()];
    fn visit(
        index: usize,
        blocks: &[Block],
        position: &BTreeMap<&str, usize>,
        state: &mut [u8],
        path: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        state[index] = 1;
        path.push(index);
        for label in &blocks[index].common.depends_on {
            let next = position[label.as_str()];
            if state[next] == 1 {
                let start = path.iter().position(|&step| step == next).unwrap_or_default();
                let mut cycle = path[start..].to_vec();
                cycle.push(next);
                return Some(cycle);
            }
            if state[next] == 0
                && let Some(cycle) = visit(next, blocks, position, state, path)
            {
                return Some(cycle);
            }
        }
        path.pop();
        state[index] = 2;
        None
    }
    for start in 0..blocks.len() {
        if state[start] == 0
            && let Some(cycle) = visit(start, blocks, &position, &mut state, &mut Vec::new())
        {
            let closing = cycle[cycle.len() - 2];
            let names: Vec<&str> = cycle.iter().map(|&index| blocks[index].common.label.as_str()).collect();
            return place
                .then(closing)
                .then("depends_on")
                .about(format!("block \"{}\"", blocks[closing].common.label))
                .refuse(format!("depends_on forms a cycle: {}", names.join(" -> ")));
        }
    }
    Ok(())
}

/// The block's texts that are templates, by their path below the block.
fn texts<'a>(kind: &'a BlockKind) -> Vec<(Vec<String>, &'a str)> {
    let mut texts: Vec<(Vec<String>, &'a str)> = Vec::new();
    let mut add = |field: &str, text: Option<&'a String>| {
        if let Some(text) = text {
            texts.push((vec![field.to_string()], text.as_str()));
        }
    };
    match kind {
        BlockKind::Task(task)
        | BlockKind::Navigation(task)
        | BlockKind::Extraction(task)
        | BlockKind::Action(task)
        | BlockKind::FileDownload(task) => {
            add("url", task.url.as_ref());
            add("title", Some(&task.title));
            add("navigation_goal", task.navigation_goal.as_ref());
            add("data_extraction_goal", task.data_extraction_goal.as_ref());
            add("complete_criterion", task.complete_criterion.as_ref());
            add("terminate_criterion", task.terminate_criterion.as_ref());
        }
        BlockKind::TaskV2(task) => {
            add("prompt", Some(&task.prompt));
            add("url", task.url.as_ref());
        }
        BlockKind::GotoUrl(goto) => add("url", Some(&goto.url)),
        BlockKind::Validation(validation) => {
            add("complete_criterion", validation.complete_criterion.as_ref());
            add("terminate_criterion", validation.terminate_criterion.as_ref());
        }
        BlockKind::TextPrompt(prompt) => add("prompt", Some(&prompt.prompt)),
        BlockKind::HumanInteraction(human) => {
            add("instructions", Some(&human.instructions));
            add("subject", Some(&human.subject));
            add("body", Some(&human.body));
        }
        BlockKind::HttpRequest(request) => {
            add("url", Some(&request.url));
            for (name, value) in request.headers.iter().flatten() {
                texts.push((vec!["headers".into(), name.clone()], value));
            }
            if let Some(body) = &request.body {
                json_texts(body, vec!["body".into()], &mut texts);
            }
        }
        BlockKind::Conditional(conditional) => {
            for (index, branch) in conditional.branch_conditions.iter().enumerate() {
                if let Some(criteria) = &branch.criteria {
                    let path = ["branch_conditions", &index.to_string(), "criteria", "expression"];
                    texts.push((path.map(String::from).to_vec(), &criteria.expression));
                }
            }
        }
        BlockKind::Wait(_) | BlockKind::ForLoop(_) | BlockKind::Code(_) => {}
    }
    texts
}

/// Every text inside a JSON value (an HTTP body), by its path.
fn json_texts<'a>(value: &'a Value, path: Vec<String>, texts: &mut Vec<(Vec<String>, &'a str)>) {
    let below = |key: String| path.iter().cloned().chain([key]).collect::<Vec<_>>();
    match value {
        Value::String(text) => texts.push((path.clone(), text)),
        Value::Array(items) => {
            items.iter().enumerate().for_each(|(index, item)| json_texts(item, below(index.to_string()), texts))
        }
        Value::Object(fields) => fields.iter().for_each(|(key, item)| json_texts(item, below(key.clone()), texts)),
        _ => {}
    }
}

/// The block's JSON Schemas, by field.
fn schemas(kind: &BlockKind) -> Vec<(&'static str, &Value)> {
    match kind {
        BlockKind::Task(task) | BlockKind::Extraction(task) => {
            task.data_schema.iter().map(|s| ("data_schema", s)).collect()
        }
        BlockKind::ForLoop(for_loop) => for_loop.data_schema.iter().map(|s| ("data_schema", s)).collect(),
        BlockKind::TextPrompt(prompt) => prompt.json_schema.iter().map(|s| ("json_schema", s)).collect(),
        _ => Vec::new(),
    }
}

/// The parameters a block declares it reads.
fn parameter_keys(kind: &BlockKind) -> Option<&Vec<String>> {
    match kind {
        BlockKind::Task(task)
        | BlockKind::Navigation(task)
        | BlockKind::Extraction(task)
        | BlockKind::Action(task)
        | BlockKind::FileDownload(task) => task.parameter_keys.as_ref(),
        BlockKind::Validation(validation) => validation.parameter_keys.as_ref(),
        BlockKind::TextPrompt(prompt) => prompt.parameter_keys.as_ref(),
        BlockKind::HttpRequest(request) => request.parameter_keys.as_ref(),
        BlockKind::Code(code) => code.parameter_keys.as_ref(),
        _ => None,
    }
}
