//! Retention's side of the store: finished runs, oldest end first; removing a run's artifact
//! records, or the run itself with everything that hangs on it, leaving a tombstone; reading the
//! tombstones back.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Store, StoreError, rows};
use crate::clock;
use crate::ids::RunId;
use crate::runs::RunStatus;

/// Why retention removed a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemovalReason {
    /// It ended longer ago than `retention.max_age_days`.
    MaxAge,
    /// The data directory was over `retention.max_disk_gb` with its files gone already.
    MaxDisk,
}

impl RemovalReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RemovalReason::MaxAge => "max_age_days",
            RemovalReason::MaxDisk => "max_disk_gb",
        }
    }

    fn parse(text: &str) -> Result<RemovalReason, String> {
        match text {
            "max_age_days" => Ok(RemovalReason::MaxAge),
            "max_disk_gb" => Ok(RemovalReason::MaxDisk),
            other => Err(format!("unknown removal reason {other}")),
        }
    }

    /// The limit in words, for messages.
    pub fn explained(self) -> &'static str {
        match self {
            RemovalReason::MaxAge => "it ended longer ago than retention.max_age_days allows",
            RemovalReason::MaxDisk => "the data directory was over retention.max_disk_gb",
        }
    }
}

/// The tombstone of a run retention removed, as its routes answer it. (The table also keeps the
/// run's type, status and times, for an operator who reads the database.)
#[derive(Debug, Clone)]
pub struct RemovedRun {
    pub run_id: RunId,
    pub removed_at: String,
    pub reason: RemovalReason,
}

/// Which finished runs retention looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinishedRuns<'a> {
    /// Those that still have their files.
    WithFiles,
    /// Those that may be removed whole (no webhook delivery of theirs is still being tried),
    /// ended before the moment given, if one is.
    Removable { ended_before: Option<&'a str> },
}

/// `'completed', 'failed', …`: the terminal statuses, as SQL text.
fn terminal_statuses() -> String {
    RunStatus::ALL
        .iter()
        .filter(|s| s.is_terminal())
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

const NO_PENDING_DELIVERY: &str =
    "NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.run_id = runs.id AND d.state = 'pending')";

fn removed_from_row(row: &Row<'_>) -> rusqlite::Result<RemovedRun> {
    Ok(RemovedRun {
        run_id: rows::parsed(row, "id", RunId::parse)?,
        removed_at: row.get("removed_at")?,
        reason: rows::parsed(row, "reason", RemovalReason::parse)?,
    })
}

/// The tombstone of `run_id`, if retention removed it.
pub(super) fn removed(connection: &Connection, run_id: &RunId) -> Result<Option<RemovedRun>, StoreError> {
    Ok(connection
        .query_row("SELECT id, removed_at, reason FROM removed_runs WHERE id = ?1", [run_id.as_str()], removed_from_row)
        .optional()?)
}

impl Store {
    /// At most `limit` finished runs of `which`, the one that ended first first.
    pub async fn finished_runs(&self, which: FinishedRuns<'_>, limit: usize) -> Result<Vec<RunId>, StoreError> {
        let (condition, ended_before) = match which {
            FinishedRuns::WithFiles => ("artifacts_removed_at IS NULL", None),
            FinishedRuns::Removable { ended_before } => (NO_PENDING_DELIVERY, ended_before.map(str::to_owned)),
        };
        self.read(move |connection| {
            let sql = format!(
                "SELECT id FROM runs
                 WHERE status IN ({}) AND finished_at < COALESCE(?1, '9999') AND {condition}
                 ORDER BY finished_at, id LIMIT {limit}",
                terminal_statuses()
            );
            let mut statement = connection.prepare(&sql)?;
            let found = statement
                .query_map([ended_before], |row| rows::parsed(row, "id", RunId::parse))?
                .collect::<Result<_, _>>()?;
            Ok(found)
        })
        .await
    }

    /// Forgets a finished run's artifacts (their files are the caller's to remove) and notes when;
    /// `false` if the run is not finished or has none to forget.
    pub async fn remove_run_artifacts(&self, run_id: &RunId) -> Result<bool, StoreError> {
        let run_id = run_id.clone();
        self.write(move |tx| {
            let sql = format!(
                "UPDATE runs SET artifacts_removed_at = ?2
                 WHERE id = ?1 AND status IN ({}) AND artifacts_removed_at IS NULL",
                terminal_statuses()
            );
            if tx.execute(&sql, params![run_id.as_str(), clock::now()])? == 0 {
                return Ok(false);
            }
            tx.execute("DELETE FROM artifacts WHERE run_id = ?1", [run_id.as_str()])?;
            Ok(true)
        })
        .await
    }

    /// Removes a finished run with everything stored for it (steps, timeline, traces, events,
    /// webhook deliveries, artifact records, its final storage), leaving a tombstone; `false` if
    /// the run is not finished, a webhook delivery of its is still being tried, or it is gone.
    pub async fn remove_run(&self, run_id: &RunId, reason: RemovalReason) -> Result<bool, StoreError> {
        let run_id = run_id.clone();
        self.write(move |tx| {
            let sql = format!(
                "INSERT INTO removed_runs (id, run_type, status, created_at, finished_at, removed_at, reason, last_event_id)
                 SELECT id, run_type, status, created_at, finished_at, ?2, ?3, (SELECT COALESCE(MAX(id), 0) FROM events)
                 FROM runs WHERE id = ?1 AND status IN ({}) AND {NO_PENDING_DELIVERY}",
                terminal_statuses()
            );
            if tx.execute(&sql, params![run_id.as_str(), clock::now(), reason.as_str()])? == 0 {
                return Ok(false);
            }
            tx.execute("DELETE FROM final_storage WHERE owner_id = ?1", [run_id.as_str()])?;
            tx.execute("DELETE FROM runs WHERE id = ?1", [run_id.as_str()])?;
            Ok(true)
        })
        .await
    }

    /// Which of `run_ids` no longer have files: removed whole, or their files removed.
    pub async fn runs_without_files(&self, run_ids: Vec<RunId>) -> Result<Vec<RunId>, StoreError> {
        self.read(move |connection| {
            let mut removed = connection.prepare_cached("SELECT 1 FROM removed_runs WHERE id = ?1")?;
            let mut stripped =
                connection.prepare_cached("SELECT 1 FROM runs WHERE id = ?1 AND artifacts_removed_at IS NOT NULL")?;
            let mut found = Vec::new();
            for run_id in run_ids {
                if removed.exists([run_id.as_str()])? || stripped.exists([run_id.as_str()])? {
                    found.push(run_id);
                }
            }
            Ok(found)
        })
        .await
    }

    /// The runs removed since the event `cursor` was the newest (at it included), for the search
    /// index to forget after a stop that may have come before it did.
    pub async fn runs_removed_since_event(&self, cursor: i64) -> Result<Vec<RunId>, StoreError> {
        self.read(move |connection| {
            let mut statement = connection.prepare("SELECT id FROM removed_runs WHERE last_event_id >= ?1")?;
            let found = statement
                .query_map([cursor], |row| rows::parsed(row, "id", RunId::parse))?
                .collect::<Result<_, _>>()?;
            Ok(found)
        })
        .await
    }

    /// The bytes of the database file that hold nothing (free pages), which it fills again
    /// before it grows.
    pub async fn reusable_bytes(&self) -> Result<u64, StoreError> {
        self.read(|connection| {
            let pages: i64 = connection.query_row("PRAGMA freelist_count", [], |row| row.get(0))?;
            let page_size: i64 = connection.query_row("PRAGMA page_size", [], |row| row.get(0))?;
            Ok((pages.max(0) * page_size.max(0)) as u64)
        })
        .await
    }
}
