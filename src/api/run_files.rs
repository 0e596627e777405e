//! The files a new task run comes with, which become its `upload` artifacts in the same
//! transaction as the run: sent in the request (`files: {name: base64}`), named there by an
//! uploaded file's `s3_uri`, `presigned_url` or id, or, for a rerun, the uploads of the run it
//! repeats.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::AppState;
use super::error::{ApiError, Location, Problem};
use crate::artifacts::{Artifact, ArtifactType, extension_of};
use crate::ids::RunId;
use crate::runs::{NewRun, Run, TaskRequest};
use crate::store::StoreError;

/// One file of a new run.
pub(super) enum RunFile {
    /// Bytes sent in the request.
    Sent { name: String, bytes: Vec<u8> },
    /// A file the appliance keeps already, copied for the run.
    Kept { name: String, source: PathBuf },
}

/// The request's files: the uploaded files it names, else contents in base64; a bad one is
/// refused by its name.
pub(super) async fn requested(state: &AppState, request: &TaskRequest) -> Result<Vec<RunFile>, ApiError> {
    use base64::Engine as _;
    let mut files = Vec::new();
    for (name, value) in request.files.iter().flatten() {
        let value = value.as_deref().unwrap_or_default();
        let refused = |reason: String| {
            ApiError::invalid(Location::body_field("files").then(name.clone()), Problem::Value, reason)
        };
        let file = match state.files.named_by(value).await {
            Ok(Some(uploaded)) => RunFile::Kept { name: name.clone(), source: state.files.path_of(&uploaded) },
            Ok(None) => {
                let bytes = base64::engine::general_purpose::STANDARD.decode(value).map_err(|e| {
                    refused(format!("not base64 (nor an uploaded file's s3_uri, presigned_url or file_id): {e}"))
                })?;
                RunFile::Sent { name: name.clone(), bytes }
            }
            Err(StoreError::NotFound(what)) => return Err(refused(format!("{what} not found"))),
            Err(other) => return Err(other.into()),
        };
        files.push(file);
    }
    Ok(files)
}

/// The uploads of a run, for the run that repeats it.
pub(super) async fn uploads_of(state: &AppState, run_id: &RunId) -> Result<Vec<RunFile>, ApiError> {
    let uploads = state.store.run_artifacts(run_id, vec![ArtifactType::Upload]).await?;
    Ok(uploads
        .iter()
        .filter_map(|upload| {
            Some(RunFile::Kept { name: upload.filename.clone()?, source: state.artifacts.path_of(upload) })
        })
        .collect())
}

/// The contents of a run's uploads, by name.
pub(super) async fn upload_contents(state: &AppState, run_id: &RunId) -> Result<BTreeMap<String, Vec<u8>>, ApiError> {
    let mut contents = BTreeMap::new();
    for upload in state.store.run_artifacts(run_id, vec![ArtifactType::Upload]).await? {
        let bytes = tokio::fs::read(state.artifacts.path_of(&upload)).await.map_err(|e| ApiError::internal(&e))?;
        contents.insert(upload.filename.unwrap_or_default(), bytes);
    }
    Ok(contents)
}

/// Writes the run's files, then stores the run with them in one transaction: a run exists with
/// all its files or not at all (what was written is removed again).
pub(super) async fn store_with_files(state: &AppState, new_run: NewRun, files: Vec<RunFile>) -> Result<Run, ApiError> {
    let run_id = new_run.id.clone();
    let mut kept: Vec<Artifact> = Vec::new();
    for file in files {
        let written = match file {
            RunFile::Sent { name, bytes } => {
                let extension = extension_of(&name).to_owned();
                state.artifacts.write(&run_id, None, ArtifactType::Upload, &extension, Some(name), bytes).await
            }
            RunFile::Kept { name, source } => state.artifacts.copy(&run_id, ArtifactType::Upload, name, &source).await,
        };
        match written {
            Ok(artifact) => kept.push(artifact),
            Err(error) => {
                state.artifacts.discard_run_files(&run_id).await;
                return Err(ApiError::storage(&error));
            }
        }
    }
    let stored = state.store.insert_queued_run(new_run, kept).await;
    if stored.is_err() {
        state.artifacts.discard_run_files(&run_id).await;
    }
    Ok(stored?)
}
