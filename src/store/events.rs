//! The events table: an append-only log of status changes and timeline items, written in the
//! same transaction as the change it reports. Readers resume after the last id they saw.

use rusqlite::{Connection, params};
use serde::Serialize;
use serde_json::Value;

use super::{Store, StoreError, rows};
use crate::ids::RunId;

/// One stored event.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub id: i64,
    pub run_id: RunId,
    pub event_type: String,
    pub payload: Value,
    pub created_at: String,
}

/// Appends an event inside the caller's transaction.
pub(super) fn append(
    connection: &Connection,
    run_id: &RunId,
    event_type: &str,
    payload: &Value,
) -> Result<i64, StoreError> {
    connection.execute(
        "INSERT INTO events (run_id, event_type, payload_json, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![run_id.as_str(), event_type, payload.to_string(), crate::clock::now()],
    )?;
    Ok(connection.last_insert_rowid())
}

impl Store {
    /// Events of one run with an id above `after`, oldest first.
    pub async fn run_events(&self, run_id: &RunId, after: i64, limit: usize) -> Result<Vec<Event>, StoreError> {
        let run_id = run_id.clone();
        self.read(move |connection| {
            let mut statement = connection.prepare_cached(
                "SELECT id, run_id, event_type, payload_json, created_at FROM events
                 WHERE run_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
            )?;
            let events = statement
                .query_map(params![run_id.as_str(), after, limit as i64], |row| {
                    Ok(Event {
                        id: row.get("id")?,
                        run_id: rows::parsed(row, "run_id", RunId::parse)?,
                        event_type: row.get("event_type")?,
                        payload: rows::json(row, "payload_json")?,
                        created_at: row.get("created_at")?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(events)
        })
        .await
    }
}
