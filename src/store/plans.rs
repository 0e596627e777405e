//! Plans and their versions: saving a plan adds a version in the same transaction as the plan's
//! newest title and version number, so a list never shows a plan without its newest version.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Store, StoreError, rows};
use crate::clock;
use crate::ids::{PlanId, PlanVersionId};
use crate::plans::StoredPlan;

const VERSION_COLUMNS: &str = "v.id, v.plan_id, v.version, v.title, v.request_json, v.created_at,
    p.created_at AS plan_created_at, p.deleted_at";

fn plan_from_row(row: &Row<'_>) -> rusqlite::Result<StoredPlan> {
    Ok(StoredPlan {
        version_id: rows::parsed(row, "id", PlanVersionId::parse)?,
        plan_id: rows::parsed(row, "plan_id", PlanId::parse)?,
        version: row.get("version")?,
        title: row.get("title")?,
        request: rows::json(row, "request_json")?,
        plan_created_at: row.get("plan_created_at")?,
        version_created_at: row.get("created_at")?,
        deleted_at: row.get("deleted_at")?,
    })
}

/// Which plans a listing returns.
#[derive(Debug, Clone, Default)]
pub struct PlanFilter {
    /// Case-insensitive substring of the title.
    pub title: Option<String>,
    /// 1-based.
    pub page: u32,
    pub page_size: u32,
}

fn insert_version(
    connection: &Connection,
    plan_id: &PlanId,
    version: i64,
    title: &str,
    request: &serde_json::Value,
    now: &str,
) -> Result<StoredPlan, StoreError> {
    let version_id = PlanVersionId::generate();
    connection.execute(
        "INSERT INTO plan_versions (id, plan_id, version, title, request_json, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![version_id.as_str(), plan_id.as_str(), version, title, request.to_string(), now],
    )?;
    load_version(connection, plan_id, Some(version))
}

/// A version of a live plan (the newest when `version` is `None`).
fn load_version(connection: &Connection, plan_id: &PlanId, version: Option<i64>) -> Result<StoredPlan, StoreError> {
    let sql = format!(
        "SELECT {VERSION_COLUMNS} FROM plan_versions v JOIN plans p ON p.id = v.plan_id
         WHERE v.plan_id = ?1 AND v.version = COALESCE(?2, p.latest_version) AND p.deleted_at IS NULL"
    );
    let found = connection.query_row(&sql, params![plan_id.as_str(), version], plan_from_row).optional()?;
    found.ok_or_else(|| {
        StoreError::NotFound(match version {
            Some(version) => format!("version {version} of plan {plan_id}"),
            None => format!("plan {plan_id}"),
        })
    })
}

impl Store {
    /// Saves a new plan as its version 1.
    pub async fn create_plan(&self, title: String, request: serde_json::Value) -> Result<StoredPlan, StoreError> {
        self.write(move |tx| {
            let (plan_id, now) = (PlanId::generate(), clock::now());
            tx.execute(
                "INSERT INTO plans (id, title, latest_version, created_at, modified_at) VALUES (?1, ?2, 1, ?3, ?3)",
                params![plan_id.as_str(), title, now],
            )?;
            insert_version(tx, &plan_id, 1, &title, &request, &now)
        })
        .await
    }

    /// Saves a new version of a live plan; earlier versions stay as they were.
    pub async fn update_plan(
        &self,
        plan_id: &PlanId,
        title: String,
        request: serde_json::Value,
    ) -> Result<StoredPlan, StoreError> {
        let plan_id = plan_id.clone();
        self.write(move |tx| {
            let current = load_version(tx, &plan_id, None)?;
            let (version, now) = (current.version + 1, clock::now());
            tx.execute(
                "UPDATE plans SET title = ?2, latest_version = ?3, modified_at = ?4 WHERE id = ?1",
                params![plan_id.as_str(), title, version, now],
            )?;
            insert_version(tx, &plan_id, version, &title, &request, &now)
        })
        .await
    }

    /// A live plan's newest version, or the version asked for.
    pub async fn plan(&self, plan_id: &PlanId, version: Option<i64>) -> Result<StoredPlan, StoreError> {
        let plan_id = plan_id.clone();
        self.read(move |connection| load_version(connection, &plan_id, version)).await
    }

    /// One version, by its id, even of a deleted plan: a run keeps the version it started with.
    pub async fn plan_version(&self, version_id: &PlanVersionId) -> Result<StoredPlan, StoreError> {
        let version_id = version_id.clone();
        self.read(move |connection| {
            let sql = format!(
                "SELECT {VERSION_COLUMNS} FROM plan_versions v JOIN plans p ON p.id = v.plan_id WHERE v.id = ?1"
            );
            let found = connection.query_row(&sql, [version_id.as_str()], plan_from_row).optional()?;
            found.ok_or_else(|| StoreError::NotFound(format!("plan version {version_id}")))
        })
        .await
    }

    /// Every version of a live plan, newest first.
    pub async fn plan_versions(&self, plan_id: &PlanId) -> Result<Vec<StoredPlan>, StoreError> {
        let plan_id = plan_id.clone();
        self.read(move |connection| {
            load_version(connection, &plan_id, None)?;
            let sql = format!(
                "SELECT {VERSION_COLUMNS} FROM plan_versions v JOIN plans p ON p.id = v.plan_id
                 WHERE v.plan_id = ?1 ORDER BY v.version DESC"
            );
            let mut statement = connection.prepare(&sql)?;
            let versions = statement.query_map([plan_id.as_str()], plan_from_row)?.collect::<Result<_, _>>()?;
            Ok(versions)
        })
        .await
    }

    /// Live plans (their newest versions), most recently saved first.
    pub async fn list_plans(&self, filter: PlanFilter) -> Result<Vec<StoredPlan>, StoreError> {
        self.read(move |connection| {
            let pattern = filter.title.map(|title| format!("%{}%", rows::escape_like(&title)));
            let offset = u64::from(filter.page.saturating_sub(1)) * u64::from(filter.page_size);
            let sql = format!(
                "SELECT {VERSION_COLUMNS} FROM plans p JOIN plan_versions v ON v.plan_id = p.id AND v.version = p.latest_version
                 WHERE p.deleted_at IS NULL AND (?1 IS NULL OR p.title LIKE ?1 ESCAPE '\\')
                 ORDER BY p.modified_at DESC, p.id DESC LIMIT {} OFFSET {offset}",
                filter.page_size
            );
            let mut statement = connection.prepare(&sql)?;
            let plans = statement.query_map([pattern], plan_from_row)?.collect::<Result<_, _>>()?;
            Ok(plans)
        })
        .await
    }

    /// Deletes a live plan: it leaves every listing and can no longer be run or updated; its
    /// versions stay for the runs that used them.
    pub async fn delete_plan(&self, plan_id: &PlanId) -> Result<(), StoreError> {
        let plan_id = plan_id.clone();
        self.write(move |tx| {
            let deleted = tx.execute(
                "UPDATE plans SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
                params![plan_id.as_str(), clock::now()],
            )?;
            if deleted == 0 {
                return Err(StoreError::NotFound(format!("plan {plan_id}")));
            }
            Ok(())
        })
        .await
    }

    /// The titles of the plan versions `version_ids` (those that exist), for lists of runs.
    pub async fn plan_version_titles(
        &self,
        version_ids: Vec<PlanVersionId>,
    ) -> Result<std::collections::HashMap<PlanVersionId, String>, StoreError> {
        if version_ids.is_empty() {
            return Ok(Default::default());
        }
        self.read(move |connection| {
            let sql =
                format!("SELECT id, title FROM plan_versions WHERE id IN ({})", super::placeholders(version_ids.len()));
            let mut statement = connection.prepare(&sql)?;
            let titles = statement
                .query_map(rusqlite::params_from_iter(version_ids.iter().map(PlanVersionId::as_str)), |row| {
                    Ok((rows::parsed(row, "id", PlanVersionId::parse)?, row.get("title")?))
                })?
                .collect::<Result<_, _>>()?;
            Ok(titles)
        })
        .await
    }
}
