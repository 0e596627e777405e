//! Browser sessions: opened, extended, ended once (an ended session never opens again), and the
//! ones a previous process left open ended at start-up; and the recordings of their time between
//! runs.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Store, StoreError, rows};
use crate::artifacts::SessionRecording;
use crate::clock;
use crate::ids::{ArtifactId, SessionId};
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

const RECORDING_COLUMNS: &str = "id, session_id, relative_path, size_bytes, sha256, created_at";

fn recording_from_row(row: &Row<'_>) -> rusqlite::Result<SessionRecording> {
    Ok(SessionRecording {
        id: rows::parsed(row, "id", ArtifactId::parse)?,
        session_id: rows::parsed(row, "session_id", SessionId::parse)?,
        relative_path: row.get("relative_path")?,
        size_bytes: row.get("size_bytes")?,
        sha256: row.get("sha256")?,
        created_at: row.get("created_at")?,
    })
}

impl Store {
    pub async fn insert_session_recording(&self, recording: SessionRecording) -> Result<SessionRecording, StoreError> {
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO session_recordings (id, session_id, relative_path, size_bytes, sha256, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    recording.id.as_str(),
                    recording.session_id.as_str(),
                    recording.relative_path,
                    recording.size_bytes,
                    recording.sha256,
                    recording.created_at,
                ],
            )?;
            Ok(recording)
        })
        .await
    }

    /// A session's recordings, oldest first.
    pub async fn session_recordings(&self, session_id: &SessionId) -> Result<Vec<SessionRecording>, StoreError> {
        let session_id = session_id.clone();
        self.read(move |connection| {
            let sql = format!(
                "SELECT {RECORDING_COLUMNS} FROM session_recordings WHERE session_id = ?1 ORDER BY created_at, id"
            );
            let mut statement = connection.prepare_cached(&sql)?;
            let found = statement.query_map([session_id.as_str()], recording_from_row)?.collect::<Result<_, _>>()?;
            Ok(found)
        })
        .await
    }

    /// One of a session's recordings.
    pub async fn session_recording(
        &self,
        session_id: &SessionId,
        id: &ArtifactId,
    ) -> Result<SessionRecording, StoreError> {
        let (session_id, id) = (session_id.clone(), id.clone());
        self.read(move |connection| {
            let sql = format!("SELECT {RECORDING_COLUMNS} FROM session_recordings WHERE id = ?1 AND session_id = ?2");
            let found = connection.query_row(&sql, [id.as_str(), session_id.as_str()], recording_from_row);
            rows::found(found, || format!("recording {id} of browser session {session_id}"))
        })
        .await
    }
}
