//! A run as a standalone Python Playwright script, to reproduce it outside the appliance.

use std::fmt::Write;

use super::script::{Action, Field, FieldSpec, ScriptStep};

const PRELUDE: &str = r#"#!/usr/bin/env python3
"""Reproduces a Skyvern appliance run with Playwright (pip install playwright)."""

import json

from playwright.sync_api import sync_playwright


def find(scope, selector):
    """Finds an element; " >>> " steps into a shadow root or an iframe."""
    steps = selector.split(" >>> ")
    for step in steps[:-1]:
        host = scope.locator(step).first
        is_frame = host.evaluate("e => e.tagName === 'IFRAME'")
        scope = host.content_frame if is_frame else host
    return scope.locator(steps[-1])


def text_of(locator):
    """The text a run extracts: a form field's value, a box's state, or the element's text."""
    return locator.evaluate(
        "e => (e.type === 'checkbox' || e.type === 'radio') ? String(e.checked)"
        " : ['INPUT', 'TEXTAREA'].includes(e.tagName) ? e.value"
        " : e.tagName === 'SELECT' ? (e.selectedOptions[0]?.textContent.trim() ?? null)"
        " : (e.innerText ?? e.textContent ?? '').trim()"
    )


def between(text, after, before):
    """The part of a text (whitespace squashed) after `after` and before the next `before`."""
    if text is None:
        return None
    text = " ".join(text.split())
    start = 0
    if after is not None:
        at = text.find(after)
        if at < 0:
            return None
        start = at + len(after)
    end = text.find(before, start) if before is not None else -1
    return text[start:end if end >= 0 else len(text)].strip()


def main():
    output = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch()
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        page = context.new_page()
"#;

const EPILOGUE: &str = r#"        browser.close()
    print(json.dumps(output, indent=2))


if __name__ == "__main__":
    main()
"#;

/// A Python string literal (JSON strings are valid Python strings).
fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

/// Python that reads `field` below `scope`.
fn read_field(field: &Field, scope: &str) -> String {
    match field {
        Field::Selector(selector) => format!("text_of(find({scope}, {}).first)", quote(selector)),
        Field::Each(selectors) => {
            let reads: Vec<String> =
                selectors.iter().map(|s| format!("text_of(find({scope}, {}).first)", quote(s))).collect();
            format!("[{}]", reads.join(", "))
        }
        Field::Detailed(FieldSpec { selector, attribute, all, fields, after, before }) => {
            let literal = |text: &Option<String>| text.as_deref().map_or_else(|| "None".to_owned(), quote);
            let cut = |read: String| match (after, before) {
                (None, None) => read,
                _ => format!("between({read}, {}, {})", literal(after), literal(before)),
            };
            let read = |item: &str| match (attribute, fields) {
                (_, Some(fields)) => {
                    let entries: Vec<String> = fields
                        .iter()
                        .map(|(name, field)| format!("{}: {}", quote(name), read_field(field, item)))
                        .collect();
                    format!("{{{}}}", entries.join(", "))
                }
                (Some(attribute), None) => cut(format!("{item}.get_attribute({})", quote(attribute))),
                (None, None) => cut(format!("text_of({item})")),
            };
            if *all {
                format!("[{} for item in find({scope}, {}).all()]", read("item"), quote(selector))
            } else {
                read(&format!("find({scope}, {}).first", quote(selector)))
            }
        }
    }
}

/// The Python lines of one step, indented for `main`.
fn lines_of(step: &ScriptStep) -> String {
    let at = |selector: &str| format!("find(page, {}).first", quote(selector));
    let code = match &step.action {
        Action::Goto { url } => format!("page.goto({})", quote(url)),
        Action::Click { selector } => format!("{}.click()", at(selector)),
        Action::Hover { selector } => format!("{}.hover()", at(selector)),
        Action::Back => "page.go_back()".into(),
        Action::NewTab { url } => format!("page = context.new_page()\n        page.goto({})", quote(url)),
        Action::SwitchTab { index } => format!("page = context.pages[{index}]\n        page.bring_to_front()"),
        Action::Fill { selector, value } => format!("{}.fill({})", at(selector), quote(value)),
        Action::Type { selector, text } => format!("{}.press_sequentially({})", at(selector), quote(text)),
        Action::SelectOption { selector, value: Some(value), .. } => {
            format!("{}.select_option(value={})", at(selector), quote(value))
        }
        Action::SelectOption { selector, label, .. } => {
            format!("{}.select_option(label={})", at(selector), quote(label.as_deref().unwrap_or_default()))
        }
        Action::Check { selector, checked } => {
            format!("{}.set_checked({})", at(selector), if *checked { "True" } else { "False" })
        }
        Action::PressKey { key, selector: Some(selector) } => format!("{}.press({})", at(selector), quote(key)),
        Action::PressKey { key, selector: None } => format!("page.keyboard.press({})", quote(key)),
        Action::Scroll { selector: Some(selector), x, y } => {
            format!("{}.evaluate(\"(e, d) => e.scrollBy(d[0], d[1])\", [{x}, {y}])", at(selector))
        }
        Action::Scroll { selector: None, x, y } => format!("page.mouse.wheel({x}, {y})"),
        Action::WaitForSelector { selector, timeout_ms } => {
            format!("{}.wait_for(timeout={})", at(selector), timeout_ms.unwrap_or(5000))
        }
        Action::WaitForText { text, timeout_ms } => {
            format!("page.get_by_text({}).first.wait_for(timeout={})", quote(text), timeout_ms.unwrap_or(5000))
        }
        Action::Wait { ms } => format!("page.wait_for_timeout({ms})"),
        Action::Extract { fields } => fields
            .iter()
            .map(|(name, field)| format!("output[{}] = {}", quote(name), read_field(field, "page")))
            .collect::<Vec<_>>()
            .join("\n        "),
        Action::Download { selector, .. } => format!(
            "with page.expect_download() as download:\n            {}.click()\n        download.value.save_as(download.value.suggested_filename)",
            at(selector)
        ),
        Action::Upload { selector, file } => format!("{}.set_input_files({})", at(selector), quote(file)),
        Action::Screenshot { full_page } => {
            format!("page.screenshot(path=\"screenshot.png\", full_page={})", if *full_page { "True" } else { "False" })
        }
    };
    let mut text = String::new();
    if let Some(intent) = &step.intent {
        let _ = writeln!(text, "        # {}", intent.replace('\n', " "));
    }
    let _ = writeln!(text, "        {code}");
    text
}

/// The whole script: load `url` (if any), then every step.
pub fn render(url: Option<&str>, steps: &[ScriptStep]) -> String {
    let mut script = PRELUDE.to_owned();
    if let Some(url) = url {
        let _ = writeln!(script, "        page.goto({})", quote(url));
    }
    for step in steps {
        script.push_str(&lines_of(step));
    }
    script.push_str(EPILOGUE);
    script
}
