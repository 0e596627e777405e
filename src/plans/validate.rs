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
//!   Skyvern's `<label>_output`), the run's own names (`workflow_run_id`, `current_date`, …), or,
//!   inside a loop, the loop's item.
//! - JSON Schemas are valid and numbers are within their bounds.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{Block, BlockKind, Definition, DefinitionError, Order, ParameterKind, Place, Templates, templates};

/// What the runtime provides to every template (see `executor::values`).
pub(super) const GLOBALS: [&str; 5] =
    ["workflow_run_id", "workflow_id", "workflow_permanent_id", "workflow_title", "current_date"];
/// Stored credentials by id (`{{ credential.cred_1.password }}`), unless a parameter has the name.
pub(super) const CREDENTIALS: &str = "credential";
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
    names.insert(CREDENTIALS.to_owned());
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
    let finally = definition.finally_block_label.clone();
    let credentials = definition
        .parameters
        .iter()
        .filter(|parameter| parameter.kind.names_a_credential())
        .map(|parameter| parameter.key.clone())
        .collect();
    let checker = Checker { names, credentials, templates: Templates::default(), finally };
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
    /// The parameters that name a stored credential, which a login block signs in with.
    credentials: BTreeSet<String>,
    templates: Templates,
    /// The block that runs at the end, reached without a `next_block_label`.
    finally: Option<String>,
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
        dependency_cycle(blocks, place)?;
        self.every_block_reached(blocks, place)
    }

    /// In a list with a conditional, where a block without `next_block_label` ends the path, every
    /// block is reached from the first one (or is the finally block): one that is not could never
    /// run, which is a mistake in the chain (as Skyvern refuses "disconnected blocks").
    fn every_block_reached(&self, blocks: &[Block], place: &Place) -> Result<(), DefinitionError> {
        let Order::Chain(chain) = Order::of(blocks) else { return Ok(()) };
        if !blocks.iter().any(|block| matches!(block.kind, BlockKind::Conditional(_))) {
            return Ok(());
        }
        let mut reached: BTreeSet<&str> = BTreeSet::new();
        let mut waiting: Vec<&Block> = chain.first().into_iter().collect();
        while let Some(block) = waiting.pop() {
            if !reached.insert(block.common.label.as_str()) {
                continue;
            }
            let mut next: Vec<&str> =
                chain.after(&block.common.label, None).map(|b| b.common.label.as_str()).into_iter().collect();
            if let BlockKind::Conditional(conditional) = &block.kind {
                next.extend(
                    conditional.branch_conditions.iter().filter_map(|branch| branch.next_block_label.as_deref()),
                );
            }
            waiting.extend(next.into_iter().filter_map(|label| chain.block(label)));
        }
        let finally = self.finally.as_deref();
        match blocks.iter().position(|block| !reached.contains(block.common.label.as_str()) && Some(block.common.label.as_str()) != finally) {
            None => Ok(()),
            Some(index) => place.then(index).about(format!("block \"{}\"", blocks[index].common.label)).refuse(
                "no block leads to it, so it can never run: in a list with a conditional, each block names the next one with next_block_label",
            ),
        }
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
        if let BlockKind::Login(task) = &block.kind
            && !task.parameter_keys.iter().flatten().any(|key| self.credentials.contains(key))
        {
            return place.then("parameter_keys").refuse(
                "a login block signs in with a credential: name a `credential` parameter (or a `credential_id` workflow parameter) in parameter_keys",
            );
        }
        match &block.kind {
            BlockKind::Task(task)
            | BlockKind::Navigation(task)
            | BlockKind::Extraction(task)
            | BlockKind::Action(task)
            | BlockKind::FileDownload(task)
            | BlockKind::Login(task) => within(task.max_retries, 0, 10, &place.then("max_retries")),
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
        | BlockKind::FileDownload(task)
        | BlockKind::Login(task) => {
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
        | BlockKind::FileDownload(task)
        | BlockKind::Login(task) => task.parameter_keys.as_ref(),
        BlockKind::Validation(validation) => validation.parameter_keys.as_ref(),
        BlockKind::TextPrompt(prompt) => prompt.parameter_keys.as_ref(),
        BlockKind::HttpRequest(request) => request.parameter_keys.as_ref(),
        BlockKind::Code(code) => code.parameter_keys.as_ref(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::{accepted, at, refusal};

    fn wait(label: &str) -> serde_json::Value {
        json!({"block_type": "wait", "label": label})
    }

    #[test]
    fn a_label_used_twice_is_refused_even_inside_a_loop() {
        let error = refusal(json!({"parameters": [], "blocks": [
            wait("pause"),
            {"block_type": "for_loop", "label": "each", "loop_over_parameter_key": "pause", "loop_blocks": [wait("pause")]}
        ]}));
        assert_eq!(error.location, at("workflow_definition.blocks.1.loop_blocks.0.label"));
        assert!(error.message.contains("used by another block"), "{error}");
    }

    #[test]
    fn a_label_that_is_not_an_identifier_is_refused() {
        let error = refusal(json!({"parameters": [], "blocks": [wait("fetch invoice")]}));
        assert_eq!(error.location, at("workflow_definition.blocks.0.label"));
        assert!(error.message.contains("not an identifier"), "{error}");
    }

    #[test]
    fn a_next_block_label_naming_no_block_is_refused() {
        let error = refusal(json!({"parameters": [], "blocks": [
            {"block_type": "wait", "label": "pause", "next_block_label": "nowhere"}
        ]}));
        assert_eq!(error.location, at("workflow_definition.blocks.0.next_block_label"));
        assert!(error.message.starts_with("block \"pause\": `nowhere` names no block"), "{error}");
    }

    #[test]
    fn a_next_block_label_may_point_back_to_an_earlier_block() {
        accepted(json!({"version": 2, "parameters": [], "blocks": [
            wait("poll"),
            {"block_type": "wait", "label": "again", "next_block_label": "poll"}
        ]}));
    }

    #[test]
    fn a_loop_block_cannot_jump_out_of_its_loop() {
        let error = refusal(json!({"parameters": [], "blocks": [
            wait("after"),
            {"block_type": "for_loop", "label": "each", "loop_over_parameter_key": "after", "loop_blocks": [
                {"block_type": "wait", "label": "inner", "next_block_label": "after"}
            ]}
        ]}));
        assert_eq!(error.location, at("workflow_definition.blocks.1.loop_blocks.0.next_block_label"));
    }

    #[test]
    fn a_cycle_among_depends_on_is_refused() {
        let error = refusal(json!({"parameters": [], "blocks": [
            {"block_type": "wait", "label": "a", "depends_on": ["c"]},
            {"block_type": "wait", "label": "b", "depends_on": ["a"]},
            {"block_type": "wait", "label": "c", "depends_on": ["b"]}
        ]}));
        assert_eq!(error.location, at("workflow_definition.blocks.1.depends_on"));
        assert!(error.message.starts_with("block \"b\": depends_on forms a cycle: a -> c -> b -> a"), "{error}");
    }

    #[test]
    fn independent_blocks_may_depend_on_a_common_block() {
        accepted(json!({"parameters": [], "blocks": [
            wait("start"),
            {"block_type": "wait", "label": "left", "depends_on": ["start"]},
            {"block_type": "wait", "label": "right", "depends_on": ["start"]},
            {"block_type": "wait", "label": "join", "depends_on": ["left", "right"]}
        ]}));
    }

    #[test]
    fn depends_on_mixed_with_next_block_label_in_one_list_is_refused() {
        let error = refusal(json!({"parameters": [], "blocks": [
            {"block_type": "wait", "label": "a", "next_block_label": "b"},
            {"block_type": "wait", "label": "b", "depends_on": ["a"]}
        ]}));
        assert_eq!(error.location, at("workflow_definition.blocks.1.depends_on.0"));
        assert!(error.message.contains("cannot be mixed"), "{error}");
    }

    #[test]
    fn a_template_naming_an_unknown_name_is_refused() {
        let error = refusal(json!({"parameters": [], "blocks": [
            {"block_type": "goto_url", "label": "open", "url": "https://example.com/{{ invoice_id }}"}
        ]}));
        assert_eq!(error.location, at("workflow_definition.blocks.0.url"));
        assert!(error.message.contains("unknown name `invoice_id`"), "{error}");
        assert!(error.message.starts_with("block \"open\""), "{error}");
    }

    #[test]
    fn a_template_with_bad_syntax_is_refused() {
        let error = refusal(json!({"parameters": [], "blocks": [
            {"block_type": "text_prompt", "label": "summarize", "prompt": "Summarize {{ open.output "}
        ]}));
        assert_eq!(error.location, at("workflow_definition.blocks.0.prompt"));
        assert!(error.message.contains("bad template"), "{error}");
    }

    #[test]
    fn templates_in_http_headers_and_body_are_checked_where_they_are() {
        let error = refusal(json!({"parameters": [], "blocks": [
            {"block_type": "http_request", "label": "post", "url": "https://example.com",
             "headers": {"Authorization": "Bearer {{ workflow_run_id }}"},
             "body": {"items": [{"id": "{{ item_id }}"}]}}
        ]}));
        assert_eq!(error.location, at("workflow_definition.blocks.0.body.items.0.id"));
    }

    #[test]
    fn templates_may_read_parameters_block_outputs_and_the_run_id() {
        accepted(json!({"parameters": [
            {"key": "site", "parameter_type": "workflow", "workflow_parameter_type": "string"}
        ], "blocks": [
            {"block_type": "goto_url", "label": "open", "url": "{{ site }}/runs/{{ workflow_run_id }}"},
            {"block_type": "text_prompt", "label": "summarize",
             "prompt": "{{ open.output }} {{ open_output }} {% for row in range(3) %}{{ row }}{% endfor %}"}
        ]}));
    }

    #[test]
    fn a_loop_template_may_use_current_value_but_the_same_name_outside_a_loop_is_refused() {
        let parameters = json!([{"key": "pages", "parameter_type": "workflow", "workflow_parameter_type": "json"}]);
        accepted(json!({"parameters": parameters, "blocks": [
            {"block_type": "for_loop", "label": "each", "loop_over_parameter_key": "pages", "loop_blocks": [
                {"block_type": "goto_url", "label": "open", "url": "{{ current_value.url }}?n={{ current_index }}"}
            ]}
        ]}));
        let error = refusal(json!({"parameters": parameters, "blocks": [
            {"block_type": "goto_url", "label": "open", "url": "{{ current_value.url }}"}
        ]}));
        assert_eq!(error.location, at("workflow_definition.blocks.0.url"));
        assert!(error.message.contains("only defined inside a for_loop"), "{error}");
    }

    #[test]
    fn a_loop_over_an_unknown_key_or_over_nothing_is_refused() {
        let error = refusal(json!({"parameters": [], "blocks": [
            {"block_type": "for_loop", "label": "each", "loop_over_parameter_key": "pages", "loop_blocks": []}
        ]}));
        assert_eq!(error.location, at("workflow_definition.blocks.0.loop_over_parameter_key"));
        let error = refusal(json!({"parameters": [], "blocks": [
            {"block_type": "for_loop", "label": "each", "loop_blocks": []}
        ]}));
        assert!(error.message.contains("needs loop_over_parameter_key or loop_variable_reference"), "{error}");
    }

    #[test]
    fn an_invalid_json_schema_is_refused() {
        let error = refusal(json!({"parameters": [], "blocks": [
            {"block_type": "extraction", "label": "read", "data_extraction_goal": "Read the total",
             "data_schema": {"type": "no-such-type"}}
        ]}));
        assert_eq!(error.location, at("workflow_definition.blocks.0.data_schema"));
        assert!(error.message.contains("not a valid JSON Schema"), "{error}");
    }

    #[test]
    fn two_default_branches_are_refused() {
        let error = refusal(json!({"version": 2, "parameters": [], "blocks": [
            {"block_type": "conditional", "label": "choose", "branch_conditions": [
                {"is_default": true, "next_block_label": "done"},
                {"is_default": true, "next_block_label": "done"}
            ]},
            wait("done")
        ]}));
        assert_eq!(error.location, at("workflow_definition.blocks.0.branch_conditions.1.is_default"));
        assert!(error.message.contains("only one branch"), "{error}");
    }

    #[test]
    fn a_branch_to_an_unknown_block_is_refused() {
        let error = refusal(json!({"version": 2, "parameters": [], "blocks": [
            {"block_type": "conditional", "label": "choose", "branch_conditions": [
                {"criteria": {"expression": "{{ 1 > 0 }}"}, "next_block_label": "gone"}
            ]}
        ]}));
        assert_eq!(error.location, at("workflow_definition.blocks.0.branch_conditions.0.next_block_label"));
    }

    #[test]
    fn a_validation_block_with_no_criterion_is_refused() {
        let error = refusal(json!({"parameters": [], "blocks": [{"block_type": "validation", "label": "check"}]}));
        assert_eq!(error.location, at("workflow_definition.blocks.0"));
        assert!(error.message.contains("needs a complete_criterion or a terminate_criterion"), "{error}");
    }

    #[test]
    fn wait_sec_out_of_range_is_refused() {
        let error = refusal(json!({"parameters": [], "blocks": [
            {"block_type": "wait", "label": "pause", "wait_sec": 3601}
        ]}));
        assert_eq!(error.location, at("workflow_definition.blocks.0.wait_sec"));
        assert!(error.message.contains("between 0 and 3600"), "{error}");
    }

    #[test]
    fn max_retries_out_of_range_is_refused() {
        let error = refusal(json!({"parameters": [], "blocks": [
            {"block_type": "task", "label": "work", "navigation_goal": "Do it", "max_retries": 11}
        ]}));
        assert_eq!(error.location, at("workflow_definition.blocks.0.max_retries"));
    }

    #[test]
    fn a_parameter_key_the_runtime_provides_or_a_label_uses_is_refused() {
        let error = refusal(json!({"blocks": [], "parameters": [
            {"key": "current_value", "parameter_type": "output"}
        ]}));
        assert_eq!(error.location, at("workflow_definition.parameters.0.key"));
        let error =
            refusal(json!({"blocks": [wait("pause")], "parameters": [{"key": "pause", "parameter_type": "output"}]}));
        assert!(error.message.contains("also a block's label"), "{error}");
    }

    #[test]
    fn a_context_parameter_needs_an_existing_source() {
        let error = refusal(json!({"blocks": [], "parameters": [
            {"key": "total", "parameter_type": "context", "source_parameter_key": "nothing"}
        ]}));
        assert_eq!(error.location, at("workflow_definition.parameters.0.source_parameter_key"));
    }

    #[test]
    fn a_block_nothing_leads_to_in_a_list_with_a_conditional_is_refused() {
        let error = refusal(json!({"parameters": [], "blocks": [
            {"block_type": "wait", "label": "first", "wait_sec": 0},
            {"block_type": "conditional", "label": "check", "branch_conditions": [{"is_default": true}]},
            {"block_type": "wait", "label": "last", "wait_sec": 0}
        ]}));
        assert_eq!(error.location, at("workflow_definition.blocks.1"));
        assert!(error.message.starts_with("block \"check\": no block leads to it"), "{error}");
        accepted(json!({"parameters": [], "finally_block_label": "last", "blocks": [
            {"block_type": "wait", "label": "first", "wait_sec": 0, "next_block_label": "check"},
            {"block_type": "conditional", "label": "check", "branch_conditions": [{"is_default": true}]},
            {"block_type": "wait", "label": "last", "wait_sec": 0}
        ]}));
    }

    #[test]
    fn a_finally_block_label_naming_no_top_level_block_is_refused() {
        let error = refusal(json!({"parameters": [], "blocks": [wait("pause")], "finally_block_label": "cleanup"}));
        assert_eq!(error.location, at("workflow_definition.finally_block_label"));
    }
}
