//! The index's fields and how their text is cut into terms.
//!
//! Words are cut at anything that is not a letter or a digit, lowercased and folded to ASCII
//! (`Zürich` is found by `zurich`), and not stemmed: prompts, pages and model output come in any
//! language, an English stemmer would mangle the rest, and `flight*` finds `flights` anyway.
//! Ids, URLs and titles are also cut into overlapping three-character pieces, each at its own
//! position, so that any substring of three characters or more is a phrase of pieces: Skyvern's
//! substring search, answered from the index instead of by scanning every run.

use tantivy::Index;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, Token, TokenStream, Tokenizer,
};

/// Changes whenever documents are built or cut differently: an index of another version is
/// rebuilt at start.
pub(super) const FORMAT_VERSION: u32 = 1;

const WORDS: &str = "words";
const PIECES: &str = "pieces";

/// Longer "words" (base64, hashes) are left out of the index.
const LONGEST_WORD: usize = 64;

/// The fields of a run's document.
#[derive(Debug, Clone, Copy)]
pub(super) struct Fields {
    /// The run's id, whole: the key a document is replaced by.
    pub run_id: Field,
    /// Microseconds since 1970, for ordering and date ranges.
    pub created_at: Field,
    pub status: Field,
    pub run_type: Field,
    /// The id, URL and title in three-character pieces, for substring search.
    pub pieces: Field,
    pub title: Field,
    pub prompt: Field,
    pub url: Field,
    pub output: Field,
    pub failure_reason: Field,
    pub errors: Field,
    pub thoughts: Field,
    pub actions: Field,
}

impl Fields {
    /// The fields searched by words, with the names `matches` gives them.
    pub fn searched_by_words(&self) -> [(&'static str, Field); 8] {
        [
            ("title", self.title),
            ("url", self.url),
            ("prompt", self.prompt),
            ("output", self.output),
            ("failure_reason", self.failure_reason),
            ("errors", self.errors),
            ("thoughts", self.thoughts),
            ("actions", self.actions),
        ]
    }

    /// The fields of `schema`, or `None` if it is not this version's.
    pub fn of(schema: &Schema) -> Option<Fields> {
        let field = |name: &str| schema.get_field(name).ok();
        Some(Fields {
            run_id: field("run_id")?,
            created_at: field("created_at")?,
            status: field("status")?,
            run_type: field("run_type")?,
            pieces: field("pieces")?,
            title: field("title")?,
            prompt: field("prompt")?,
            url: field("url")?,
            output: field("output")?,
            failure_reason: field("failure_reason")?,
            errors: field("errors")?,
            thoughts: field("thoughts")?,
            actions: field("actions")?,
        })
    }
}

/// This version's schema and its fields.
pub(super) fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let pieces =
        TextFieldIndexing::default().set_tokenizer(PIECES).set_index_option(IndexRecordOption::WithFreqsAndPositions);
    let words =
        TextFieldIndexing::default().set_tokenizer(WORDS).set_index_option(IndexRecordOption::WithFreqsAndPositions);
    // Stored, for the highlighted snippets of `matches`.
    let text = TextOptions::default().set_indexing_options(words).set_stored();
    let fields = Fields {
        run_id: builder.add_text_field("run_id", STRING | STORED),
        created_at: builder.add_i64_field("created_at", INDEXED | FAST),
        status: builder.add_text_field("status", STRING),
        run_type: builder.add_text_field("run_type", STRING),
        pieces: builder.add_text_field("pieces", TextOptions::default().set_indexing_options(pieces)),
        title: builder.add_text_field("title", text.clone()),
        prompt: builder.add_text_field("prompt", text.clone()),
        url: builder.add_text_field("url", text.clone()),
        output: builder.add_text_field("output", text.clone()),
        failure_reason: builder.add_text_field("failure_reason", text.clone()),
        errors: builder.add_text_field("errors", text.clone()),
        thoughts: builder.add_text_field("thoughts", text.clone()),
        actions: builder.add_text_field("actions", text),
    };
    (builder.build(), fields)
}

/// Teaches `index` how this schema's text is cut.
pub(super) fn register_tokenizers(index: &Index) {
    index.tokenizers().register(WORDS, words());
    index.tokenizers().register(PIECES, TextAnalyzer::from(Pieces));
}

/// How text searched by words is cut, in documents and in queries alike.
pub(super) fn words() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_WORD))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The lowercased text's overlapping three-character pieces; the n-th piece is at position n,
/// so a substring is the phrase of its own pieces. Text of fewer than three characters has none.
pub(super) fn pieces(text: &str) -> Vec<Token> {
    let lower = text.to_lowercase();
    let starts: Vec<usize> = lower.char_indices().map(|(at, _)| at).chain([lower.len()]).collect();
    (0..starts.len().saturating_sub(3))
        .map(|position| Token {
            offset_from: starts[position],
            offset_to: starts[position + 3],
            position,
            text: lower[starts[position]..starts[position + 3]].to_owned(),
            position_length: 1,
        })
        .collect()
}

/// The tokenizer of the `pieces` field.
#[derive(Clone)]
struct Pieces;

struct PieceStream {
    pieces: Vec<Token>,
    /// How many pieces were handed out.
    given: usize,
}

impl Tokenizer for Pieces {
    type TokenStream<'a> = PieceStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> PieceStream {
        PieceStream { pieces: pieces(text), given: 0 }
    }
}

impl TokenStream for PieceStream {
    fn advance(&mut self) -> bool {
        if self.given < self.pieces.len() {
            self.given += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.pieces[self.given - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.pieces[self.given - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_overlap_at_consecutive_positions_and_ignore_case() {
        let cut: Vec<(usize, String)> = pieces("AbCdé").into_iter().map(|t| (t.position, t.text)).collect();
        assert_eq!(cut, [(0, "abc".to_owned()), (1, "bcd".to_owned()), (2, "cdé".to_owned())]);
        assert!(pieces("ab").is_empty());
    }

    #[test]
    fn words_are_lowercased_and_folded_to_ascii() {
        let mut analyzer = words();
        let mut stream = analyzer.token_stream("Zürich's CHEAPEST-flight");
        let mut seen = Vec::new();
        while let Some(token) = stream.next() {
            seen.push(token.text.clone());
        }
        assert_eq!(seen, ["zurich", "s", "cheapest", "flight"]);
    }
}
