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
    /// Its ARIA role, when it has one.
    #[serde(default)]
    pub role: Option<String>,
    /// A click acts on it though it is no link, button or field.
    #[serde(default)]
    pub clickable: bool,
    /// An `aria-expanded` state (a menu or a disclosure open or closed).
    #[serde(default)]
    pub expanded: Option<bool>,
    /// What a control with nothing to read (an icon) is called in the page's markup: its class,
    /// else its id.
    #[serde(default)]
    pub class_name: Option<String>,
    #[serde(default)]
    pub html_id: Option<String>,
    /// `aria-haspopup`: it opens a menu or a list.
    #[serde(default)]
    pub has_popup: bool,
    /// `aria-selected="true"` (the current tab, the highlighted option).
    #[serde(default)]
    pub aria_selected: bool,
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

    /// One line per element: `[e3] input type=text "Name" value="Ada"`. Texts are quoted as JSON
    /// strings, so a quote inside a sentence cannot be read as its end.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for element in &self.elements {
            element.render_into(&mut out);
            out.push('\n');
        }
        if self.truncated {
            let _ = writeln!(out, "(more elements not shown; scroll to see others)");
        }
        out
    }
}

impl Element {
    fn render_into(&self, out: &mut String) {
        let _ = write!(out, "[{}] {}", self.id, self.tag);
        if let Some(kind) = &self.input_type {
            let _ = write!(out, " type={kind}");
        }
        if let Some(role) = &self.role {
            let _ = write!(out, " role={role}");
        }
        if self.clickable {
            out.push_str(" clickable");
        }
        if let Some(frame) = self.frame {
            let _ = write!(out, " frame={frame}");
        }
        for text in [&self.label, &self.text].into_iter().flatten() {
            let _ = write!(out, " {}", quoted(text));
        }
        if let Some(class_name) = &self.class_name {
            let _ = write!(out, " class={}", quoted(class_name));
        }
        if let Some(html_id) = &self.html_id {
            let _ = write!(out, " id={}", quoted(html_id));
        }
        if let Some(placeholder) = &self.placeholder {
            let _ = write!(out, " placeholder={}", quoted(placeholder));
        }
        if let Some(value) = self.value.as_ref().filter(|v| !v.is_empty()) {
            let _ = write!(out, " value={}", quoted(value));
        }
        if let Some(checked) = self.checked {
            out.push_str(if checked { " checked" } else { " unchecked" });
        }
        if let Some(expanded) = self.expanded {
            out.push_str(if expanded { " expanded" } else { " collapsed" });
        }
        if self.aria_selected {
            out.push_str(" selected");
        }
        if self.has_popup {
            out.push_str(" opens-menu");
        }
        if let Some(options) = &self.options {
            let options: Vec<String> = options.iter().map(|option| quoted(option)).collect();
            let _ = write!(out, " options=[{}]", options.join(", "));
            if let Some(selected) = &self.selected {
                let _ = write!(out, " selected={}", quoted(selected));
            }
        }
        if let Some(href) = &self.href {
            let _ = write!(out, " href={href}");
        }
        if self.disabled {
            out.push_str(" disabled");
        }
        if self.scrollable {
            out.push_str(" scrollable");
        }
    }
}

/// A text as a JSON string literal.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
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
                {"id": "e3", "tag": "input", "selector": "#t", "type": "checkbox", "checked": true, "frame": 1},
                {"id": "e4", "tag": "div", "selector": "#q", "text": "Enter \"Juan\" here [e5]"},
                {"id": "e5", "tag": "span", "selector": "#o", "role": "option", "clickable": true, "text": "Sudan", "aria_selected": true}
            ]
        }))
        .unwrap();
        assert_eq!(
            observation.render(),
            "[e1] input type=text \"Search\" value=\"ada\"\n[e2] select options=[\"France\", \"Japan\"] selected=\"Japan\"\n[e3] input type=checkbox frame=1 checked\n[e4] div \"Enter \\\"Juan\\\" here [e5]\"\n[e5] span role=option clickable \"Sudan\" selected\n"
        );
        assert_eq!(observation.selectors()["e3"], "#t");
    }
}
