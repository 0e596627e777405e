//! Full-text search over every run's history: the only module that imports tantivy.
//!
//! SQLite stays the truth; the index under `<data_dir>/search-index` is derived from it and can
//! always be rebuilt. One document per run (`document`) holds its id, title, prompt, URL, status,
//! type, output, failure, errors, the agent's thoughts and its actions' intents. One task
//! (`writer`) keeps it up to date by following the event log; its commits carry the cursor
//! (`opening`), so at start the index either catches up from where it stopped or, when it is
//! missing, damaged or of another version, is rebuilt from the store, before the appliance
//! serves. Searches (`searching`) read the last commit on tokio's blocking threads and never wait
//! for the writer; what a key means is in `query`, how matches are shown in `highlight`.

mod document;
mod highlight;
mod opening;
mod query;
mod schema;
mod searching;
mod writer;

use std::path::Path;
use std::time::{Duration, Instant};

use tantivy::{IndexReader, ReloadPolicy};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

pub use highlight::Match;
pub use query::{InvalidSearchKey, LONGEST_KEY, SHORTEST_KEY, SearchKey};
pub use searching::{SearchHit, SearchOrder, SearchPage};

use crate::ids::RunId;
use crate::store::{RunFilter, Store, StoreError};
use opening::{Opened, open_or_create};
use schema::Fields;
use writer::IndexTask;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("the search index cannot read the store: {0}")]
    Store(#[from] StoreError),
    #[error("cannot use the search index directory {path}: {source}")]
    Directory { path: std::path::PathBuf, source: std::io::Error },
    #[error("the search index's worker stopped: {0}")]
    Worker(String),
}

impl From<tantivy::directory::error::OpenDirectoryError> for SearchError {
    fn from(error: tantivy::directory::error::OpenDirectoryError) -> SearchError {
        SearchError::Index(error.into())
    }
}

/// Searching the index; cheap to clone.
#[derive(Clone)]
pub struct SearchIndex {
    reader: IndexReader,
    fields: Fields,
    /// Runs removed from the store, for the writer to take out of the index.
    removed: mpsc::UnboundedSender<Vec<RunId>>,
}

/// The running writer task; stopping it commits what it has seen.
pub struct Indexer {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl SearchIndex {
    /// Opens the index in `directory`, brings it up to date with the store (rebuilding it if it
    /// cannot be trusted, else taking in the events after its cursor), and starts its writer.
    pub async fn start(
        directory: &Path,
        store: Store,
        commit_interval: Duration,
    ) -> Result<(SearchIndex, Indexer), SearchError> {
        let (reader, fields, task) = open(directory, store, commit_interval).await?;
        let (stop, stopped) = oneshot::channel();
        let (removed, removals) = mpsc::unbounded_channel();
        let indexer = Indexer { stop, task: tokio::spawn(task.follow(stopped, removals)) };
        Ok((SearchIndex { reader, fields, removed }, indexer))
    }

    /// Takes runs the store no longer has out of the index, at its next commit (a stop before
    /// that is caught up at the next start, from the store's tombstones).
    pub fn forget(&self, run_ids: Vec<RunId>) {
        // The writer is gone only while the appliance stops; the next start catches up.
        let _ = self.removed.send(run_ids);
    }

    /// One page of the runs `key` finds among those `filter` lets through, in `order`.
    pub async fn search(
        &self,
        key: SearchKey,
        filter: RunFilter,
        order: SearchOrder,
    ) -> Result<SearchPage, SearchError> {
        let (reader, fields) = (self.reader.clone(), self.fields);
        tokio::task::spawn_blocking(move || searching::search(&reader.searcher(), &fields, &key, &filter, order))
            .await
            .map_err(|join| SearchError::Worker(join.to_string()))?
            .map_err(SearchError::from)
    }
}

impl Indexer {
    /// Takes in every change made so far, commits it and stops.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        if let Err(error) = self.task.await {
            tracing::error!(%error, "the search index writer ended badly");
        }
    }
}

/// Rebuilds the index in `directory` from the store, whatever it held; returns how many runs it
/// indexed. The appliance must not be running on the same data directory.
pub async fn rebuild(directory: &Path, store: Store) -> Result<u64, SearchError> {
    if directory.exists() {
        std::fs::remove_dir_all(directory)
            .map_err(|source| SearchError::Directory { path: directory.to_owned(), source })?;
    }
    let (reader, _, task) = open(directory, store, Duration::ZERO).await?;
    task.finish().await;
    Ok(reader.searcher().num_docs())
}

/// Opens the index and brings it up to date; the writer task is returned, not yet following.
async fn open(
    directory: &Path,
    store: Store,
    commit_interval: Duration,
) -> Result<(IndexReader, Fields, IndexTask), SearchError> {
    let directory = directory.to_owned();
    let Opened { index, fields, cursor } = tokio::task::spawn_blocking(move || open_or_create(&directory))
        .await
        .map_err(|join| SearchError::Worker(join.to_string()))??;
    let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
    let mut task = IndexTask::new(&index, reader.clone(), fields, store, cursor.unwrap_or(0), commit_interval)?;
    let started = Instant::now();
    match cursor {
        None => {
            let count = task.rebuild().await?;
            tracing::info!(runs = count, seconds = started.elapsed().as_secs_f64(), "search index built");
        }
        Some(_) => {
            task.catch_up().await?;
            tracing::debug!(seconds = started.elapsed().as_secs_f64(), "search index up to date");
        }
    }
    Ok((reader, fields, task))
}
