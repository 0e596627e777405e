//! Reading the model's answer: a JSON object with its reasoning and actions, found even inside
//! code fences or prose, with trailing commas forgiven.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What the model decided at one step.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Decision {
    #[serde(default)]
    pub reasoning: String,
    pub actions: Vec<AgentAction>,
}

/// An output field to read: one element's text, a list of elements, or the words of one
/// element's text that hold the value (`{"element": "e5", "part": "2"}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldSource {
    One(String),
    Many(Vec<String>),
    Part { element: String, part: String },
}

/// An action as the model writes it, naming elements by their ids.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AgentAction {
    Click {
        element: String,
        intent: Option<String>,
    },
    Fill {
        element: String,
        text: String,
        intent: Option<String>,
    },
    Type {
        element: String,
        text: String,
        intent: Option<String>,
    },
    SelectOption {
        element: String,
        option: String,
        intent: Option<String>,
    },
    Check {
        element: String,
        #[serde(default = "yes")]
        checked: bool,
        intent: Option<String>,
    },
    Hover {
        element: String,
        intent: Option<String>,
    },
    Scroll {
        #[serde(default)]
        direction: Direction,
        element: Option<String>,
        intent: Option<String>,
    },
    PressKey {
        key: String,
        element: Option<String>,
        intent: Option<String>,
    },
    Goto {
        url: String,
        intent: Option<String>,
    },
    Back {
        intent: Option<String>,
    },
    NewTab {
        url: String,
        intent: Option<String>,
    },
    SwitchTab {
        tab: usize,
        intent: Option<String>,
    },
    Wait {
        #[serde(default = "one")]
        seconds: f64,
        intent: Option<String>,
    },
    Extract {
        fields: BTreeMap<String, FieldSource>,
        intent: Option<String>,
    },
    Complete {
        intent: Option<String>,
    },
    Terminate {
        #[serde(default)]
        reason: String,
        intent: Option<String>,
    },
    ReportError {
        code: String,
        intent: Option<String>,
    },
    Download {
        element: String,
        intent: Option<String>,
    },
    Upload {
        element: String,
        file: String,
        intent: Option<String>,
    },
    AskUser {
        question: String,
        intent: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    #[default]
    Down,
    Up,
}

fn yes() -> bool {
    true
}

fn one() -> f64 {
    1.0
}

/// Reads a decision out of the model's text.
pub fn parse(text: &str) -> Result<Decision, String> {
    let object = outermost_object(text).ok_or_else(|| "no JSON object found".to_owned())?;
    let cleaned = without_trailing_commas(object);
    let decision: Decision = serde_json::from_str(&cleaned).map_err(|e| e.to_string())?;
    if decision.actions.is_empty() {
        return Err("`actions` is empty".into());
    }
    Ok(decision)
}

/// Reads a JSON answer (an object, perhaps in fences or prose; or any JSON text) out of the
/// model's text.
pub fn json_answer(text: &str) -> Result<Value, String> {
    if let Ok(value) = serde_json::from_str(text.trim()) {
        return Ok(value);
    }
    let object = outermost_object(text).ok_or_else(|| "no JSON object found".to_owned())?;
    serde_json::from_str(&without_trailing_commas(object)).map_err(|e| e.to_string())
}

/// The text from the first `{` to its matching `}` (strings and escapes respected).
fn outermost_object(text: &str) -> Option<&str> {
    let start = text.find('{')?;
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (offset, c) in text[start..].char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '{' if !in_string => depth += 1,
            '}' if !in_string => {
                depth -= 1;
                if depth == 0 {
                    return Some(&text[start..start + offset + 1]);
                }
            }
            _ => {}
        }
    }
    None
}

/// Drops commas that stand right before a closing bracket, outside strings.
fn without_trailing_commas(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    let chars: Vec<char> = json.chars().collect();
    for (index, &c) in chars.iter().enumerate() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            ',' if !in_string => {
                let next = chars[index + 1..].iter().find(|c| !c.is_whitespace());
                if matches!(next, Some('}') | Some(']')) {
                    continue;
                }
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_in_fences_with_prose_and_trailing_commas_are_read() {
        let text = "Sure! Here is my plan:\n```json\n{\"reasoning\": \"a {tricky} \\\"one\\\"\", \"actions\": [{\"action\": \"click\", \"element\": \"e1\",},],}\n```\nDone.";
        let decision = parse(text).unwrap();
        assert_eq!(decision.reasoning, "a {tricky} \"one\"");
        assert!(matches!(&decision.actions[0], AgentAction::Click { element, .. } if element == "e1"));
    }

    #[test]
    fn answers_without_an_object_or_actions_are_refused() {
        assert!(parse("I will click the button").is_err());
        assert!(parse("{\"reasoning\": \"x\", \"actions\": []}").is_err());
        assert!(parse("{\"actions\": [{\"action\": \"fly\"}]}").unwrap_err().contains("fly"));
    }
}
