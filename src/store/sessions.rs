//! Browser sessions: opened, extended, ended once (an ended session never opens again), and the
//! ones a previous process left open ended at start-up.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Store, StoreError, rows};
use crate::clock;
use crate::ids::SessionId;
use crate::sessions::{Session, SessionSpec, SessionStatus};

const COLUMNS: &str = "id, status, timeout_minutes, url, browser_profile_id, generate_browser_profile, ended_reason,
    started_at, expires_at, completed_at, created_at, modified_at";

fn session_from_row(row: &Row<'_>) -> rusqlite::Result<Session> {
    Ok(Session {
        id: rows::parsed(row, "id", SessionId::parse)?,
        status: rows::parsed(row, "status", |t| SessionStatus::parse(t).ok_or("unknown session status"))?,
        timeout_minutes: row.get("timeout_minutes")?,
        url: row.get("url")?,
        browser_profile_id: row.get("browser_profile_id")?,
        generate_browser_profile: row.get("generate_browser_profile")?,
        ended_reason: row.get("ended_reason")?,
        started_at: row.get("started_at")?,
        expires_at: row.get("expires_at")?,
        completed_at: row.get("completed_at")?,
        created_at: row.get("created_at")?,
        modified_at: row.get("modified_at")?,
    })
}

fn load(connection: &Connection, id: &SessionId) -> Result<Session, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM browser_sessions WHERE id = ?1");
    let found = connection.query_row(&sql, [id.as_str()], session_from_row).optional()?;
    found.ok_or_else(|| StoreError::NotFound(format!("browser session {id}")))
}

impl Store {
    /// Records a session that just opened as `spec` asked, `running` until `expires_at`.
    pub async fn insert_session(
        &self,
        id: &SessionId,
        spec: &SessionSpec,
        expires_at: String,
    ) -> Result<Session, StoreError> {
        let id = id.clone();
        let spec = spec.clone();
        self.write(move |tx| {
            let now = clock::now();
            tx.execute(
                "INSERT INTO browser_sessions (id, status, timeout_minutes, url, browser_profile_id,
                    generate_browser_profile, started_at, expires_at, created_at, modified_at)
                 VALUES (?1, 'running', ?2, ?3, ?4, ?5, ?6, ?7, ?6, ?6)",
                params![
                    id.as_str(),
                    spec.timeout_minutes,
                    spec.url,
                    spec.browser_profile_id.as_ref().map(|profile| profile.as_str()),
                    spec.generate_browser_profile,
                    now,
                    expires_at
                ],
            )?;
            load(tx, &id)
        })
        .await
    }

    pub async fn session(&self, id: &SessionId) -> Result<Session, StoreError> {
        let id = id.clone();
        self.read(move |connection| load(connection, &id)).await
    }

    /// The sessions still open, newest first.
    pub async fn open_sessions(&self) -> Result<Vec<Session>, StoreError> {
        self.read(|connection| {
            let sql = format!(
                "SELECT {COLUMNS} FROM browser_sessions WHERE status = 'running' ORDER BY created_at DESC, id DESC"
            );
            let mut statement = connection.prepare(&sql)?;
            let sessions = statement.query_map([], session_from_row)?.collect::<Result<_, _>>()?;
            Ok(sessions)
        })
        .await
    }

    /// Gives an open session a later end and its new lifetime.
    pub async fn extend_session(
        &self,
        id: &SessionId,
        timeout_minutes: i64,
        expires_at: String,
    ) -> Result<Session, StoreError> {
        let id = id.clone();
        self.write(move |tx| {
            tx.execute(
                "UPDATE browser_sessions SET timeout_minutes = ?2, expires_at = ?3, modified_at = ?4
                 WHERE id = ?1 AND status = 'running'",
                params![id.as_str(), timeout_minutes, expires_at, clock::now()],
            )?;
            load(tx, &id)
        })
        .await
    }

    /// Says whether an open session keeps its storage when it ends.
    pub async fn set_generate_browser_profile(&self, id: &SessionId, keep: bool) -> Result<Session, StoreError> {
        let id = id.clone();
        self.write(move |tx| {
            tx.execute(
                "UPDATE browser_sessions SET generate_browser_profile = ?2, modified_at = ?3
                 WHERE id = ?1 AND status = 'running'",
                params![id.as_str(), keep, clock::now()],
            )?;
            load(tx, &id)
        })
        .await
    }

    /// Ends an open session with its status and why; an ended one stays as it ended.
    pub async fn end_session(
        &self,
        id: &SessionId,
        status: SessionStatus,
        reason: String,
    ) -> Result<Session, StoreError> {
        let id = id.clone();
        self.write(move |tx| {
            let now = clock::now();
            tx.execute(
                "UPDATE browser_sessions SET status = ?2, ended_reason = ?3, completed_at = ?4, modified_at = ?4
                 WHERE id = ?1 AND status = 'running'",
                params![id.as_str(), status.as_str(), reason, now],
            )?;
            load(tx, &id)
        })
        .await
    }

    /// Ends every session still marked open (a previous process left them): `interrupted`.
    pub async fn interrupt_open_sessions(&self, reason: &str) -> Result<usize, StoreError> {
        let reason = reason.to_owned();
        self.write(move |tx| {
            let now = clock::now();
            Ok(tx.execute(
                "UPDATE browser_sessions SET status = 'interrupted', ended_reason = ?1, completed_at = ?2, modified_at = ?2
                 WHERE status = 'running'",
                params![reason, now],
            )?)
        })
        .await
    }
}
