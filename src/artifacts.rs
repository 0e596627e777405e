//! Artifacts: the files a run leaves (screenshots, scripts, …), kept under
//! `<data_dir>/artifacts/<run_id>/` with a row in the store for each; and a browser session's
//! recordings, under `<data_dir>/artifacts/sessions/<session_id>/`.

use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::clock;
use crate::ids::{ArtifactId, RunId, SessionId, StepRunId};
use crate::store::{Store, StoreError};

/// Skyvern's artifact types that this appliance writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArtifactType {
    /// Taken on request by a `screenshot` action.
    Screenshot,
    /// Taken after each action.
    ScreenshotAction,
    /// Shown to the model at a step.
    ScreenshotLlm,
    /// The action script a code run executed, or the one an agent run leaves.
    ScriptFile,
    /// A file the run downloaded.
    Download,
    /// A file given with the run for upload actions.
    Upload,
    /// The video of the run's browser.
    Recording,
}

impl ArtifactType {
    pub const ALL: [ArtifactType; 7] = [
        ArtifactType::Screenshot,
        ArtifactType::ScreenshotAction,
        ArtifactType::ScreenshotLlm,
        ArtifactType::ScriptFile,
        ArtifactType::Download,
        ArtifactType::Upload,
        ArtifactType::Recording,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactType::Screenshot => "screenshot",
            ArtifactType::ScreenshotAction => "screenshot_action",
            ArtifactType::ScreenshotLlm => "screenshot_llm",
            ArtifactType::ScriptFile => "script_file",
            ArtifactType::Download => "download",
            ArtifactType::Upload => "upload",
            ArtifactType::Recording => "recording",
        }
    }

    pub fn parse(text: &str) -> Option<ArtifactType> {
        ArtifactType::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// Skyvern's artifact types that this appliance never keeps: a filter may name them (and
    /// matches nothing), as Skyvern's clients may ask for any of its types.
    pub const SKYVERN_ONLY: [&'static str; 26] = [
        "audio",
        "session_replay",
        "browser_console_log",
        "skyvern_log",
        "skyvern_log_raw",
        "screenshot_final",
        "llm_prompt",
        "llm_request",
        "llm_response",
        "llm_response_parsed",
        "llm_response_rendered",
        "visible_elements_id_css_map",
        "visible_elements_id_frame_map",
        "visible_elements_tree",
        "visible_elements_tree_trimmed",
        "visible_elements_tree_in_prompt",
        "hashed_href_map",
        "visible_elements_id_xpath_map",
        "html",
        "html_scrape",
        "html_action",
        "trace",
        "har",
        "pdf",
        "step_archive",
        "task_archive",
    ];

    /// Whether the appliance made the bytes itself (pictures Chromium rendered, videos ffmpeg
    /// encoded), so a browser may show them inline. Everything else holds bytes a website or a
    /// caller chose (downloads, uploads; scripts carry a model's or a caller's text) and is only
    /// ever handed out as a download. A new type must be placed here on purpose.
    pub fn made_by_the_appliance(self) -> bool {
        match self {
            ArtifactType::Screenshot
            | ArtifactType::ScreenshotAction
            | ArtifactType::ScreenshotLlm
            | ArtifactType::Recording => true,
            ArtifactType::ScriptFile | ArtifactType::Download | ArtifactType::Upload => false,
        }
    }

    /// Whether the artifact is a picture of the page (listed in `screenshot_urls`).
    pub fn is_screenshot(self) -> bool {
        matches!(self, ArtifactType::Screenshot | ArtifactType::ScreenshotAction | ArtifactType::ScreenshotLlm)
    }
}

/// A stored artifact's metadata.
#[derive(Debug, Clone)]
pub struct Artifact {
    pub id: ArtifactId,
    pub run_id: RunId,
    pub step_run_id: Option<StepRunId>,
    pub artifact_type: ArtifactType,
    /// Below the artifacts folder; built by the appliance, never from request input.
    pub relative_path: String,
    pub content_type: String,
    /// The file's own name, for downloads.
    pub filename: Option<String>,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: String,
}

/// A video of a browser session's time between runs, while a person drove it.
#[derive(Debug, Clone)]
pub struct SessionRecording {
    pub id: ArtifactId,
    pub session_id: SessionId,
    /// Below the artifacts folder.
    pub relative_path: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: String,
}

/// What went wrong keeping an artifact.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    #[error("cannot write artifact file {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Writes artifact files and records them.
#[derive(Clone)]
pub struct ArtifactFiles {
    root: PathBuf,
    store: Store,
}

impl ArtifactFiles {
    pub fn new(root: PathBuf, store: Store) -> ArtifactFiles {
        ArtifactFiles { root, store }
    }

    /// The file behind an artifact.
    pub fn path_of(&self, artifact: &Artifact) -> PathBuf {
        self.root.join(&artifact.relative_path)
    }

    /// Where the run's files go.
    pub fn run_dir(&self, run_id: &RunId) -> PathBuf {
        self.root.join(run_id.as_str())
    }

    /// The runs that have a folder of files, read off the async threads.
    pub async fn runs_with_folders(&self) -> Vec<RunId> {
        let root = self.root.clone();
        let names = tokio::task::spawn_blocking(move || {
            let entries = std::fs::read_dir(root).into_iter().flatten().flatten();
            entries.filter_map(|entry| entry.file_name().into_string().ok()).collect::<Vec<_>>()
        });
        let names = names.await.unwrap_or_default();
        names.iter().filter_map(|name| RunId::parse(name).ok()).collect()
    }

    /// Where a browser session's recordings go.
    pub fn session_dir(&self, session_id: &SessionId) -> PathBuf {
        self.root.join("sessions").join(session_id.as_str())
    }

    /// The file behind a session's recording.
    pub fn session_recording_path(&self, recording: &SessionRecording) -> PathBuf {
        self.root.join(&recording.relative_path)
    }

    /// Records a video already written in the session's folder as one of its recordings.
    pub async fn adopt_session_recording(
        &self,
        session_id: &SessionId,
        path: &Path,
    ) -> Result<SessionRecording, ArtifactError> {
        let (sha256, size_bytes) =
            digest_of(path).await.map_err(|source| ArtifactError::Write { path: path.to_owned(), source })?;
        let recording = SessionRecording {
            id: ArtifactId::generate(),
            session_id: session_id.clone(),
            relative_path: path.strip_prefix(&self.root).unwrap_or(path).to_string_lossy().into_owned(),
            size_bytes,
            sha256,
            created_at: clock::now(),
        };
        Ok(self.store.insert_session_recording(recording).await?)
    }

    /// Records a file already written in the run's folder as an artifact of the run.
    pub async fn adopt(
        &self,
        run_id: &RunId,
        artifact_type: ArtifactType,
        path: &Path,
    ) -> Result<Artifact, ArtifactError> {
        let relative_path = path.strip_prefix(&self.root).unwrap_or(path).to_string_lossy().into_owned();
        let extension = path.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_default();
        let (sha256, size_bytes) =
            digest_of(path).await.map_err(|source| ArtifactError::Write { path: path.to_owned(), source })?;
        let artifact = Artifact {
            id: ArtifactId::generate(),
            run_id: run_id.clone(),
            step_run_id: None,
            artifact_type,
            relative_path,
            content_type: content_type_of(&extension),
            filename: None,
            size_bytes,
            sha256,
            created_at: clock::now(),
        };
        Ok(self.store.insert_artifact(artifact).await?)
    }

    /// Writes `bytes` as a new artifact of the run and records it.
    pub async fn save(
        &self,
        run_id: &RunId,
        step_run_id: Option<&StepRunId>,
        artifact_type: ArtifactType,
        extension: &str,
        bytes: Vec<u8>,
    ) -> Result<Artifact, ArtifactError> {
        let artifact = self.write(run_id, step_run_id, artifact_type, extension, None, bytes).await?;
        self.record(artifact).await
    }

    /// Records an artifact whose file `write` wrote.
    pub async fn record(&self, artifact: Artifact) -> Result<Artifact, ArtifactError> {
        Ok(self.store.insert_artifact(artifact).await?)
    }

    /// Writes `bytes` as a new artifact file of the run, under its own name when it has one (a
    /// download's, an upload's), without recording it: the caller records it (`record`, or with
    /// the new run it belongs to, in one transaction).
    pub async fn write(
        &self,
        run_id: &RunId,
        step_run_id: Option<&StepRunId>,
        artifact_type: ArtifactType,
        extension: &str,
        filename: Option<String>,
        bytes: Vec<u8>,
    ) -> Result<Artifact, ArtifactError> {
        let id = ArtifactId::generate();
        let relative_path = placed(run_id, &id, filename.as_deref(), extension);
        let path = self.root.join(&relative_path);
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let size_bytes = bytes.len() as i64;
        write_file(&path, bytes).await.map_err(|source| ArtifactError::Write { path: path.clone(), source })?;
        Ok(Artifact {
            id,
            run_id: run_id.clone(),
            step_run_id: step_run_id.cloned(),
            artifact_type,
            relative_path,
            content_type: content_type_of(extension),
            filename,
            size_bytes,
            sha256,
            created_at: clock::now(),
        })
    }

    /// Copies the file at `source` as a new artifact file of the run, under its own name, without
    /// recording it (as `write`): a file kept elsewhere (an uploaded file, another run's upload)
    /// becomes the run's own, so the run keeps it whatever becomes of the original.
    pub async fn copy(
        &self,
        run_id: &RunId,
        artifact_type: ArtifactType,
        filename: String,
        source: &Path,
    ) -> Result<Artifact, ArtifactError> {
        let id = ArtifactId::generate();
        let extension = extension_of(&filename);
        let relative_path = placed(run_id, &id, Some(&filename), extension);
        let path = self.root.join(&relative_path);
        let fail = |source| ArtifactError::Write { path: path.clone(), source };
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(fail)?;
        }
        tokio::fs::copy(source, &path).await.map_err(fail)?;
        let (sha256, size_bytes) = digest_of(&path).await.map_err(fail)?;
        Ok(Artifact {
            id,
            run_id: run_id.clone(),
            step_run_id: None,
            artifact_type,
            relative_path,
            content_type: content_type_of(extension),
            filename: Some(filename),
            size_bytes,
            sha256,
            created_at: clock::now(),
        })
    }

    /// Removes whatever was written for a run that is not kept after all.
    pub async fn discard_run_files(&self, run_id: &RunId) {
        remove_folder(&self.run_dir(run_id)).await;
    }
}

/// Removes a folder of files that are not kept after all (a warning if it cannot be).
pub async fn remove_folder(folder: &Path) {
    if let Err(error) = tokio::fs::remove_dir_all(folder).await
        && error.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(folder = %folder.display(), %error, "could not remove files that are not kept");
    }
}

/// Where an artifact's file goes, below the artifacts folder. A named file keeps its name on disk
/// too, so a browser given it sees that name.
fn placed(run_id: &RunId, id: &ArtifactId, filename: Option<&str>, extension: &str) -> String {
    match filename {
        Some(name) => format!("{run_id}/{id}/{}", safe_file_name(name)),
        None => format!("{run_id}/{id}.{extension}"),
    }
}

/// The SHA-256 (hex) and size of a file, read off the async threads.
async fn digest_of(path: &Path) -> std::io::Result<(String, i64)> {
    let read = path.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut file = std::fs::File::open(&read)?;
        let mut hasher = Sha256::new();
        let size = std::io::copy(&mut file, &mut hasher)?;
        Ok((hex::encode(hasher.finalize()), size as i64))
    })
    .await
    .map_err(|join| std::io::Error::other(join.to_string()))?
}

async fn write_file(path: &Path, bytes: Vec<u8>) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        tokio::fs::create_dir_all(parent).await?;
    }
    tokio::fs::write(path, bytes).await
}

/// A file name without path separators or a leading dot, at most 200 characters.
pub fn safe_file_name(name: &str) -> String {
    let cleaned: String =
        name.chars().map(|c| if c == '/' || c == '\\' || c.is_control() { '_' } else { c }).take(200).collect();
    let cleaned = cleaned.trim_start_matches('.').to_owned();
    if cleaned.is_empty() { "file".into() } else { cleaned }
}

/// The extension of a file name (`bin` when it has none), which gives its content type.
pub fn extension_of(name: &str) -> &str {
    name.rsplit_once('.').map_or("bin", |(_, extension)| extension)
}

/// The content type of files with this extension.
pub fn content_type_of(extension: &str) -> String {
    mime_guess::from_ext(extension).first_or_octet_stream().essence_str().to_owned()
}
