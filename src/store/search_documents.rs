//! What the search index reads of runs: each run with the text of its agent's thoughts and the
//! intents of its actions, for a batch of runs the event log says changed, or page by page for a
//! rebuild. Which parts of a timeline item hold text is decided here, in SQL, so the index never
//! loads whole timelines.

use std::collections::HashMap;

use rusqlite::{Connection, params_from_iter};

use super::runs::{RUN_COLUMNS, load_runs, run_from_row};
use super::{Store, StoreError};
use crate::ids::RunId;
use crate::runs::Run;

/// A run and the text its timeline adds to it.
#[derive(Debug, Clone)]
pub struct RunForIndex {
    pub run: Run,
    /// The model's reasoning of each decision, and each question put to a person, in order.
    pub thoughts: Vec<String>,
    /// What each action meant to do, in order (actions without an intent leave none).
    pub intents: Vec<String>,
}

/// The timeline text of the runs of `runs`, attached to them.
fn with_timeline_text(connection: &Connection, runs: Vec<Run>) -> Result<Vec<RunForIndex>, StoreError> {
    if runs.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT run_id, kind,
            CASE kind WHEN 'thought' THEN COALESCE(json_extract(detail_json, '$.reasoning'), json_extract(detail_json, '$.question'))
                      ELSE json_extract(detail_json, '$.intent') END AS text
         FROM timeline_items
         WHERE run_id IN ({}) AND kind IN ('thought', 'action')
         ORDER BY id",
        super::placeholders(runs.len())
    );
    let mut documents: Vec<RunForIndex> =
        runs.into_iter().map(|run| RunForIndex { run, thoughts: Vec::new(), intents: Vec::new() }).collect();
    let position: HashMap<String, usize> =
        documents.iter().enumerate().map(|(at, d)| (d.run.id.as_str().to_owned(), at)).collect();
    let mut statement = connection.prepare(&sql)?;
    let mut rows = statement.query(params_from_iter(documents.iter().map(|d| d.run.id.as_str().to_owned())))?;
    while let Some(row) = rows.next()? {
        let (run_id, kind): (String, String) = (row.get(0)?, row.get(1)?);
        // A detail whose field is not text (an intent of `null`) adds nothing.
        let Ok(Some(text)) = row.get::<_, Option<String>>(2) else { continue };
        if let Some(document) = position.get(&run_id).map(|at| &mut documents[*at]) {
            if kind == "thought" { &mut document.thoughts } else { &mut document.intents }.push(text);
        }
    }
    Ok(documents)
}

impl Store {
    /// The runs of `run_ids` that exist, with their timeline text.
    pub async fn runs_for_index(&self, run_ids: Vec<RunId>) -> Result<Vec<RunForIndex>, StoreError> {
        self.read(move |connection| with_timeline_text(connection, load_runs(connection, &run_ids)?)).await
    }

    /// Up to `limit` runs with ids above `after` (from the first without), in id order, with their
    /// timeline text: a rebuild reads every run this way, one page at a time.
    pub async fn runs_for_index_after(
        &self,
        after: Option<RunId>,
        limit: usize,
    ) -> Result<Vec<RunForIndex>, StoreError> {
        self.read(move |connection| {
            let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE id > ?1 ORDER BY id LIMIT {limit}");
            let after = after.as_ref().map_or("", RunId::as_str).to_owned();
            let runs = connection.prepare(&sql)?.query_map([after], run_from_row)?.collect::<Result<_, _>>()?;
            with_timeline_text(connection, runs)
        })
        .await
    }
}
