//! A run as the index keeps it: one document per run, rebuilt whole whenever the run changes.
//! Output JSON is flattened to `key value` lines, so its keys and values are both found; every
//! text is capped, so one run with a huge output or thousands of actions cannot swell the index.

use serde_json::Value;
use tantivy::TantivyDocument;

use super::schema::Fields;
use crate::store::RunForIndex;

/// Bytes kept of one field's text.
const FIELD_CAP: usize = 32 * 1024;

/// Separates the id, URL and title in the `pieces` field: a piece that spans two of them holds
/// it, and no search key's pieces do.
const SEPARATOR: char = '\u{1}';

pub(super) fn document(fields: &Fields, indexed: &RunForIndex) -> TantivyDocument {
    let run = &indexed.run;
    let mut document = TantivyDocument::default();
    document.add_text(fields.run_id, run.id.as_str());
    document.add_i64(fields.created_at, created_at_micros(&run.created_at));
    document.add_text(fields.status, run.status.as_str());
    document.add_text(fields.run_type, run.run_type.as_str());
    let (title, url) = (run.title.as_deref().unwrap_or_default(), run.url.as_deref().unwrap_or_default());
    document.add_text(fields.pieces, capped(&format!("{}{SEPARATOR}{url}{SEPARATOR}{title}", run.id)));
    let mut add = |field, text: &str| {
        if !text.is_empty() {
            document.add_text(field, capped(text));
        }
    };
    add(fields.title, title);
    add(fields.url, url);
    add(fields.prompt, run.prompt.as_deref().unwrap_or_default());
    add(fields.output, &run.output.as_ref().map(flattened).unwrap_or_default());
    add(fields.failure_reason, run.failure_reason.as_deref().unwrap_or_default());
    let errors: Vec<String> = run.errors.iter().map(|e| format!("{} {}", e.code, e.message)).collect();
    add(fields.errors, &errors.join("\n"));
    add(fields.thoughts, &indexed.thoughts.join("\n"));
    add(fields.actions, &indexed.intents.join("\n"));
    document
}

/// A stored timestamp as microseconds since 1970 (0 if it is not one).
pub(super) fn created_at_micros(text: &str) -> i64 {
    crate::clock::parse(text).map_or(0, micros)
}

pub(super) fn micros(at: time::OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

fn capped(text: &str) -> &str {
    &text[..text.floor_char_boundary(FIELD_CAP)]
}

/// A JSON value as text: one `key value` line per scalar, keys of nested objects joined by dots.
fn flattened(value: &Value) -> String {
    fn walk(value: &Value, path: &str, lines: &mut Vec<String>) {
        match value {
            Value::Object(fields) => {
                for (key, inner) in fields {
                    let path = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                    walk(inner, &path, lines);
                }
            }
            Value::Array(items) => items.iter().for_each(|item| walk(item, path, lines)),
            Value::Null => {}
            Value::String(text) => lines.push(format!("{path} {text}").trim().to_owned()),
            scalar => lines.push(format!("{path} {scalar}").trim().to_owned()),
        }
    }
    let mut lines = Vec::new();
    walk(value, "", &mut lines);
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn output_is_flattened_to_key_value_lines() {
        let output = json!({"flight": "AF 1234", "price": {"total": 198.5}, "seats": [1, 2], "none": null});
        assert_eq!(flattened(&output), "flight AF 1234\nprice.total 198.5\nseats 1\nseats 2");
        assert_eq!(flattened(&json!("just text")), "just text");
    }

    #[test]
    fn long_text_is_capped_on_a_character_boundary() {
        let long = "é".repeat(FIELD_CAP);
        let kept = capped(&long);
        assert!(kept.len() <= FIELD_CAP && kept.chars().all(|c| c == 'é'));
    }
}
