//! Building the model's messages from the templates in `prompts/`.

use std::fmt::Write;

use serde_json::Value;

use super::observe::Observation;
use crate::engine::placeholder;
use crate::runs::TaskSpec;

pub const SYSTEM: &str = include_str!("prompts/system.md");
const STEP: &str = include_str!("prompts/step.md");
const REPAIR: &str = include_str!("prompts/repair.md");

/// Fills `{{name}}` slots of a template.
fn fill(template: &str, slots: &[(&str, &str)]) -> String {
    slots.iter().fold(template.to_owned(), |text, (name, value)| text.replace(&format!("{{{{{name}}}}}"), value))
}

/// An open tab: its title, its URL, and whether the run acts in it.
pub type Tab = (String, String, bool);

/// The user message of one step.
pub fn step_message(
    spec: &TaskSpec,
    observation: &Observation,
    tabs: &[Tab],
    history: &[String],
    step: u32,
    max_steps: u32,
) -> String {
    let schema = match &spec.data_extraction_schema {
        Some(Value::String(description)) => format!("Wanted output: {description}\n\n"),
        Some(schema) => format!("Output schema (JSON Schema) to extract:\n{schema}\n\n"),
        None => String::new(),
    };
    let error_codes = if spec.error_code_mapping.is_empty() {
        String::new()
    } else {
        let mut text = "Error codes you may report when they apply:\n".to_owned();
        for (code, meaning) in &spec.error_code_mapping {
            let _ = writeln!(text, "- {code}: {meaning}");
        }
        text + "\n"
    };
    let secrets = if spec.secret_names.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = spec.secret_names.iter().map(|name| placeholder(name)).collect();
        format!("Secrets you may type, as placeholders: {}\n\n", names.join(", "))
    };
    let files = if spec.file_names.is_empty() {
        String::new()
    } else {
        format!("Files you may upload: {}\n\n", spec.file_names.join(", "))
    };
    let tabs = if tabs.is_empty() {
        String::new()
    } else {
        let mut text = "Open tabs:\n".to_owned();
        for (index, (title, url, current)) in tabs.iter().enumerate() {
            let marker = if *current { " (you are here)" } else { "" };
            let _ = writeln!(text, "[{index}] {title} ({url}){marker}");
        }
        text + "\n"
    };
    let history = if history.is_empty() { "(nothing yet)".to_owned() } else { history.join("\n") };
    fill(
        STEP,
        &[
            ("goal", spec.prompt.as_deref().unwrap_or_default()),
            ("schema", &schema),
            ("error_codes", &error_codes),
            ("secrets", &secrets),
            ("files", &files),
            ("step", &step.to_string()),
            ("max_steps", &max_steps.to_string()),
            ("history", &history),
            ("tabs", &tabs),
            ("title", &observation.title),
            ("url", &observation.url),
            ("elements", &observation.render()),
        ],
    )
}

/// The message asking for a readable answer after one that was not.
pub fn repair_message(error: &str) -> String {
    fill(REPAIR, &[("error", error)])
}
