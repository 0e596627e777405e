//! The run store: the only module that speaks SQL.
//!
//! SQLite in WAL mode with foreign keys on, a busy timeout and `synchronous=NORMAL`. One
//! connection writes, behind a mutex, so writes never contend; readers take connections of their
//! own from a small pool, which WAL lets run beside the writer. Every call runs on tokio's blocking
//! threads, never on the async workers. The rest of the appliance sees only domain methods
//! (`insert_run`, `transition`, `append_timeline_item`, …), so the store can move to another
//! database behind the same interface.

mod api_keys;
mod artifacts;
mod browser_profiles;
mod credentials;
mod events;
mod files;
mod migrate;
mod plans;
mod retention;
mod rows;
mod runs;
mod schedules;
mod search_documents;
mod sessions;
mod steps;
mod timeline;
mod traces;
mod ui_sessions;
mod webhooks;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction};

use crate::events::Event;

pub use api_keys::ApiKeyRecord;
pub use browser_profiles::ProfileFilter;
pub use credentials::CredentialFilter;
pub use migrate::MigrationStatus;
pub use plans::PlanFilter;
pub use retention::{FinishedRuns, RemovalReason, RemovedRun};
pub use runs::{RunFilter, RunPage, StatusChange, Transition};
pub use schedules::{ScheduleFilter, SchedulePage};
pub use search_documents::RunForIndex;
pub use traces::{NewTrace, Trace};
pub use ui_sessions::{NewUiSession, UiSessionRecord};
pub use webhooks::DueDeliveries;

/// What went wrong in the store. `NotFound` is the caller's problem; the rest are the appliance's.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(String),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("migration {name} failed: {source}")]
    Migration { name: String, source: rusqlite::Error },
    #[error("the store's worker thread stopped: {0}")]
    Worker(String),
    /// The run asked for was removed by retention; its tombstone says when and why.
    #[error("run {} was removed by retention at {}", .0.run_id, .0.removed_at)]
    RunRemoved(Box<RemovedRun>),
}

impl StoreError {
    /// Whether the database could not grow: the disk is full.
    pub fn is_disk_full(&self) -> bool {
        matches!(self, StoreError::Sqlite(rusqlite::Error::SqliteFailure(failure, _))
            if failure.code == rusqlite::ErrorCode::DiskFull)
    }
}

/// How many events a live follower may fall behind before it is told it lagged (and reads the
/// rest from the table).
const EVENTS_KEPT: usize = 4096;

/// How many reading connections are kept open between calls.
const READER_POOL: usize = 4;

/// A handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Writer>,
    readers: Mutex<Vec<Connection>>,
    /// Every committed event, in id order, for those who follow runs as they go.
    events: tokio::sync::broadcast::Sender<Arc<Event>>,
}

/// The writing connection and the last event it published.
struct Writer {
    connection: Connection,
    published: i64,
}

impl Writer {
    /// Publishes the events committed since the last call, in id order. Called with the writer
    /// held, so no later event can be published before an earlier one. If they cannot be read
    /// now, the next commit publishes them.
    fn publish(&mut self, bus: &tokio::sync::broadcast::Sender<Arc<Event>>) {
        match events::since(&self.connection, self.published) {
            Ok(fresh) => {
                for event in fresh {
                    self.published = event.id;
                    // Nobody following is not an error.
                    let _ = bus.send(Arc::new(event));
                }
            }
            Err(error) => tracing::warn!(%error, "new events could not be read back to publish them"),
        }
    }
}

impl Store {
    /// Opens (creating when needed) the database at `path` and applies pending migrations.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let mut connection = open_connection(path, OpenFlags::default())?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        migrate::apply(&mut connection)?;
        let published = events::last_id(&connection)?;
        Ok(Store {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                writer: Mutex::new(Writer { connection, published }),
                readers: Mutex::new(Vec::new()),
                events: tokio::sync::broadcast::Sender::new(EVENTS_KEPT),
            }),
        })
    }

    /// Reads which migrations the database at `path` has, opening it read-only: nothing is
    /// created or migrated (for `skyvern doctor`, which may run beside the appliance).
    pub fn migration_status(path: &Path) -> Result<MigrationStatus, StoreError> {
        let connection = open_connection(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        migrate::status(&connection)
    }

    /// Runs `work` in one transaction on the writing connection, off the async threads, then
    /// publishes the events it wrote.
    async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut writer = inner.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let transaction = writer.connection.transaction()?;
            let value = work(&transaction)?;
            transaction.commit()?;
            writer.publish(&inner.events);
            Ok(value)
        })
        .await
        .map_err(|join| StoreError::Worker(join.to_string()))?
    }

    /// Runs `work` on a reading connection, off the async threads.
    async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = inner.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
            let connection = match pooled {
                Some(connection) => connection,
                None => open_connection(&inner.path, OpenFlags::SQLITE_OPEN_READ_ONLY)?,
            };
            let value = work(&connection);
            let mut readers = inner.readers.lock().unwrap_or_else(|p| p.into_inner());
            if readers.len() < READER_POOL {
                readers.push(connection);
            }
            value
        })
        .await
        .map_err(|join| StoreError::Worker(join.to_string()))?
    }

    /// Writes the WAL back into the main file; called at shutdown so a copy of the file is whole.
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        self.write_outside_transaction(|connection| {
            connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            Ok(())
        })
        .await
    }

    /// A consistent copy of the whole database at `target`, taken while the appliance runs.
    pub async fn backup_to(&self, target: &Path) -> Result<(), StoreError> {
        let target = target.to_string_lossy().into_owned();
        self.write_outside_transaction(move |connection| {
            connection.execute("VACUUM INTO ?1", [target])?;
            Ok(())
        })
        .await
    }

    async fn write_outside_transaction<F>(&self, work: F) -> Result<(), StoreError>
    where
        F: FnOnce(&Connection) -> Result<(), StoreError> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let writer = inner.writer.lock().unwrap_or_else(|p| p.into_inner());
            work(&writer.connection)
        })
        .await
        .map_err(|join| StoreError::Worker(join.to_string()))?
    }
}

/// `?, ?, …` for an `IN (…)` of `count` values.
fn placeholders(count: usize) -> String {
    vec!["?"; count].join(", ")
}

fn open_connection(path: &Path, flags: OpenFlags) -> Result<Connection, StoreError> {
    let connection = Connection::open_with_flags(path, flags)?;
    connection.busy_timeout(Duration::from_secs(5))?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(connection)
}
