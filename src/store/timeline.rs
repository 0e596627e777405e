//! Timeline items: appended when they start, closed when they finish; each write also appends an
//! event in the same transaction.

use rusqlite::{Connection, Row, params};
use serde_json::json;

use super::{Store, StoreError, events, rows};
use crate::clock;
use crate::events::EventKind;
use crate::ids::{ArtifactId, RunId, StepRunId};
use crate::runs::{ItemOutcome, ItemStatus, NewTimelineItem, TimelineItem, TimelineKind};

const ITEM_COLUMNS: &str = "id, run_id, step_run_id, kind, action_number, label, status, detail_json,
    screenshot_artifact_id, started_at, finished_at";

fn item_from_row(row: &Row<'_>) -> rusqlite::Result<TimelineItem> {
    Ok(TimelineItem {
        id: row.get("id")?,
        run_id: rows::parsed(row, "run_id", RunId::parse)?,
        step_run_id: rows::optional_parsed(row, "step_run_id", StepRunId::parse)?,
        kind: rows::parsed(row, "kind", |t| TimelineKind::parse(t).ok_or("unknown kind"))?,
        action_number: row.get("action_number")?,
        label: row.get("label")?,
        status: rows::parsed(row, "status", |t| ItemStatus::parse(t).ok_or("unknown status"))?,
        detail: rows::json(row, "detail_json")?,
        screenshot_artifact_id: rows::optional_parsed(row, "screenshot_artifact_id", ArtifactId::parse)?,
        started_at: row.get("started_at")?,
        finished_at: row.get("finished_at")?,
    })
}

fn load_item(connection: &Connection, id: i64) -> Result<TimelineItem, StoreError> {
    let sql = format!("SELECT {ITEM_COLUMNS} FROM timeline_items WHERE id = ?1");
    let mut statement = connection.prepare_cached(&sql)?;
    rows::found(statement.query_row([id], item_from_row), || format!("timeline item {id}"))
}

fn announce(connection: &Connection, item: &TimelineItem) -> Result<(), StoreError> {
    let payload = json!({ "run_id": item.run_id, "item": item });
    events::append(connection, &item.run_id, EventKind::TimelineItem, &payload)?;
    Ok(())
}

impl Store {
    /// Appends a `running` item; an action gets the next action number of its run.
    pub async fn start_timeline_item(&self, item: NewTimelineItem) -> Result<TimelineItem, StoreError> {
        self.write(move |tx| {
            let action_number: Option<i64> = if item.kind == TimelineKind::Action {
                tx.execute(
                    "UPDATE runs SET action_count = action_count + 1 WHERE id = ?1",
                    [item.run_id.as_str()],
                )?;
                Some(tx.query_row("SELECT action_count FROM runs WHERE id = ?1", [item.run_id.as_str()], |row| {
                    row.get(0)
                })?)
            } else {
                None
            };
            tx.prepare_cached(
                "INSERT INTO timeline_items (run_id, step_run_id, kind, action_number, label, status, detail_json, started_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6, ?7)",
            )?
            .execute(params![
                    item.run_id.as_str(),
                    item.step_run_id.as_ref().map(StepRunId::as_str),
                    item.kind.as_str(),
                    action_number,
                    item.label,
                    item.detail.to_string(),
                    clock::now(),
                ])?;
            let stored = load_item(tx, tx.last_insert_rowid())?;
            announce(tx, &stored)?;
            Ok(stored)
        })
        .await
    }

    /// Closes a started item with its outcome.
    pub async fn finish_timeline_item(&self, id: i64, outcome: ItemOutcome) -> Result<TimelineItem, StoreError> {
        self.write(move |tx| {
            tx.execute(
                "UPDATE timeline_items SET status = ?2, detail_json = ?3,
                    screenshot_artifact_id = COALESCE(?4, screenshot_artifact_id), finished_at = ?5
                 WHERE id = ?1",
                params![
                    id,
                    outcome.status.as_str(),
                    outcome.detail.to_string(),
                    outcome.screenshot_artifact_id.as_ref().map(ArtifactId::as_str),
                    clock::now(),
                ],
            )?;
            let stored = load_item(tx, id)?;
            announce(tx, &stored)?;
            Ok(stored)
        })
        .await
    }

    /// Gives an item its screenshot (kept after the item may have finished).
    pub async fn attach_screenshot(&self, id: i64, artifact_id: &ArtifactId) -> Result<TimelineItem, StoreError> {
        let artifact_id = artifact_id.clone();
        self.write(move |tx| {
            tx.execute(
                "UPDATE timeline_items SET screenshot_artifact_id = ?2 WHERE id = ?1",
                params![id, artifact_id.as_str()],
            )?;
            let stored = load_item(tx, id)?;
            announce(tx, &stored)?;
            Ok(stored)
        })
        .await
    }

    /// The whole timeline of a run, in the order it happened.
    pub async fn timeline(&self, run_id: &RunId) -> Result<Vec<TimelineItem>, StoreError> {
        let run_id = run_id.clone();
        self.read(move |connection| {
            let sql = format!("SELECT {ITEM_COLUMNS} FROM timeline_items WHERE run_id = ?1 ORDER BY id");
            let mut statement = connection.prepare_cached(&sql)?;
            let items = statement.query_map([run_id.as_str()], item_from_row)?.collect::<Result<_, _>>()?;
            Ok(items)
        })
        .await
    }
}

impl Store {
    /// Closes every item of the run still `running` (the run was canceled or timed out mid-action).
    pub async fn close_open_timeline_items(&self, run_id: &RunId, status: ItemStatus) -> Result<usize, StoreError> {
        let run_id = run_id.clone();
        self.write(move |tx| {
            let open: Vec<i64> = tx
                .prepare("SELECT id FROM timeline_items WHERE run_id = ?1 AND status = 'running' ORDER BY id")?
                .query_map([run_id.as_str()], |row| row.get(0))?
                .collect::<Result<_, _>>()?;
            for id in &open {
                tx.execute(
                    "UPDATE timeline_items SET status = ?2, finished_at = ?3 WHERE id = ?1",
                    params![id, status.as_str(), clock::now()],
                )?;
                announce(tx, &load_item(tx, *id)?)?;
            }
            Ok(open.len())
        })
        .await
    }
}
