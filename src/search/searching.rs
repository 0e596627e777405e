//! Running a search: the key's query within the listing's filters (status, run type, creation
//! time), one page in the order asked, the number of all matches, and each found run's matches.

use std::ops::Bound;

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{DocAddress, Order, Searcher, TantivyDocument, Term};

use super::document::micros;
use super::highlight::{Highlighter, Match};
use super::query::{self, SearchKey};
use super::schema::Fields;
use crate::ids::RunId;
use crate::store::RunFilter;

/// How found runs are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SearchOrder {
    /// Newest first, as the listing without a search.
    #[default]
    Newest,
    /// Best match first.
    Relevance,
}

impl SearchOrder {
    pub const NAMES: [&str; 2] = ["newest", "relevance"];

    pub fn parse(text: &str) -> Option<SearchOrder> {
        match text {
            "newest" => Some(SearchOrder::Newest),
            "relevance" => Some(SearchOrder::Relevance),
            _ => None,
        }
    }
}

/// One page of found runs.
#[derive(Debug, Clone)]
pub struct SearchPage {
    pub hits: Vec<SearchHit>,
    /// How many runs match in all.
    pub total: u64,
}

#[derive(Debug, Clone)]
pub struct SearchHit {
    pub run_id: RunId,
    pub matches: Vec<Match>,
}

pub(super) fn search(
    searcher: &Searcher,
    fields: &Fields,
    key: &SearchKey,
    filter: &RunFilter,
    order: SearchOrder,
) -> tantivy::Result<SearchPage> {
    let query = within(fields, filter, query::matching(fields, key));
    let offset = filter.page.saturating_sub(1) as usize * filter.page_size as usize;
    let top = TopDocs::with_limit(filter.page_size.max(1) as usize).and_offset(offset);
    // A page past every document is empty; counting is all there is to do.
    let (total, addresses): (usize, Vec<DocAddress>) = if offset as u64 >= searcher.num_docs() {
        (searcher.search(&query, &Count)?, Vec::new())
    } else if order == SearchOrder::Relevance {
        let (total, found) = searcher.search(&query, &(Count, top.order_by_score()))?;
        (total, found.into_iter().map(|(_, address)| address).collect())
    } else {
        let newest = top.order_by_fast_field::<i64>("created_at", Order::Desc);
        let (total, found) = searcher.search(&query, &(Count, newest))?;
        (total, found.into_iter().map(|(_, address)| address).collect())
    };
    let highlighter = Highlighter::new(key);
    let mut hits = Vec::with_capacity(addresses.len());
    for address in addresses {
        let document: TantivyDocument = searcher.doc(address)?;
        let text = |field: Field| document.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        let Ok(run_id) = RunId::parse(&text(fields.run_id)) else { continue };
        let words = fields.searched_by_words();
        let text_of = |name: &str| words.iter().find(|(n, _)| *n == name).map(|(_, f)| text(*f)).unwrap_or_default();
        let matches = highlighter.matches(fields, run_id.as_str(), text_of);
        hits.push(SearchHit { run_id, matches });
    }
    Ok(SearchPage { hits, total: total as u64 })
}

/// `query` limited to the runs `filter` lets through; the filters add nothing to relevance.
fn within(fields: &Fields, filter: &RunFilter, query: Box<dyn Query>) -> Box<dyn Query> {
    let mut all: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, query)];
    let mut only = |limit: Box<dyn Query>| all.push((Occur::Must, Box::new(ConstScoreQuery::new(limit, 0.0))));
    let any_of = |field: Field, values: Vec<&str>| -> Box<dyn Query> {
        let each: Vec<Box<dyn Query>> = values
            .into_iter()
            .map(|value| {
                Box::new(TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::Basic))
                    as Box<dyn Query>
            })
            .collect();
        Box::new(BooleanQuery::union(each))
    };
    if !filter.statuses.is_empty() {
        only(any_of(fields.status, filter.statuses.iter().map(|s| s.as_str()).collect()));
    }
    if !filter.run_types.is_empty() {
        only(any_of(fields.run_type, filter.run_types.iter().map(|t| t.as_str()).collect()));
    }
    if filter.created_after.is_some() || filter.created_before.is_some() {
        let bound = |at: Option<time::OffsetDateTime>, limit: fn(Term) -> Bound<Term>| {
            at.map_or(Bound::Unbounded, |at| limit(Term::from_field_i64(fields.created_at, micros(at))))
        };
        let after = bound(filter.created_after, Bound::Included);
        let before = bound(filter.created_before, Bound::Excluded);
        only(Box::new(RangeQuery::new(after, before)));
    }
    Box::new(BooleanQuery::new(all))
}
