//! A run as a standalone Python Playwright script, to reproduce it outside the appliance.
//!
//! Every text taken from the run (URLs, selectors, values, intents, which a model may have
//! written) is escaped, in string literals and in comments alike, so none can add a line of code.

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

/// A Python string literal of `text`.
pub fn quote(text: &str) -> String {
    format!("\"{}\"", escaped(text))
}

/// `text` with every character that could end a line, a comment or a string literal, or that
/// does not print (controls, U+2028, U+2029, U+0085, format and unassigned characters), written
/// as a Python escape. The result holds no line break, so it is safe in a literal or a comment.
fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\'' => out.push(c),
            // Rust's debug escape knows which characters do not print; Python's escapes differ.
            c if c.escape_debug().nth(1).is_some() => match u32::from(c) {
                code @ ..=0xff => {
                    let _ = write!(out, "\\x{code:02x}");
                }
                code @ ..=0xffff => {
                    let _ = write!(out, "\\u{code:04x}");
                }
                code => {
                    let _ = write!(out, "\\U{code:08x}");
                }
            },
            c => out.push(c),
        }
    }
    out
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
        let _ = writeln!(text, "        # {}", escaped(intent));
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

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    /// Parses `script` with Python's own parser: how many statements it holds, and every string
    /// constant in it.
    fn parsed(script: &str) -> (u64, Vec<String>) {
        let file = tempfile::NamedTempFile::with_suffix(".py").unwrap();
        std::fs::write(file.path(), script).unwrap();
        let program = "import ast, json, sys\n\
            tree = ast.parse(open(sys.argv[1], encoding='utf-8').read())\n\
            nodes = list(ast.walk(tree))\n\
            print(json.dumps({'statements': sum(isinstance(n, ast.stmt) for n in nodes),\n\
                'strings': [n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)]}))";
        let run = std::process::Command::new("python3").args(["-c", program]).arg(file.path()).output().unwrap();
        assert!(
            run.status.success(),
            "python3 cannot parse the script: {}\n{script}",
            String::from_utf8_lossy(&run.stderr)
        );
        let answer: Value = serde_json::from_slice(&run.stdout).unwrap();
        let strings = answer["strings"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect();
        (answer["statements"].as_u64().unwrap(), strings)
    }

    fn click(selector: &str, intent: &str) -> ScriptStep {
        ScriptStep { action: Action::Click { selector: selector.into() }, intent: Some(intent.into()) }
    }

    #[test]
    fn model_text_with_line_breaks_and_quotes_adds_no_statement_and_keeps_its_value() {
        let hostile = "done\r        import os\n        os.system(\"id\")\u{2028}x = 1\u{2029}y = 2\u{85}z = 3\u{b}\u{c}'\"\"\"\\";
        let benign = render(Some("https://example.org/"), &[click("#ok", "press ok")]);
        let attacked = render(Some("https://example.org/"), &[click(hostile, hostile)]);

        let (benign_statements, _) = parsed(&benign);
        let (statements, strings) = parsed(&attacked);
        assert_eq!(statements, benign_statements, "the intent or selector added a statement:\n{attacked}");
        assert!(strings.iter().any(|s| s == hostile), "the selector reaches Python unchanged: {strings:?}");
        let intent_line = attacked.lines().find(|line| line.trim_start().starts_with("# done")).unwrap();
        assert!(!intent_line.contains(['\r', '\u{2028}', '\u{2029}', '\u{85}', '\u{b}', '\u{c}']), "{intent_line:?}");
    }

    #[test]
    fn every_kind_of_text_is_a_python_literal_of_the_same_value() {
        let texts = [
            "plain",
            "tab\tand newline\n",
            "nul \u{0} bell \u{7}",
            "é ü 中文 🚀 e\u{301}",
            "\u{feff}\u{200b}\u{a0}\u{e0001}",
        ];
        for text in texts {
            let step = ScriptStep::from(Action::Fill { selector: "#f".into(), value: text.into() });
            let (_, strings) = parsed(&render(None, &[step]));
            assert!(strings.iter().any(|s| s == text), "{text:?} became {strings:?}");
        }
    }
}
