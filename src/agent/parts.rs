//! Values the model reads inside an element's text: "Seats: 2, insurance: yes" holds the seats
//! (`2`) and the insurance (`yes`). The model names the element and the words it read; they
//! must be in the element's text, and the extraction that runs (and is replayed) reads the text
//! between the words around them, so a replay on a page showing "Seats: 3, …" reads `3`.

use serde_json::{Map, Value};

use crate::browser::{BrowserError, RunPage};
use crate::engine::{Action, Field, ScriptStep};

/// Gives the fields of `step` read from `parts` (field, part) the anchors that cut each part out
/// of its element's current text. The error says which part is not there.
pub async fn anchor(page: &RunPage, mut step: ScriptStep, parts: &[(String, String)]) -> Result<ScriptStep, String> {
    let Action::Extract { fields } = &mut step.action else { return Ok(step) };
    let mut plain = Map::new();
    for (name, _) in parts {
        if let Some(Field::Detailed(spec)) = fields.get(name) {
            plain.insert(name.clone(), Value::String(spec.selector.clone()));
        }
    }
    let texts = page.extract(&Value::Object(plain), &[]).await.map_err(|error| match error {
        BrowserError::Crashed => error.to_string(),
        other => format!("the elements could not be read: {other}"),
    })?;
    for (name, part) in parts {
        let Some(Field::Detailed(spec)) = fields.get_mut(name) else { continue };
        let text = texts[name].as_str().unwrap_or_default();
        let (after, before) = anchors(text, part).map_err(|reason| format!("field `{name}`: {reason}"))?;
        (spec.after, spec.before) = (after, before);
    }
    Ok(step)
}

/// `text` with runs of whitespace made one space, trimmed: the text as the model sees it.
fn squashed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What surrounds `part` in `text`: the shortest text before it whose first occurrence ends
/// where the part starts, and the shortest text after it whose first occurrence after that
/// start is where the part ends (none at the start or the end of the text). Cutting `text`
/// between them gives `part` back. Fails when `text` does not hold `part`.
fn anchors(text: &str, part: &str) -> Result<(Option<String>, Option<String>), String> {
    let (text, part) = (squashed(text), squashed(part));
    if part.is_empty() {
        return Err("the part to read is empty".into());
    }
    let Some(start) = text.find(&part) else {
        return Err(format!("its text is {text:?}, which does not hold {part:?}"));
    };
    let end = start + part.len();
    let before_part = &text[..start];
    let after_part = &text[end..];
    let after = (!before_part.is_empty()).then(|| {
        let cuts = before_part.char_indices().map(|(at, _)| at).rev();
        // A word at least (a label such as "Seats: "), where there is one.
        let has_words = before_part.chars().any(char::is_alphanumeric);
        let shortest = cuts.map(|at| &before_part[at..]).find(|tail| {
            let tail_start = start - tail.len();
            text.find(tail) == Some(tail_start)
                && at_a_word_boundary(before_part, tail_start)
                && (!has_words || tail.chars().any(char::is_alphanumeric))
        });
        shortest.unwrap_or(before_part).to_owned()
    });
    let before = (!after_part.is_empty()).then(|| {
        let cuts = after_part.char_indices().map(|(at, c)| at + c.len_utf8());
        // A separator at least (a comma, a word), not bare space.
        let shortest = cuts.map(|at| &after_part[..at]).find(|head| {
            text[start..].find(head) == Some(part.len())
                && at_a_word_boundary(after_part, head.len())
                && !head.trim().is_empty()
        });
        shortest.unwrap_or(after_part).to_owned()
    });
    Ok((after, before))
}

/// Whether `at` in `text` is not inside a word (so anchors are whole words, which survive a
/// replay better than a letter or two).
fn at_a_word_boundary(text: &str, at: usize) -> bool {
    let previous = text[..at].chars().next_back();
    let next = text[at..].chars().next();
    !(previous.is_some_and(char::is_alphanumeric) && next.is_some_and(char::is_alphanumeric))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the code engine does with anchors (see `between` in `browser/dom.js`).
    fn cut(text: &str, after: &Option<String>, before: &Option<String>) -> Option<String> {
        let text = squashed(text);
        let start = match after {
            Some(after) => text.find(after.as_str())? + after.len(),
            None => 0,
        };
        let end =
            before.as_ref().and_then(|before| text[start..].find(before.as_str())).map_or(text.len(), |e| start + e);
        Some(text[start..end].trim().to_owned())
    }

    #[test]
    fn a_part_is_read_back_between_its_anchors_and_from_a_changed_text() {
        let text = "Seats: 2, insurance: yes";
        let (after, before) = anchors(text, "2").unwrap();
        assert_eq!((after.as_deref(), before.as_deref()), (Some("Seats: "), Some(",")));
        assert_eq!(cut("Seats: 3, insurance: no", &after, &before).as_deref(), Some("3"));
        let (after, before) = anchors(text, "yes").unwrap();
        assert_eq!((after.as_deref(), before), (Some("insurance: "), None));
        assert_eq!(cut("Seats: 3, insurance:  no", &after, &None).as_deref(), Some("no"));
    }

    #[test]
    fn anchors_isolate_parts_that_repeat_or_hold_their_own_separators() {
        for (text, part) in [
            ("Flight AF 1234 for Ada Lovelace", "Ada Lovelace"),
            ("Flight AF 1234 for Ada Lovelace", "AF 1234"),
            ("Total: $1,299.50, paid on 1,2", "$1,299.50"),
            ("2 adults, 2 children", "2 children"),
            ("a a a b", "a b"),
            ("Enter \"Juan\" into\n the   field", "Juan"),
            ("only", "only"),
        ] {
            let (after, before) = anchors(text, part).unwrap();
            assert_eq!(cut(text, &after, &before).as_deref(), Some(squashed(part).as_str()), "{text:?} / {part:?}");
        }
    }

    #[test]
    fn a_part_that_is_not_in_the_text_is_refused_saying_what_the_text_is() {
        let error = anchors("Seats: 2", "3").unwrap_err();
        assert!(error.contains("\"Seats: 2\"") && error.contains("\"3\""), "{error}");
        assert!(anchors("Seats: 2", " ").is_err());
    }
}
