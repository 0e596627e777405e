//! Artifact records: which file of which run, of what type; the bytes live in the artifact folder.

use rusqlite::{Connection, Row, params};
use serde_json::json;

use super::{Store, StoreError, events, rows};
use crate::artifacts::{Artifact, ArtifactType};
use crate::events::EventKind;
use crate::ids::{ArtifactId, RunId, SessionId, StepId, StepRunId};

const ARTIFACT_COLUMNS: &str =
    "id, run_id, step_run_id, artifact_type, relative_path, content_type, filename, size_bytes, sha256, created_at";

fn artifact_from_row(row: &Row<'_>) -> rusqlite::Result<Artifact> {
    Ok(Artifact {
        id: rows::parsed(row, "id", ArtifactId::parse)?,
        run_id: rows::parsed(row, "run_id", RunId::parse)?,
        step_run_id: rows::optional_parsed(row, "step_run_id", StepRunId::parse)?,
        artifact_type: rows::parsed(row, "artifact_type", |t| ArtifactType::parse(t).ok_or("unknown type"))?,
        relative_path: row.get("relative_path")?,
        content_type: row.get("content_type")?,
        filename: row.get("filename")?,
        size_bytes: row.get("size_bytes")?,
        sha256: row.get("sha256")?,
        created_at: row.get("created_at")?,
    })
}

/// Every artifact of a run, oldest first.
pub(super) fn of_run(connection: &Connection, run_id: &RunId) -> Result<Vec<Artifact>, StoreError> {
    let sql = format!("SELECT {ARTIFACT_COLUMNS} FROM artifacts WHERE run_id = ?1 ORDER BY created_at, id");
    let mut statement = connection.prepare_cached(&sql)?;
    let all = statement.query_map([run_id.as_str()], artifact_from_row)?.collect::<Result<_, _>>()?;
    Ok(all)
}

fn load_artifact(connection: &Connection, id: &ArtifactId) -> Result<Artifact, StoreError> {
    let sql = format!("SELECT {ARTIFACT_COLUMNS} FROM artifacts WHERE id = ?1");
    rows::found(connection.query_row(&sql, [id.as_str()], artifact_from_row), || format!("artifact {id}"))
}

/// Records an artifact inside the caller's transaction.
pub(super) fn insert(connection: &Connection, artifact: &Artifact) -> Result<(), StoreError> {
    connection.execute(
        "INSERT INTO artifacts (id, run_id, step_run_id, artifact_type, relative_path, content_type,
            filename, size_bytes, sha256, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            artifact.id.as_str(),
            artifact.run_id.as_str(),
            artifact.step_run_id.as_ref().map(StepRunId::as_str),
            artifact.artifact_type.as_str(),
            artifact.relative_path,
            artifact.content_type,
            artifact.filename,
            artifact.size_bytes,
            artifact.sha256,
            artifact.created_at,
        ],
    )?;
    let kept = json!({
        "run_id": artifact.run_id,
        "artifact_id": artifact.id,
        "artifact_type": artifact.artifact_type,
        "step_run_id": artifact.step_run_id,
        "content_type": artifact.content_type,
        "filename": artifact.filename,
        "size_bytes": artifact.size_bytes,
        "created_at": artifact.created_at,
    });
    events::append(connection, &artifact.run_id, EventKind::Artifact, &kept)?;
    Ok(())
}

impl Store {
    pub async fn insert_artifact(&self, artifact: Artifact) -> Result<Artifact, StoreError> {
        self.write(move |tx| {
            insert(tx, &artifact)?;
            load_artifact(tx, &artifact.id)
        })
        .await
    }

    pub async fn artifact(&self, id: &ArtifactId) -> Result<Artifact, StoreError> {
        let id = id.clone();
        self.read(move |connection| load_artifact(connection, &id)).await
    }

    /// A run's artifacts, oldest first, optionally only of some types.
    pub async fn run_artifacts(&self, run_id: &RunId, types: Vec<ArtifactType>) -> Result<Vec<Artifact>, StoreError> {
        let run_id = run_id.clone();
        self.read(move |connection| {
            let all = of_run(connection, &run_id)?;
            Ok(all.into_iter().filter(|a| types.is_empty() || types.contains(&a.artifact_type)).collect())
        })
        .await
    }

    /// The files the runs on a browser session downloaded, oldest first.
    pub async fn session_downloads(&self, session_id: &SessionId) -> Result<Vec<Artifact>, StoreError> {
        let session_id = session_id.clone();
        self.read(move |connection| {
            let columns = ARTIFACT_COLUMNS.split(", ").map(|c| format!("a.{c}")).collect::<Vec<_>>().join(", ");
            let sql = format!(
                "SELECT {columns} FROM artifacts a JOIN runs r ON r.id = a.run_id
                 WHERE r.browser_session_id = ?1 AND a.artifact_type = 'download'
                 ORDER BY a.created_at, a.id"
            );
            let mut statement = connection.prepare_cached(&sql)?;
            let found = statement.query_map([session_id.as_str()], artifact_from_row)?.collect::<Result<_, _>>()?;
            Ok(found)
        })
        .await
    }

    /// The files a step's attempts and the steps under it (a plan block's agent steps) downloaded.
    pub async fn step_downloads(&self, step_id: &StepId) -> Result<Vec<Artifact>, StoreError> {
        let step_id = step_id.clone();
        self.read(move |connection| {
            let columns = ARTIFACT_COLUMNS.split(", ").map(|c| format!("a.{c}")).collect::<Vec<_>>().join(", ");
            let sql = format!(
                "SELECT {columns} FROM artifacts a
                 JOIN step_runs r ON r.id = a.step_run_id
                 JOIN steps s ON s.id = r.step_id
                 WHERE (s.id = ?1 OR s.parent_step_id = ?1) AND a.artifact_type = 'download'
                 ORDER BY a.created_at, a.id"
            );
            let mut statement = connection.prepare_cached(&sql)?;
            let found = statement.query_map([step_id.as_str()], artifact_from_row)?.collect::<Result<_, _>>()?;
            Ok(found)
        })
        .await
    }
}
