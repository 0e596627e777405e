//! UI sign-ins: each row is found by the SHA-256 of its session id, never by the id itself.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError, rows};
use crate::clock;
use crate::ids::ApiKeyId;

/// How long rows of sessions that are over are kept before a sign-in clears them away.
const KEEP_ENDED_DAYS: i64 = 30;

/// A session to store at sign-in.
#[derive(Debug, Clone)]
pub struct NewUiSession {
    pub id_hash: [u8; 32],
    /// The stored key signed in with; `None` for the configured key.
    pub api_key_id: Option<ApiKeyId>,
    pub key_name: String,
    /// With the configured key: what ties the session to that key's value.
    pub configured_key_check: Option<[u8; 32]>,
    pub csrf_token: String,
    pub expires_at: String,
}

/// A stored session, with whether the stored key it was opened with is revoked since.
#[derive(Debug, Clone)]
pub struct UiSessionRecord {
    pub api_key_id: Option<ApiKeyId>,
    pub key_name: String,
    pub configured_key_check: Option<Vec<u8>>,
    pub csrf_token: String,
    pub created_at: String,
    pub last_seen_at: String,
    pub expires_at: String,
    pub ended_at: Option<String>,
    /// The stored key is revoked (always false for the configured key).
    pub key_revoked: bool,
}

impl Store {
    /// Stores a new session, and clears away sessions over for more than a month.
    pub async fn insert_ui_session(&self, session: NewUiSession) -> Result<UiSessionRecord, StoreError> {
        self.write(move |tx| {
            let now = clock::now();
            let long_ago = clock::format(time::OffsetDateTime::now_utc() - time::Duration::days(KEEP_ENDED_DAYS));
            tx.execute("DELETE FROM ui_sessions WHERE COALESCE(ended_at, expires_at) < ?1", [&long_ago])?;
            tx.execute(
                "INSERT INTO ui_sessions (id_hash, api_key_id, key_name, configured_key_check, csrf_token,
                    created_at, last_seen_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
                params![
                    session.id_hash.to_vec(),
                    session.api_key_id.as_ref().map(ApiKeyId::as_str),
                    session.key_name,
                    session.configured_key_check.map(|check| check.to_vec()),
                    session.csrf_token,
                    now,
                    session.expires_at,
                ],
            )?;
            Ok(UiSessionRecord {
                api_key_id: session.api_key_id,
                key_name: session.key_name,
                configured_key_check: session.configured_key_check.map(|check| check.to_vec()),
                csrf_token: session.csrf_token,
                created_at: now.clone(),
                last_seen_at: now,
                expires_at: session.expires_at,
                ended_at: None,
                key_revoked: false,
            })
        })
        .await
    }

    /// The session whose id hashes to `id_hash`, if one was ever stored.
    pub async fn ui_session(&self, id_hash: [u8; 32]) -> Result<Option<UiSessionRecord>, StoreError> {
        self.read(move |connection| {
            let mut statement = connection.prepare_cached(
                "SELECT s.api_key_id, s.key_name, s.configured_key_check, s.csrf_token, s.created_at,
                        s.last_seen_at, s.expires_at, s.ended_at, k.revoked_at IS NOT NULL AS key_revoked
                 FROM ui_sessions s LEFT JOIN api_keys k ON k.id = s.api_key_id
                 WHERE s.id_hash = ?1",
            )?;
            let record = statement
                .query_row([id_hash.to_vec()], |row| {
                    Ok(UiSessionRecord {
                        api_key_id: rows::optional_parsed(row, "api_key_id", ApiKeyId::parse)?,
                        key_name: row.get("key_name")?,
                        configured_key_check: row.get("configured_key_check")?,
                        csrf_token: row.get("csrf_token")?,
                        created_at: row.get("created_at")?,
                        last_seen_at: row.get("last_seen_at")?,
                        expires_at: row.get("expires_at")?,
                        ended_at: row.get("ended_at")?,
                        key_revoked: row.get("key_revoked")?,
                    })
                })
                .optional()?;
            Ok(record)
        })
        .await
    }

    /// Notes that the session was used now.
    pub async fn touch_ui_session(&self, id_hash: [u8; 32]) -> Result<(), StoreError> {
        self.write(move |tx| {
            tx.execute(
                "UPDATE ui_sessions SET last_seen_at = ?2 WHERE id_hash = ?1",
                params![id_hash.to_vec(), clock::now()],
            )?;
            Ok(())
        })
        .await
    }

    /// Ends the session (sign-out); ending one that is over already changes nothing.
    pub async fn end_ui_session(&self, id_hash: [u8; 32]) -> Result<(), StoreError> {
        self.write(move |tx| {
            tx.execute(
                "UPDATE ui_sessions SET ended_at = ?2 WHERE id_hash = ?1 AND ended_at IS NULL",
                params![id_hash.to_vec(), clock::now()],
            )?;
            Ok(())
        })
        .await
    }
}
