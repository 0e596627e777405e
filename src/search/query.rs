//! What a `search_key` asks for, and the index query that answers it.
//!
//! A key matches a run in either of two ways. Skyvern's: the whole key is a case-insensitive
//! substring of the run's id, URL or title. And words: every word, `"quoted phrase"` and prefix
//! (`flig*`) of the key is found in one of the run's texts (title, URL, prompt, output, failure,
//! errors, the agent's thoughts, its actions' intents). Nothing else in the key has a meaning, so
//! no key is refused for its syntax: a URL, an id or a sentence are all plain keys.

use std::ops::Bound;

use tantivy::Term;
use tantivy::query::{BooleanQuery, ConstScoreQuery, PhrasePrefixQuery, PhraseQuery, Query, RangeQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};

use super::schema::{self, Fields};

/// Skyvern's shortest search key ("min 3 chars for trigram index").
pub const SHORTEST_KEY: usize = 3;
pub const LONGEST_KEY: usize = 200;

/// What a match of the whole key as a substring of an id, URL or title adds to a run's
/// relevance: about what one rare word found in one field does.
const SUBSTRING_SCORE: f32 = 1.0;

/// A search key of an acceptable length, without surrounding blanks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchKey(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InvalidSearchKey {
    #[error("must be at least {SHORTEST_KEY} characters (besides surrounding blanks)")]
    TooShort,
    #[error("must be at most {LONGEST_KEY} characters")]
    TooLong,
}

impl SearchKey {
    pub fn parse(text: &str) -> Result<SearchKey, InvalidSearchKey> {
        let key = text.trim();
        match key.chars().count() {
            n if n < SHORTEST_KEY => Err(InvalidSearchKey::TooShort),
            n if n > LONGEST_KEY => Err(InvalidSearchKey::TooLong),
            _ => Ok(SearchKey(key.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One part of a key's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Clause {
    /// A word, found as a whole word (a word of several, `cheap-flight`, as those words in a row).
    Word(String),
    /// Words in this order, next to each other.
    Phrase(String),
    /// A word that starts with this (`flig*`).
    Prefix(String),
}

impl Clause {
    pub fn text(&self) -> &str {
        match self {
            Clause::Word(text) | Clause::Phrase(text) | Clause::Prefix(text) => text,
        }
    }
}

/// The key's words: blank-separated words, `"quoted phrases"` (an unclosed quote runs to the
/// end), and words ending in `*` as prefixes. A lone `*` is nothing.
pub(super) fn clauses(key: &str) -> Vec<Clause> {
    let mut clauses = Vec::new();
    let mut rest = key.trim_start();
    while !rest.is_empty() {
        if let Some(quoted) = rest.strip_prefix('"') {
            let (phrase, after) = quoted.split_once('"').unwrap_or((quoted, ""));
            if !phrase.trim().is_empty() {
                clauses.push(Clause::Phrase(phrase.trim().to_owned()));
            }
            rest = after;
        } else {
            let end = rest.find(|c: char| c.is_whitespace() || c == '"').unwrap_or(rest.len());
            let word = &rest[..end];
            match word.strip_suffix('*') {
                Some(prefix) if !prefix.trim_end_matches('*').is_empty() => {
                    clauses.push(Clause::Prefix(prefix.trim_end_matches('*').to_owned()));
                }
                Some(_) => {}
                None => clauses.push(Clause::Word(word.to_owned())),
            }
            rest = &rest[end..];
        }
        rest = rest.trim_start();
    }
    clauses
}

/// The terms of `text` as the index cut its words, each with its position.
pub(super) fn word_terms(text: &str) -> Vec<(usize, String)> {
    let mut analyzer = schema::words();
    let mut stream = analyzer.token_stream(text);
    let mut terms = Vec::new();
    while let Some(token) = stream.next() {
        terms.push((token.position, token.text.clone()));
    }
    terms
}

/// The index query of `key`: its substring match or its words.
pub(super) fn matching(fields: &Fields, key: &SearchKey) -> Box<dyn Query> {
    let pieces: Vec<(usize, Term)> = schema::pieces(key.as_str())
        .into_iter()
        .map(|piece| (piece.position, Term::from_field_text(fields.pieces, &piece.text)))
        .collect();
    let substring: Box<dyn Query> = Box::new(ConstScoreQuery::new(in_a_row(pieces), SUBSTRING_SCORE));
    match all_words(fields, &clauses(key.as_str())) {
        Some(words) => Box::new(BooleanQuery::union(vec![substring, words])),
        None => substring,
    }
}

/// Every clause found in some field; `None` if the key has no words at all (`--`).
fn all_words(fields: &Fields, clauses: &[Clause]) -> Option<Box<dyn Query>> {
    let each: Vec<Box<dyn Query>> = clauses
        .iter()
        .filter_map(|clause| {
            let in_any_field: Vec<Box<dyn Query>> =
                fields.searched_by_words().into_iter().filter_map(|(_, field)| clause_in(field, clause)).collect();
            (!in_any_field.is_empty()).then(|| Box::new(BooleanQuery::union(in_any_field)) as Box<dyn Query>)
        })
        .collect();
    (!each.is_empty()).then(|| Box::new(BooleanQuery::intersection(each)) as Box<dyn Query>)
}

/// One clause in one field; `None` if the clause has no word (only punctuation).
fn clause_in(field: Field, clause: &Clause) -> Option<Box<dyn Query>> {
    let terms: Vec<(usize, Term)> = word_terms(clause.text())
        .into_iter()
        .map(|(position, text)| (position, Term::from_field_text(field, &text)))
        .collect();
    match (clause, terms.as_slice()) {
        (_, []) => None,
        (Clause::Prefix(_), [(_, only)]) => Some(starting_with(field, only.value().as_str().unwrap_or_default())),
        (Clause::Prefix(_), _) => Some(Box::new(PhrasePrefixQuery::new_with_offset(terms))),
        _ => Some(in_a_row(terms)),
    }
}

/// Terms at their positions relative to each other: one term, or a phrase.
fn in_a_row(mut terms: Vec<(usize, Term)>) -> Box<dyn Query> {
    if terms.len() == 1 {
        let (_, term) = terms.remove(0);
        Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
    } else {
        let first = terms.first().map_or(0, |(position, _)| *position);
        Box::new(PhraseQuery::new_with_offset(terms.into_iter().map(|(p, term)| (p - first, term)).collect()))
    }
}

/// Every term of `field` that starts with `prefix`: the range of the term dictionary from the
/// prefix to the prefix followed by the last character there is.
fn starting_with(field: Field, prefix: &str) -> Box<dyn Query> {
    let from = Term::from_field_text(field, prefix);
    let to = Term::from_field_text(field, &format!("{prefix}{}", char::MAX));
    Box::new(RangeQuery::new(Bound::Included(from), Bound::Excluded(to)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Clause {
        Clause::Word(text.into())
    }

    #[test]
    fn words_phrases_and_prefixes_are_told_apart() {
        assert_eq!(
            clauses(r#"cheapest "to Paris" flig* AF"#),
            [words("cheapest"), Clause::Phrase("to Paris".into()), Clause::Prefix("flig".into()), words("AF")]
        );
    }

    #[test]
    fn blanks_stars_and_stray_quotes_are_forgiven() {
        assert_eq!(clauses("  one\ttwo  "), [words("one"), words("two")]);
        assert_eq!(clauses(r#"* "" "  " book**"#), [Clause::Prefix("book".into())]);
        assert_eq!(clauses(r#"say "not closed"#), [words("say"), Clause::Phrase("not closed".into())]);
        assert_eq!(clauses(r#"a"b"c"#), [words("a"), Clause::Phrase("b".into()), words("c")]);
        assert_eq!(clauses("fl*ght"), [words("fl*ght")]);
    }

    #[test]
    fn urls_and_ids_are_plain_words() {
        assert_eq!(clauses("https://example.org/a?b=c tsk_12"), [words("https://example.org/a?b=c"), words("tsk_12")]);
        let cut: Vec<String> = word_terms("https://Example.org/a").into_iter().map(|(_, t)| t).collect();
        assert_eq!(cut, ["https", "example", "org", "a"]);
    }

    #[test]
    fn a_key_needs_three_characters_and_at_most_two_hundred() {
        assert_eq!(SearchKey::parse("  ab "), Err(InvalidSearchKey::TooShort));
        assert_eq!(SearchKey::parse(" abc ").map(|k| k.as_str().to_owned()), Ok("abc".to_owned()));
        assert_eq!(SearchKey::parse("été").map(|k| k.as_str().len()), Ok(5), "characters, not bytes");
        assert_eq!(SearchKey::parse(&"x".repeat(201)), Err(InvalidSearchKey::TooLong));
    }
}
