//! The events table: an append-only log of what happens to runs, each event written in the same
//! transaction as the change it reports. After each commit the writer publishes the new events,
//! in id order, to those who follow the log live; readers that fell behind resume from the table.

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, Row, params, params_from_iter};
use serde_json::Value;

use super::{Store, StoreError, rows};
use crate::events::{Event, EventFilter, EventKind, EventTypePattern};
use crate::ids::RunId;
use crate::runs::{RunStatus, RunType};

const EVENT_COLUMNS: &str = "id, run_id, run_type, run_status, event_type, payload_json, created_at";

fn event_from_row(row: &Row<'_>) -> rusqlite::Result<Event> {
    Ok(Event::new(
        row.get("id")?,
        rows::parsed(row, "run_id", RunId::parse)?,
        rows::parsed(row, "run_type", |t| RunType::parse(t).ok_or("unknown run type"))?,
        rows::parsed(row, "run_status", str::parse::<RunStatus>)?,
        row.get("event_type")?,
        rows::json(row, "payload_json")?,
        row.get("created_at")?,
    ))
}

/// Appends an event inside the caller's transaction, with the run's type and current status.
pub(super) fn append(
    connection: &Connection,
    run_id: &RunId,
    kind: EventKind,
    payload: &Value,
) -> Result<i64, StoreError> {
    // Every write appends events: the statement is prepared once per connection.
    let inserted = connection
        .prepare_cached(
            "INSERT INTO events (run_id, run_type, run_status, event_type, payload_json, created_at)
             SELECT id, run_type, status, ?2, ?3, ?4 FROM runs WHERE id = ?1",
        )?
        .execute(params![run_id.as_str(), kind.name(), payload.to_string(), crate::clock::now()])?;
    if inserted == 0 {
        return Err(StoreError::NotFound(format!("run {run_id}")));
    }
    Ok(connection.last_insert_rowid())
}

/// Events with an id above `after`, oldest first, on the caller's connection.
pub(super) fn since(connection: &Connection, after: i64) -> Result<Vec<Event>, StoreError> {
    let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE id > ?1 ORDER BY id");
    let mut statement = connection.prepare_cached(&sql)?;
    let events = statement.query_map([after], event_from_row)?.collect::<Result<_, _>>()?;
    Ok(events)
}

/// The newest event's id (0 when there is none).
pub(super) fn last_id(connection: &Connection) -> Result<i64, StoreError> {
    Ok(connection.query_row("SELECT COALESCE(MAX(id), 0) FROM events", [], |row| row.get(0))?)
}

/// Moves a durable follower's cursor inside the caller's transaction.
pub(super) fn advance_cursor(connection: &Connection, name: &str, last_event_id: i64) -> Result<(), StoreError> {
    connection.execute(
        "INSERT INTO event_cursors (name, last_event_id) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET last_event_id = excluded.last_event_id",
        params![name, last_event_id],
    )?;
    Ok(())
}

fn text(value: &str) -> SqlValue {
    SqlValue::Text(value.to_owned())
}

impl Store {
    /// Events matching `filter` with an id above `after`, oldest first, at most `limit`.
    pub async fn events(&self, filter: EventFilter, after: i64, limit: usize) -> Result<Vec<Event>, StoreError> {
        self.read(move |connection| {
            let mut clauses = vec!["id > ?".to_owned()];
            let mut values: Vec<SqlValue> = vec![SqlValue::Integer(after)];
            if let Some(run_id) = &filter.run_id {
                clauses.push("run_id = ?".into());
                values.push(text(run_id.as_str()));
            }
            if !filter.statuses.is_empty() {
                clauses.push(format!("run_status IN ({})", super::placeholders(filter.statuses.len())));
                values.extend(filter.statuses.iter().map(|s| text(s.as_str())));
            }
            if !filter.run_types.is_empty() {
                clauses.push(format!("run_type IN ({})", super::placeholders(filter.run_types.len())));
                values.extend(filter.run_types.iter().map(|t| text(t.as_str())));
            }
            if !filter.event_types.is_empty() {
                let alternatives: Vec<&str> = filter
                    .event_types
                    .iter()
                    .map(|pattern| match pattern {
                        EventTypePattern::Exact(_) => "event_type = ?",
                        EventTypePattern::Family(_) => "substr(event_type, 1, length(?)) = ?",
                    })
                    .collect();
                clauses.push(format!("({})", alternatives.join(" OR ")));
                for pattern in &filter.event_types {
                    match pattern {
                        EventTypePattern::Exact(name) => values.push(text(name)),
                        EventTypePattern::Family(prefix) => values.extend([text(prefix), text(prefix)]),
                    }
                }
            }
            let sql =
                format!("SELECT {EVENT_COLUMNS} FROM events WHERE {} ORDER BY id LIMIT {limit}", clauses.join(" AND "));
            let mut statement = connection.prepare_cached(&sql)?;
            let events =
                statement.query_map(params_from_iter(values.iter()), event_from_row)?.collect::<Result<_, _>>()?;
            Ok(events)
        })
        .await
    }

    /// Where the durable follower `name` has read to (0: from the start).
    pub async fn event_cursor(&self, name: &str) -> Result<i64, StoreError> {
        let name = name.to_owned();
        self.read(move |connection| {
            Ok(connection.query_row(
                "SELECT COALESCE(MAX(last_event_id), 0) FROM event_cursors WHERE name = ?1",
                [name],
                |row| row.get(0),
            )?)
        })
        .await
    }

    /// The newest event's id (0 when there is none).
    pub async fn last_event_id(&self) -> Result<i64, StoreError> {
        self.read(last_id).await
    }

    /// Follows every event committed from now on, in id order. A follower that falls more than
    /// the bus's capacity behind is told it lagged, and reads the rest from the table.
    pub fn subscribe_events(&self) -> tokio::sync::broadcast::Receiver<std::sync::Arc<Event>> {
        self.inner.events.subscribe()
    }
}
