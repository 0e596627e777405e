//! The one task that writes the index (and owns tantivy's `IndexWriter`).
//!
//! It follows the event log from the index's cursor: each status change or timeline item marks
//! its run as changed, and at most every `search.commit_interval_ms` the changed runs are read
//! again from the store and their documents replaced (deleted by run id, added anew), then
//! committed with the new cursor. Runs removed from the store (by retention) come on a channel
//! and are taken out at the next commit; at start, those removed since the cursor are taken out
//! again, in case a stop came first. Searches read the last commit and never wait for the writer.
//! The blocking work (adding documents, committing) runs on tokio's blocking threads, with the
//! writer handed there and back, so the task stays its only owner.

use std::collections::HashSet;
use std::time::Duration;

use futures::StreamExt;
use tantivy::{IndexReader, IndexWriter, Term};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::SearchError;
use super::document::document;
use super::opening::CommitMark;
use super::schema::Fields;
use crate::events::{Event, EventFilter, EventKind, Followed};
use crate::ids::RunId;
use crate::store::{RunForIndex, Store};

/// Runs read from the store at once.
const RUNS_PER_READ: usize = 500;
/// Events read from the table at once when catching up.
const EVENTS_PER_READ: usize = 1000;
/// The writer's indexing memory; one indexing thread on these small machines.
const WRITER_MEMORY_BYTES: usize = 32 * 1024 * 1024;
/// The event stream's heartbeat: the writer has no use for one, so it is rare.
const QUIET: Duration = Duration::from_secs(3600);

/// tantivy's writer and what a commit makes visible.
struct Writer {
    writer: IndexWriter,
    reader: IndexReader,
    fields: Fields,
}

impl Writer {
    /// Replaces the documents of `run_ids` by those of `runs` (a run not among them is gone).
    fn replace(&mut self, run_ids: &[RunId], runs: &[RunForIndex]) -> tantivy::Result<()> {
        for run_id in run_ids {
            self.writer.delete_term(Term::from_field_text(self.fields.run_id, run_id.as_str()));
        }
        self.add(runs)
    }

    fn add(&mut self, runs: &[RunForIndex]) -> tantivy::Result<()> {
        for run in runs {
            self.writer.add_document(document(&self.fields, run))?;
        }
        Ok(())
    }

    /// Makes everything since the last commit durable and visible, with the cursor.
    fn commit(&mut self, cursor: i64) -> tantivy::Result<()> {
        let mut prepared = self.writer.prepare_commit()?;
        prepared.set_payload(&serde_json::to_string(&CommitMark::at(cursor)).unwrap_or_default());
        prepared.commit()?;
        self.reader.reload()
    }
}

/// The index writer's task state.
pub(super) struct IndexTask {
    /// Handed to blocking threads and back; `None` only if such work panicked.
    writer: Option<Writer>,
    store: Store,
    commit_interval: Duration,
    /// The last event looked at.
    seen: i64,
    /// The cursor of the last commit.
    committed: i64,
    /// Runs changed since the last commit.
    changed: HashSet<RunId>,
}

impl IndexTask {
    pub fn new(
        index: &tantivy::Index,
        reader: IndexReader,
        fields: Fields,
        store: Store,
        cursor: i64,
        commit_interval: Duration,
    ) -> Result<IndexTask, SearchError> {
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY_BYTES)?;
        Ok(IndexTask {
            writer: Some(Writer { writer, reader, fields }),
            store,
            commit_interval,
            seen: cursor,
            committed: cursor,
            changed: HashSet::new(),
        })
    }

    /// Runs `work` with the writer on a blocking thread.
    async fn with_writer<T: Send + 'static>(
        &mut self,
        work: impl FnOnce(&mut Writer) -> tantivy::Result<T> + Send + 'static,
    ) -> Result<T, SearchError> {
        let mut writer = self.writer.take().ok_or_else(|| SearchError::Worker("the index writer was lost".into()))?;
        let (writer, result) = tokio::task::spawn_blocking(move || {
            let result = work(&mut writer);
            (writer, result)
        })
        .await
        .map_err(|join| SearchError::Worker(join.to_string()))?;
        self.writer = Some(writer);
        Ok(result?)
    }

    /// Indexes every run of the store afresh. The cursor is the last event before the first run
    /// was read, so whatever changes during the rebuild is indexed again after it.
    pub async fn rebuild(&mut self) -> Result<u64, SearchError> {
        let cursor = self.store.last_event_id().await?;
        self.with_writer(|writer| writer.writer.delete_all_documents().map(drop)).await?;
        let (mut after, mut count) = (None, 0);
        loop {
            let runs = self.store.runs_for_index_after(after.clone(), RUNS_PER_READ).await?;
            let Some(last) = runs.last() else { break };
            after = Some(last.run.id.clone());
            count += runs.len() as u64;
            self.with_writer(move |writer| writer.add(&runs)).await?;
        }
        self.with_writer(move |writer| writer.commit(cursor)).await?;
        (self.seen, self.committed) = (cursor, cursor);
        self.changed.clear();
        Ok(count)
    }

    /// Indexes what the event log holds after what was seen, takes out the runs removed since
    /// the last commit, and commits.
    pub async fn catch_up(&mut self) -> Result<(), SearchError> {
        let removed = self.store.runs_removed_since_event(self.committed).await?;
        self.changed.extend(removed);
        loop {
            let events = self.store.events(EventFilter::default(), self.seen, EVENTS_PER_READ).await?;
            events.iter().for_each(|event| self.note(event));
            if events.len() < EVENTS_PER_READ {
                break;
            }
        }
        self.commit_changes().await
    }

    /// Takes note of an event: a status change or a timeline item changes its run's document.
    fn note(&mut self, event: &Event) {
        if event.id <= self.seen {
            return;
        }
        self.seen = event.id;
        if matches!(EventKind::parse(&event.event_type), Some(EventKind::StatusChanged | EventKind::TimelineItem)) {
            self.changed.insert(event.run_id.clone());
        }
    }

    /// Re-reads the changed runs and commits them with the cursor; nothing to do if nothing was
    /// seen since the last commit.
    async fn commit_changes(&mut self) -> Result<(), SearchError> {
        if self.seen == self.committed && self.changed.is_empty() {
            return Ok(());
        }
        let changed: Vec<RunId> = self.changed.iter().cloned().collect();
        for run_ids in changed.chunks(RUNS_PER_READ) {
            let run_ids = run_ids.to_vec();
            let runs = self.store.runs_for_index(run_ids.clone()).await?;
            self.with_writer(move |writer| writer.replace(&run_ids, &runs)).await?;
        }
        let cursor = self.seen;
        self.with_writer(move |writer| writer.commit(cursor)).await?;
        self.committed = cursor;
        self.changed.clear();
        Ok(())
    }

    /// Follows the event log until `stop`, and takes out the runs `removed` names, committing at
    /// most every commit interval; then takes in what happened up to the stop, commits it and
    /// lets the writer finish its merges.
    pub async fn follow(mut self, mut stop: oneshot::Receiver<()>, mut removed: mpsc::UnboundedReceiver<Vec<RunId>>) {
        let mut events = Box::pin(crate::events::follow(self.store.clone(), EventFilter::default(), self.seen, QUIET));
        let mut due: Option<Instant> = None;
        loop {
            let wait_until_due = async {
                match due {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = &mut stop => break,
                Some(run_ids) = removed.recv() => {
                    self.changed.extend(run_ids);
                    due.get_or_insert_with(|| Instant::now() + self.commit_interval);
                }
                () = wait_until_due => {
                    due = None;
                    if let Err(error) = self.commit_changes().await {
                        tracing::warn!(%error, "the search index could not take in the latest changes; it tries again");
                        due = Some(Instant::now() + self.commit_interval);
                    }
                }
                next = events.next() => match next {
                    Some(Followed::Event(event)) => {
                        self.note(&event);
                        due.get_or_insert_with(|| Instant::now() + self.commit_interval);
                    }
                    Some(Followed::Heartbeat) => {}
                    Some(Followed::Lagged { resume_after, .. }) => {
                        events = Box::pin(crate::events::follow(self.store.clone(), EventFilter::default(), resume_after, QUIET));
                    }
                    None => break,
                },
            }
            if self.writer.is_none() {
                tracing::error!("the search index writer failed; the index catches up at the next start");
                return;
            }
        }
        if let Err(error) = self.catch_up().await {
            tracing::warn!(%error, "the search index could not take in the last changes; it catches up at the next start");
        }
        self.finish().await;
    }

    /// Waits for the writer's merges, so the index directory is left tidy.
    pub async fn finish(mut self) {
        if let Some(Writer { writer, .. }) = self.writer.take() {
            let merged = tokio::task::spawn_blocking(move || writer.wait_merging_threads()).await;
            if let Ok(Err(error)) = merged {
                tracing::warn!(%error, "the search index's merges did not finish");
            }
        }
    }
}
