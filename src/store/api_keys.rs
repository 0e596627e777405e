//! API keys: only SHA-256 hashes are stored; lookups compare every active hash in constant time.

use rusqlite::params;

use super::{Store, StoreError, rows};
use crate::clock;
use crate::ids::ApiKeyId;

/// A stored key, without the key.
#[derive(Debug, Clone)]
pub struct ApiKeyRecord {
    pub id: ApiKeyId,
    pub name: String,
    pub key_prefix: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

impl Store {
    pub async fn insert_api_key(
        &self,
        name: &str,
        key_hash: [u8; 32],
        key_prefix: &str,
    ) -> Result<ApiKeyRecord, StoreError> {
        let (name, key_prefix) = (name.to_owned(), key_prefix.to_owned());
        self.write(move |tx| {
            let record =
                ApiKeyRecord { id: ApiKeyId::generate(), name, key_prefix, created_at: clock::now(), revoked_at: None };
            tx.execute(
                "INSERT INTO api_keys (id, name, key_hash, key_prefix, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![record.id.as_str(), record.name, key_hash.to_vec(), record.key_prefix, record.created_at],
            )?;
            Ok(record)
        })
        .await
    }

    pub async fn api_keys(&self) -> Result<Vec<ApiKeyRecord>, StoreError> {
        self.read(|connection| {
            let mut statement = connection
                .prepare("SELECT id, name, key_prefix, created_at, revoked_at FROM api_keys ORDER BY created_at")?;
            let keys = statement.query_map([], record_from_row)?.collect::<Result<_, _>>()?;
            Ok(keys)
        })
        .await
    }

    /// One key's record, revoked or not.
    pub async fn api_key(&self, id: &ApiKeyId) -> Result<ApiKeyRecord, StoreError> {
        let id = id.clone();
        self.read(move |connection| {
            let found = connection.query_row(
                "SELECT id, name, key_prefix, created_at, revoked_at FROM api_keys WHERE id = ?1",
                [id.as_str()],
                record_from_row,
            );
            rows::found(found, || format!("API key {id}"))
        })
        .await
    }

    /// The hash, id and name of every key not revoked.
    pub async fn active_api_key_hashes(&self) -> Result<Vec<(Vec<u8>, ApiKeyId, String)>, StoreError> {
        self.read(|connection| {
            let mut statement =
                connection.prepare_cached("SELECT key_hash, id, name FROM api_keys WHERE revoked_at IS NULL")?;
            let keys = statement
                .query_map([], |row| Ok((row.get(0)?, rows::parsed(row, "id", ApiKeyId::parse)?, row.get(2)?)))?
                .collect::<Result<_, _>>()?;
            Ok(keys)
        })
        .await
    }

    /// Revokes a key and ends the UI sessions opened with it; `NotFound` when no active key has
    /// that id.
    pub async fn revoke_api_key(&self, id: &ApiKeyId) -> Result<(), StoreError> {
        let id = id.clone();
        self.write(move |tx| {
            let now = clock::now();
            let changed = tx.execute(
                "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                params![id.as_str(), now],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("active API key {id}")));
            }
            tx.execute(
                "UPDATE ui_sessions SET ended_at = ?2 WHERE api_key_id = ?1 AND ended_at IS NULL",
                params![id.as_str(), now],
            )?;
            Ok(())
        })
        .await
    }
}

fn record_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ApiKeyRecord> {
    Ok(ApiKeyRecord {
        id: rows::parsed(row, "id", ApiKeyId::parse)?,
        name: row.get("name")?,
        key_prefix: row.get("key_prefix")?,
        created_at: row.get("created_at")?,
        revoked_at: row.get("revoked_at")?,
    })
}
