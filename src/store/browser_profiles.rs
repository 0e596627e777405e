//! Browser profiles and runs' final storage, both kept sealed by the vault: the store never sees
//! a cookie or a local storage value in clear. Deleting a profile drops its sealed storage and
//! keeps the rest of the row.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Store, StoreError, rows};
use crate::clock;
use crate::ids::BrowserProfileId;
use crate::profiles::{BrowserProfile, ProfileChange};
use crate::vault::Sealed;

const COLUMNS: &str = "id, name, description, source_id, created_at, modified_at, deleted_at";

/// Which profiles a listing returns, newest first.
#[derive(Debug, Clone, Default)]
pub struct ProfileFilter {
    /// Case-insensitive substring of the name or the description.
    pub search: Option<String>,
    pub include_deleted: bool,
    /// 1-based.
    pub page: u32,
    pub page_size: u32,
}

fn profile_from_row(row: &Row<'_>) -> rusqlite::Result<BrowserProfile> {
    Ok(BrowserProfile {
        id: rows::parsed(row, "id", BrowserProfileId::parse)?,
        name: row.get("name")?,
        description: row.get("description")?,
        source_id: row.get("source_id")?,
        created_at: row.get("created_at")?,
        modified_at: row.get("modified_at")?,
        deleted_at: row.get("deleted_at")?,
    })
}

fn load(connection: &Connection, id: &BrowserProfileId) -> Result<BrowserProfile, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM browser_profiles WHERE id = ?1 AND deleted_at IS NULL");
    let found = connection.query_row(&sql, [id.as_str()], profile_from_row).optional()?;
    found.ok_or_else(|| StoreError::NotFound(format!("browser profile {id}")))
}

fn sealed_from(nonce: Option<Vec<u8>>, ciphertext: Option<Vec<u8>>, what: &str) -> Result<Sealed, StoreError> {
    match (nonce, ciphertext) {
        (Some(nonce), Some(ciphertext)) => Ok(Sealed { nonce, ciphertext }),
        _ => Err(StoreError::Corrupt(format!("{what} has no sealed storage"))),
    }
}

impl Store {
    /// Saves a new profile with its sealed storage.
    pub async fn insert_profile(
        &self,
        id: &BrowserProfileId,
        name: String,
        description: Option<String>,
        source_id: Option<String>,
        sealed: Sealed,
    ) -> Result<BrowserProfile, StoreError> {
        let id = id.clone();
        self.write(move |tx| {
            let now = clock::now();
            tx.execute(
                "INSERT INTO browser_profiles (id, name, description, source_id, sealed_nonce, sealed_storage,
                    created_at, modified_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                params![id.as_str(), name, description, source_id, sealed.nonce, sealed.ciphertext, now],
            )?;
            load(tx, &id)
        })
        .await
    }

    /// A live profile (a deleted one is not found).
    pub async fn profile(&self, id: &BrowserProfileId) -> Result<BrowserProfile, StoreError> {
        let id = id.clone();
        self.read(move |connection| load(connection, &id)).await
    }

    /// The live profile with this name, if any.
    pub async fn profile_named(&self, name: &str) -> Result<Option<BrowserProfileId>, StoreError> {
        let name = name.to_owned();
        self.read(move |connection| {
            let id: Option<String> = connection
                .query_row(
                    "SELECT id FROM browser_profiles WHERE name = ?1 AND deleted_at IS NULL LIMIT 1",
                    [name],
                    |row| row.get(0),
                )
                .optional()?;
            Ok(id.and_then(|id| BrowserProfileId::parse(&id).ok()))
        })
        .await
    }

    /// A page of profiles, newest first.
    pub async fn list_profiles(&self, filter: ProfileFilter) -> Result<Vec<BrowserProfile>, StoreError> {
        self.read(move |connection| {
            let pattern = filter.search.map(|text| format!("%{}%", rows::escape_like(&text)));
            let offset = u64::from(filter.page.saturating_sub(1)) * u64::from(filter.page_size);
            let sql = format!(
                "SELECT {COLUMNS} FROM browser_profiles
                 WHERE (?1 OR deleted_at IS NULL)
                   AND (?2 IS NULL OR name LIKE ?2 ESCAPE '\\' OR description LIKE ?2 ESCAPE '\\')
                 ORDER BY created_at DESC, id DESC LIMIT {} OFFSET {offset}",
                filter.page_size
            );
            let mut statement = connection.prepare(&sql)?;
            let profiles = statement
                .query_map(params![filter.include_deleted, pattern], profile_from_row)?
                .collect::<Result<_, _>>()?;
            Ok(profiles)
        })
        .await
    }

    /// Renames a live profile or changes its description; what the change leaves out stays.
    pub async fn update_profile(
        &self,
        id: &BrowserProfileId,
        change: ProfileChange,
    ) -> Result<BrowserProfile, StoreError> {
        let id = id.clone();
        self.write(move |tx| {
            load(tx, &id)?;
            tx.execute(
                "UPDATE browser_profiles SET name = COALESCE(?2, name), description = COALESCE(?3, description),
                    modified_at = ?4
                 WHERE id = ?1",
                params![id.as_str(), change.name, change.description, clock::now()],
            )?;
            load(tx, &id)
        })
        .await
    }

    /// Deletes a live profile: it leaves every listing but `include_deleted`, and its sealed
    /// storage is dropped.
    pub async fn delete_profile(&self, id: &BrowserProfileId) -> Result<(), StoreError> {
        let id = id.clone();
        self.write(move |tx| {
            load(tx, &id)?;
            let now = clock::now();
            tx.execute(
                "UPDATE browser_profiles SET sealed_nonce = NULL, sealed_storage = NULL, deleted_at = ?2,
                    modified_at = ?2
                 WHERE id = ?1",
                params![id.as_str(), now],
            )?;
            Ok(())
        })
        .await
    }

    /// A live profile's sealed storage, for the vault to open.
    pub async fn sealed_profile(&self, id: &BrowserProfileId) -> Result<Sealed, StoreError> {
        let id = id.clone();
        self.read(move |connection| {
            let found = connection
                .query_row(
                    "SELECT sealed_nonce, sealed_storage FROM browser_profiles WHERE id = ?1 AND deleted_at IS NULL",
                    [id.as_str()],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let (nonce, ciphertext) = found.ok_or_else(|| StoreError::NotFound(format!("browser profile {id}")))?;
            sealed_from(nonce, ciphertext, &format!("browser profile {id}"))
        })
        .await
    }

    /// Keeps the sealed storage a run or session had at its end (the last one kept wins).
    pub async fn keep_final_storage(&self, owner: &str, sealed: Sealed) -> Result<(), StoreError> {
        let owner = owner.to_owned();
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO final_storage (owner_id, sealed_nonce, sealed_storage, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (owner_id) DO UPDATE SET sealed_nonce = ?2, sealed_storage = ?3, created_at = ?4",
                params![owner, sealed.nonce, sealed.ciphertext, clock::now()],
            )?;
            Ok(())
        })
        .await
    }

    /// The sealed storage a run or session had at its end, if it was kept.
    pub async fn final_storage(&self, owner: &str) -> Result<Option<Sealed>, StoreError> {
        let owner = owner.to_owned();
        self.read(move |connection| {
            let found = connection
                .query_row(
                    "SELECT sealed_nonce, sealed_storage FROM final_storage WHERE owner_id = ?1",
                    [owner],
                    |row| Ok(Sealed { nonce: row.get(0)?, ciphertext: row.get(1)? }),
                )
                .optional()?;
            Ok(found)
        })
        .await
    }
}
