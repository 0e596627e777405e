//! What the agent sees: the page's visible elements, written compactly for the prompt, and the
//! map from each element id to the selector that finds it again.

use std::collections::HashMap;
use std::fmt::Write;

use serde::Deserialize;
use serde_json::Value;

/// Most elements one observation lists; the rest is cut (and the model told so).
pub const ELEMENT_LIMIT: usize = 400;

/// One element as `observe.js` reports it.
#[derive(Debug, Clone, Deserialize)]
pub struct Element {
    pub id: String,
    pub tag: String,
    pub selector: String,
    #[serde(default)]
    pub frame: Option<u32>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default, rename = "type")]
    pub input_type: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub placeholder: Option<String>,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub checked: Option<bool>,
    #[serde(default)]
    pub options: Option<Vec<String>>,
    #[serde(default)]
    pub selected: Option<String>,
    #[serde(default)]
    pub href: Option<String>,
    #[serde(default)]
    pub disabled: bool,
    #[serde(default)]
    pub scrollable: bool,
}

/// The page at one step.
#[derive(Debug, Clone, Deserialize)]
pub struct Observation {
    pub url: String,
    pub title: String,
    pub elements: Vec<Element>,
    #[serde(default)]
    pub truncated: bool,
}

impl Observation {
    pub fn parse(value: Value) -> Result<Observation, String> {
        serde_json::from_value(value).map_err(|e| format!("the page could not be observed: {e}"))
    }

    /// Element id → selector.
    pub fn selectors(&self) -> HashMap<String, String> {
        self.elements.iter().map(|e| (e.id.clone(), e.selector.clone())).collect()
    }

    /// One line per element: `[e3] input type=text "Name" value="Ada"`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for element in &self.elements {
            let _ = write!(out, "[{}] {}", element.id, element.tag);
            if let Some(kind) = &element.input_type {
                let _ = write!(out, " type={kind}");
            }
            if let Some(frame) = element.frame {
                let _ = write!(out, " frame={frame}");
            }
            for text in [&element.label, &element.text].into_iter().flatten() {
                let _ = write!(out, " \"{text}\"");
            }
            if let Some(placeholder) = &element.placeholder {
                let _ = write!(out, " placeholder=\"{placeholder}\"");
            }
            if let Some(value) = element.value.as_ref().filter(|v| !v.is_empty()) {
                let _ = write!(out, " value=\"{value}\"");
            }
            if let Some(checked) = element.checked {
                out.push_str(if checked { " checked" } else { " unchecked" });
            }
            if let Some(options) = &element.options {
                let _ = write!(out, " options=[{}]", options.join(" | "));
                if let Some(selected) = &element.selected {
                    let _ = write!(out, " selected=\"{selected}\"");
                }
            }
            if let Some(href) = &element.href {
                let _ = write!(out, " href={href}");
            }
            if element.disabled {
                out.push_str(" disabled");
            }
            if element.scrollable {
                out.push_str(" scrollable");
            }
            out.push('\n');
        }
        if self.truncated {
            let _ = writeln!(out, "(more elements not shown; scroll to see others)");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn elements_render_one_compact_line_each() {
        let observation = Observation::parse(json!({
            "url": "http://x/", "title": "T", "truncated": false,
            "elements": [
                {"id": "e1", "tag": "input", "selector": "#q", "type": "text", "label": "Search", "value": "ada"},
                {"id": "e2", "tag": "select", "selector": "#c", "options": ["France", "Japan"], "selected": "Japan"},
                {"id": "e3", "tag": "input", "selector": "#t", "type": "checkbox", "checked": true, "frame": 1}
            ]
        }))
        .unwrap();
        assert_eq!(
            observation.render(),
            "[e1] input type=text \"Search\" value=\"ada\"\n[e2] select options=[France | Japan] selected=\"Japan\"\n[e3] input type=checkbox frame=1 checked\n"
        );
        assert_eq!(observation.selectors()["e3"], "#t");
    }
}
