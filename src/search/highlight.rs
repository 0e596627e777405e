//! Which of a found run's fields matched its search key, each with a short snippet where the
//! matching words (or the matching substring) are wrapped in `<b>…</b>`; the rest is HTML-escaped.
//!
//! Snippets are cut by tantivy's `SnippetGenerator` from the stored text, given the words to
//! mark: the key's words and phrases as the index cut them, and for each prefix the words of that
//! very text that start with it (the index's own expansion of a prefix is not kept).

use std::collections::BTreeMap;

use serde::Serialize;
use tantivy::snippet::SnippetGenerator;

use super::query::{Clause, SearchKey, clauses, word_terms};
use super::schema::{self, Fields};

/// Characters of text around the marked words in one snippet.
const SNIPPET_CHARS: usize = 160;

/// One field of a found run that matched, with its snippet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Match {
    pub field: &'static str,
    pub snippet: String,
}

/// What to mark in the texts of the runs a key found.
pub(super) struct Highlighter {
    substring: String,
    words: Vec<String>,
    prefixes: Vec<String>,
}

impl Highlighter {
    pub fn new(key: &SearchKey) -> Highlighter {
        let (mut words, mut prefixes) = (Vec::new(), Vec::new());
        for clause in clauses(key.as_str()) {
            let mut terms: Vec<String> = word_terms(clause.text()).into_iter().map(|(_, text)| text).collect();
            if let Clause::Prefix(_) = clause
                && let Some(last) = terms.pop()
            {
                prefixes.push(last);
            }
            words.extend(terms);
        }
        Highlighter { substring: key.as_str().to_lowercase(), words, prefixes }
    }

    /// The matches of one run, from its stored fields: the id by substring, then each field
    /// searched by words (the URL and title by substring first, where the key is in them whole).
    pub fn matches(&self, fields: &Fields, run_id: &str, text_of: impl Fn(&'static str) -> String) -> Vec<Match> {
        let mut matches = Vec::new();
        if let Some(snippet) = self.substring_in(run_id) {
            matches.push(Match { field: "run_id", snippet });
        }
        for (name, field) in fields.searched_by_words() {
            let text = text_of(name);
            if text.is_empty() {
                continue;
            }
            let by_substring = matches!(name, "url" | "title").then(|| self.substring_in(&text)).flatten();
            if let Some(snippet) = by_substring.or_else(|| self.words_in(field, &text)) {
                matches.push(Match { field: name, snippet });
            }
        }
        matches
    }

    /// A snippet of `text` with the key's words marked, if it has any.
    fn words_in(&self, field: tantivy::schema::Field, text: &str) -> Option<String> {
        let mut marked: BTreeMap<String, f32> = self.words.iter().map(|word| (word.clone(), 1.0)).collect();
        if !self.prefixes.is_empty() {
            for (_, word) in word_terms(text) {
                if self.prefixes.iter().any(|prefix| word.starts_with(prefix.as_str())) {
                    marked.insert(word, 1.0);
                }
            }
        }
        if marked.is_empty() {
            return None;
        }
        let generator = SnippetGenerator::new(marked, schema::words(), field, SNIPPET_CHARS);
        let snippet = generator.snippet(text);
        (!snippet.highlighted().is_empty()).then(|| snippet.to_html())
    }

    /// `text` (or the part of it around the key) with the key marked, if the key is in it.
    fn substring_in(&self, text: &str) -> Option<String> {
        let lower = text.to_lowercase();
        // Lowercasing that changes lengths (rare letters) would move the match: not marked then.
        if lower.len() != text.len() {
            return None;
        }
        let start = lower.find(&self.substring)?;
        let end = start + self.substring.len();
        let before = &text[text.floor_char_boundary(start.saturating_sub(SNIPPET_CHARS / 2))..start];
        let after = &text[end..text.floor_char_boundary(end + SNIPPET_CHARS / 2)];
        Some(format!("{}<b>{}</b>{}", escape_html(before), escape_html(&text[start..end]), escape_html(after)))
    }
}

fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Fields {
        schema::schema().1
    }

    fn matches_of(key: &str, texts: &[(&'static str, &str)]) -> Vec<Match> {
        let highlighter = Highlighter::new(&SearchKey::parse(key).unwrap());
        let text_of = |name| texts.iter().find(|(n, _)| *n == name).map(|(_, t)| (*t).to_owned()).unwrap_or_default();
        highlighter.matches(&fields(), "tsk_1234", text_of)
    }

    #[test]
    fn words_phrases_and_prefixes_are_marked_in_the_fields_that_hold_them() {
        let texts = [
            ("prompt", "Find the cheapest flight to Paris"),
            ("thoughts", "The flights page lists <three> fares"),
            ("output", "price 99"),
        ];
        let found = matches_of(r#"cheapest "to paris" flig*"#, &texts);
        assert_eq!(
            found,
            [
                Match {
                    field: "prompt",
                    snippet: "Find the <b>cheapest</b> <b>flight</b> <b>to</b> <b>Paris</b>".into()
                },
                Match { field: "thoughts", snippet: "The <b>flights</b> page lists &lt;three&gt; fares".into() },
            ]
        );
    }

    #[test]
    fn a_substring_of_the_id_url_or_title_is_marked_where_it_is() {
        let texts = [("url", "https://shop.example.org/Cart?x=<1>"), ("title", "Weekly order")];
        let found = matches_of("p.EXAMPLE.o", &texts);
        assert_eq!(found, [Match { field: "url", snippet: "https://sho<b>p.example.o</b>rg/Cart?x=&lt;1&gt;".into() }]);
        let found = matches_of("k_12", &[]);
        assert_eq!(found, [Match { field: "run_id", snippet: "ts<b>k_12</b>34".into() }]);
    }
}
