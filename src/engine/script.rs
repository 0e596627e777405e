//! The action script: the documented JSON list of actions that the `code` engine replays.
//!
//! Each action is an object with an `action` name and its fields; unknown names or fields are
//! refused when the run is created, with serde's message naming the culprit.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// One step of a script: an action and, optionally, why it is taken (the agent writes its
/// intent here, so a replayed script still says what each action was for).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScriptStep {
    #[serde(flatten)]
    pub action: Action,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intent: Option<String>,
}

/// `intent` is taken out first, so the action itself can still refuse unknown fields.
impl<'de> Deserialize<'de> for ScriptStep {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<ScriptStep, D::Error> {
        use serde::de::Error;
        let mut fields = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
        let intent = match fields.remove("intent") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(text)) => Some(text),
            Some(_) => return Err(D::Error::custom("intent must be a text")),
        };
        let action = Action::deserialize(serde_json::Value::Object(fields)).map_err(D::Error::custom)?;
        Ok(ScriptStep { action, intent })
    }
}

impl From<Action> for ScriptStep {
    fn from(action: Action) -> ScriptStep {
        ScriptStep { action, intent: None }
    }
}

/// A browser action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Load a URL (http or https) and wait for it to load.
    Goto { url: String },
    /// Click the element's centre with the mouse.
    Click { selector: String },
    /// Move the mouse over the element.
    Hover { selector: String },
    /// Go back one page in the history.
    Back,
    /// Open a new tab at a URL and act in it from now on.
    NewTab { url: String },
    /// Act in another tab (0 is the first) from now on.
    SwitchTab { index: usize },
    /// Set a field's value at once.
    Fill { selector: String, value: String },
    /// Type text into a field as keyboard input.
    Type { selector: String, text: String },
    /// Choose an option of a `<select>` by `value` or by visible `label`.
    SelectOption {
        selector: String,
        #[serde(default)]
        value: Option<String>,
        #[serde(default)]
        label: Option<String>,
    },
    /// Tick (or with `checked: false`, clear) a checkbox or radio button.
    Check {
        selector: String,
        #[serde(default = "ticked")]
        checked: bool,
    },
    /// Press a key (`Enter`, `Tab`, `Escape`, `ArrowDown`, a character…), on an element or the focused one.
    PressKey {
        key: String,
        #[serde(default)]
        selector: Option<String>,
    },
    /// Scroll the page, or an element, by (x, y) pixels.
    Scroll {
        #[serde(default)]
        selector: Option<String>,
        #[serde(default)]
        x: f64,
        #[serde(default)]
        y: f64,
    },
    /// Wait until an element is visible.
    WaitForSelector {
        selector: String,
        #[serde(default)]
        timeout_ms: Option<u64>,
    },
    /// Wait until a text appears on the page.
    WaitForText {
        text: String,
        #[serde(default)]
        timeout_ms: Option<u64>,
    },
    /// Pause for a fixed time.
    Wait { ms: u64 },
    /// Read fields from the page into the run's output.
    Extract { fields: BTreeMap<String, Field> },
    /// Click the element and keep the file it downloads as an artifact (in `downloaded_files`).
    Download {
        selector: String,
        #[serde(default)]
        timeout_ms: Option<u64>,
    },
    /// Give a file input one of the run's `files`, by name.
    Upload { selector: String, file: String },
    /// Keep a screenshot of the viewport (or the whole page) as an artifact.
    Screenshot {
        #[serde(default)]
        full_page: bool,
    },
}

fn ticked() -> bool {
    true
}

/// Where a field's value comes from: a CSS selector, a list of them, or the detailed form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Field {
    /// The text (or form value) of the first element the selector matches.
    Selector(String),
    /// An array: the text of each selector's element, in order.
    Each(Vec<String>),
    Detailed(FieldSpec),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    pub selector: String,
    /// Read this attribute instead of the text (e.g. `href`).
    #[serde(default)]
    pub attribute: Option<String>,
    /// Read every match into an array.
    #[serde(default)]
    pub all: bool,
    /// Read an object from each match, with selectors relative to it.
    #[serde(default)]
    pub fields: Option<BTreeMap<String, Field>>,
    /// Keep only the part of the text after the first occurrence of this (whitespace squashed),
    /// e.g. `"Total: "` in "Total: $12, paid".
    #[serde(default)]
    pub after: Option<String>,
    /// Keep only the part of the text before the next occurrence of this, e.g. `","`.
    #[serde(default)]
    pub before: Option<String>,
}

impl Field {
    /// Whether it asks to cut an object read with `fields` (which has no text to cut).
    fn slices_objects(&self) -> bool {
        match self {
            Field::Detailed(spec) => {
                let nested = spec.fields.as_ref().is_some_and(|fields| fields.values().any(Field::slices_objects));
                nested || (spec.fields.is_some() && (spec.after.is_some() || spec.before.is_some()))
            }
            Field::Selector(_) | Field::Each(_) => false,
        }
    }

    /// The selector to wait for before extracting: single fields must be on the page.
    pub fn required_selector(&self) -> Option<&str> {
        match self {
            Field::Selector(selector) => Some(selector),
            Field::Detailed(spec) if !spec.all => Some(&spec.selector),
            Field::Detailed(_) | Field::Each(_) => None,
        }
    }
}

/// Largest number of actions one script may have.
pub const MAX_ACTIONS: usize = 500;
/// Longest single wait a script may ask for.
pub const MAX_WAIT_MS: u64 = 600_000;

/// Why a script was refused.
#[derive(Debug, thiserror::Error)]
#[error("script action {index}: {message}")]
pub struct ScriptError {
    pub index: usize,
    pub message: String,
}

/// Checks what serde cannot: URLs, option choices, bounds.
pub fn validate(steps: &[ScriptStep]) -> Result<(), ScriptError> {
    if steps.len() > MAX_ACTIONS {
        return Err(ScriptError {
            index: MAX_ACTIONS + 1,
            message: format!("a script has at most {MAX_ACTIONS} actions"),
        });
    }
    for (position, ScriptStep { action, .. }) in steps.iter().enumerate() {
        let fail = |message: String| Err(ScriptError { index: position + 1, message });
        match action {
            Action::Goto { url } | Action::NewTab { url } => {
                if let Err(message) = crate::runs::web_url(url) {
                    return fail(message);
                }
            }
            Action::SelectOption { value, label, .. } if value.is_some() == label.is_some() => {
                return fail("select_option needs exactly one of `value` and `label`".into());
            }
            Action::WaitForSelector { timeout_ms: Some(ms), .. }
            | Action::WaitForText { timeout_ms: Some(ms), .. }
            | Action::Download { timeout_ms: Some(ms), .. }
                if *ms > MAX_WAIT_MS =>
            {
                return fail(format!("timeout_ms may be at most {MAX_WAIT_MS}"));
            }
            Action::Wait { ms } if *ms > MAX_WAIT_MS => return fail(format!("ms may be at most {MAX_WAIT_MS}")),
            Action::Extract { fields } if fields.is_empty() => return fail("extract needs at least one field".into()),
            Action::Extract { fields } if fields.values().any(Field::slices_objects) => {
                return fail("`after` and `before` cut a text: they cannot go with `fields`".into());
            }
            _ => {}
        }
    }
    Ok(())
}

impl Action {
    /// Whether the action sends keystrokes (or sets a field as typing would), after which a page
    /// may react with a pause (suggestions, validation).
    pub fn types(&self) -> bool {
        matches!(self, Action::Fill { .. } | Action::Type { .. } | Action::PressKey { .. })
    }

    /// The field and the text a `fill` or `type` puts in it.
    pub fn typed_text(&self) -> Option<(&str, &str)> {
        match self {
            Action::Fill { selector, value: text } | Action::Type { selector, text } => Some((selector, text)),
            _ => None,
        }
    }

    /// Whether the action only waits (for time, an element or a text) and changes nothing: a
    /// person may take control in the middle of it, after which it starts again.
    pub fn only_waits(&self) -> bool {
        matches!(self, Action::Wait { .. } | Action::WaitForSelector { .. } | Action::WaitForText { .. })
    }
}

impl fmt::Display for Action {
    /// A short label for the timeline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Goto { url } => write!(f, "go to {url}"),
            Action::Click { selector } => write!(f, "click {selector}"),
            Action::Hover { selector } => write!(f, "hover {selector}"),
            Action::Back => write!(f, "go back"),
            Action::NewTab { url } => write!(f, "open a new tab at {url}"),
            Action::SwitchTab { index } => write!(f, "switch to tab {index}"),
            Action::Fill { selector, .. } => write!(f, "fill {selector}"),
            Action::Type { selector, .. } => write!(f, "type into {selector}"),
            Action::SelectOption { selector, value, label } => {
                write!(f, "select {} in {selector}", value.as_deref().or(label.as_deref()).unwrap_or_default())
            }
            Action::Check { selector, checked: true } => write!(f, "check {selector}"),
            Action::Check { selector, checked: false } => write!(f, "uncheck {selector}"),
            Action::PressKey { key, .. } => write!(f, "press {key}"),
            Action::Scroll { x, y, .. } => write!(f, "scroll by ({x}, {y})"),
            Action::WaitForSelector { selector, .. } => write!(f, "wait for {selector}"),
            Action::WaitForText { text, .. } => write!(f, "wait for text \"{text}\""),
            Action::Wait { ms } => write!(f, "wait {ms} ms"),
            Action::Extract { fields } => {
                write!(f, "extract {}", fields.keys().cloned().collect::<Vec<_>>().join(", "))
            }
            Action::Screenshot { .. } => write!(f, "screenshot"),
            Action::Download { selector, .. } => write!(f, "download from {selector}"),
            Action::Upload { selector, file } => write!(f, "upload {file} to {selector}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_documented_script_parses() {
        let script: Vec<ScriptStep> = serde_json::from_value(serde_json::json!([
            {"action": "goto", "url": "http://127.0.0.1/form"},
            {"action": "fill", "selector": "#name", "value": "Ada"},
            {"action": "select_option", "selector": "#country", "label": "France"},
            {"action": "check", "selector": "#terms"},
            {"action": "press_key", "key": "Enter", "intent": "submit the form"},
            {"action": "extract", "fields": {"title": "h1", "links": {"selector": "a", "attribute": "href", "all": true}}}
        ]))
        .unwrap();
        assert_eq!(script.len(), 6);
        assert!(matches!(script[3].action, Action::Check { checked: true, .. }));
        assert_eq!(script[4].intent.as_deref(), Some("submit the form"));
        validate(&script).unwrap();
    }

    #[test]
    fn unknown_actions_and_fields_are_refused_with_their_name() {
        let unknown =
            serde_json::from_value::<Vec<ScriptStep>>(serde_json::json!([{"action": "clik", "selector": "a"}]));
        assert!(unknown.unwrap_err().to_string().contains("clik"));
        let extra = serde_json::from_value::<Vec<ScriptStep>>(
            serde_json::json!([{"action": "click", "selector": "a", "force": true}]),
        );
        assert!(extra.unwrap_err().to_string().contains("force"));
    }

    #[test]
    fn validation_names_the_failing_action() {
        let script: Vec<ScriptStep> = vec![
            Action::Click { selector: "a".into() }.into(),
            Action::Goto { url: "file:///etc/passwd".into() }.into(),
        ];
        let error = validate(&script).unwrap_err();
        assert_eq!(error.index, 2);
        let both: Vec<ScriptStep> = vec![
            Action::SelectOption { selector: "s".into(), value: Some("a".into()), label: Some("b".into()) }.into(),
        ];
        assert!(validate(&both).is_err());
    }
}
