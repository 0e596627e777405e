//! Uploaded files (`POST /v1/upload_file`): each kept under `<data_dir>/uploads/<file_id>/<name>`
//! with a row in the store, for later runs to use (a task run's `files`, a plan's `file_url`
//! parameters). A request names one by its `s3_uri` (`skyvern-file://file_…`), by its
//! `presigned_url` (this appliance's link to its content) or by its id. A kept file never changes.

use std::path::PathBuf;

use futures::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::artifacts::{content_type_of, extension_of, remove_folder, safe_file_name};
use crate::clock;
use crate::ids::FileId;
use crate::store::{Store, StoreError};
use crate::views::Links;

/// How an uploaded file's `s3_uri` begins.
const URI_SCHEME: &str = "skyvern-file://";

/// The name of a file sent without one (the SDK sends the content as a plain form field).
const UNNAMED: &str = "file";

/// A kept file's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedFile {
    pub id: FileId,
    /// The name it was sent with, made safe for a file system.
    pub filename: String,
    /// Below the uploads folder; built by the appliance, never from request input.
    pub relative_path: String,
    /// From the file's name.
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: String,
}

impl UploadedFile {
    /// Skyvern's `s3_uri`: a name of the file that does not depend on the address the appliance
    /// is reached at.
    pub fn uri(&self) -> String {
        format!("{URI_SCHEME}{}", self.id)
    }
}

/// The id a `skyvern-file://` URI or a bare id names; `None` for any other text.
pub fn id_in_uri_or_id(text: &str) -> Option<FileId> {
    FileId::parse(text.strip_prefix(URI_SCHEME).unwrap_or(text)).ok()
}

/// A file written to disk and not yet recorded.
pub struct Received {
    file: UploadedFile,
    folder: PathBuf,
}

/// What went wrong keeping a file.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("the file is larger than {limit} bytes (server.max_upload_bytes)")]
    TooLarge { limit: u64 },
    /// The request ended before the file did.
    #[error("the file could not be read from the request: {0}")]
    Received(std::io::Error),
    #[error("cannot write uploaded file {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Keeps uploaded files and finds the file a request names.
#[derive(Clone)]
pub struct UploadedFiles {
    root: PathBuf,
    store: Store,
    max_bytes: u64,
    links: Links,
}

impl UploadedFiles {
    pub fn new(root: PathBuf, store: Store, max_bytes: u64, links: Links) -> UploadedFiles {
        UploadedFiles { root, store, max_bytes, links }
    }

    /// The file behind an uploaded file.
    pub fn path_of(&self, file: &UploadedFile) -> PathBuf {
        self.root.join(&file.relative_path)
    }

    /// Writes `content` as a new file named `name` as it arrives (refused past the size limit);
    /// `keep` records it, `discard` removes it. Nothing is left behind when it fails.
    pub async fn receive<B: AsRef<[u8]>>(
        &self,
        name: Option<&str>,
        content: impl Stream<Item = std::io::Result<B>>,
    ) -> Result<Received, FileError> {
        let id = FileId::generate();
        let filename = safe_file_name(name.filter(|n| !n.is_empty()).unwrap_or(UNNAMED));
        let relative_path = format!("{id}/{filename}");
        let folder = self.root.join(id.as_str());
        match self.write(&folder, &relative_path, content).await {
            Ok((sha256, size_bytes)) => {
                let content_type = content_type_of(extension_of(&filename));
                let created_at = clock::now();
                let file = UploadedFile { id, filename, relative_path, content_type, size_bytes, sha256, created_at };
                Ok(Received { file, folder })
            }
            Err(error) => {
                remove_folder(&folder).await;
                Err(error)
            }
        }
    }

    /// Records a received file: from now on, runs may name it.
    pub async fn keep(&self, received: Received) -> Result<UploadedFile, FileError> {
        let kept = self.store.insert_uploaded_file(received.file).await;
        if kept.is_err() {
            remove_folder(&received.folder).await;
        }
        Ok(kept?)
    }

    /// Removes a received file that is not kept after all.
    pub async fn discard(&self, received: Received) {
        remove_folder(&received.folder).await;
    }

    /// Writes the file, hashing it as it goes; its SHA-256 (hex) and size.
    async fn write<B: AsRef<[u8]>>(
        &self,
        folder: &std::path::Path,
        relative_path: &str,
        content: impl Stream<Item = std::io::Result<B>>,
    ) -> Result<(String, i64), FileError> {
        let path = self.root.join(relative_path);
        let fail = |source| FileError::Write { path: path.clone(), source };
        tokio::fs::create_dir_all(folder).await.map_err(fail)?;
        let mut file = tokio::fs::File::create(&path).await.map_err(fail)?;
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let mut content = std::pin::pin!(content);
        while let Some(chunk) = content.next().await {
            let chunk = chunk.map_err(FileError::Received)?;
            let chunk = chunk.as_ref();
            size += chunk.len() as u64;
            if size > self.max_bytes {
                return Err(FileError::TooLarge { limit: self.max_bytes });
            }
            hasher.update(chunk);
            file.write_all(chunk).await.map_err(fail)?;
        }
        file.sync_all().await.map_err(fail)?;
        Ok((hex::encode(hasher.finalize()), size as i64))
    }

    /// The id of the uploaded file `text` names (its `s3_uri`, its `presigned_url` or its id);
    /// `None` when it names none.
    pub fn referenced(&self, text: &str) -> Option<FileId> {
        match self.links.file_id_in(text) {
            Some(id) => FileId::parse(id).ok(),
            None => id_in_uri_or_id(text),
        }
    }

    /// The uploaded file `text` names; `None` when it names none, `NotFound` when it names one
    /// that is not kept.
    pub async fn named_by(&self, text: &str) -> Result<Option<UploadedFile>, StoreError> {
        match self.referenced(text) {
            Some(id) => Ok(Some(self.store.uploaded_file(&id).await?)),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &std::path::Path, max_bytes: u64) -> UploadedFiles {
        let store = Store::open(&dir.join("skyvern.db")).unwrap();
        UploadedFiles::new(dir.join("uploads"), store, max_bytes, Links { base: "http://appliance:8000".into() })
    }

    fn chunks(parts: &[&'static str]) -> impl Stream<Item = std::io::Result<&'static str>> {
        futures::stream::iter(parts.iter().map(|part| Ok(*part)).collect::<Vec<_>>())
    }

    #[tokio::test]
    async fn a_kept_file_is_named_by_its_uri_its_link_and_its_id() {
        let dir = tempfile::tempdir().unwrap();
        let files = files(dir.path(), 100);
        let received = files.receive(Some("cv.txt"), chunks(&["Ada ", "Lovelace"])).await.unwrap();
        let kept = files.keep(received).await.unwrap();
        assert_eq!(std::fs::read_to_string(files.path_of(&kept)).unwrap(), "Ada Lovelace");
        assert_eq!((kept.size_bytes, kept.content_type.as_str()), (12, "text/plain"));
        let link = format!("http://appliance:8000/v1/files/{}/content", kept.id);
        for name in [kept.uri(), link, kept.id.to_string()] {
            assert_eq!(files.named_by(&name).await.unwrap().as_ref(), Some(&kept), "{name}");
        }
        assert_eq!(files.named_by("QWRh").await.unwrap(), None, "base64 content names no file");
        let elsewhere = format!("http://other:8000/v1/files/{}/content", kept.id);
        assert_eq!(files.referenced(&elsewhere), None, "a link of another server names none of ours");
        assert!(matches!(files.named_by("file_123").await, Err(StoreError::NotFound(_))));
    }

    #[tokio::test]
    async fn a_file_over_the_limit_or_discarded_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let files = files(dir.path(), 10);
        let error = files.receive(Some("big.bin"), chunks(&["0123456", "789ab"])).await.err().unwrap();
        assert!(matches!(error, FileError::TooLarge { limit: 10 }), "{error}");
        let discarded = files.receive(Some("small.bin"), chunks(&["0123456789"])).await.unwrap();
        let id = discarded.file.id.clone();
        files.discard(discarded).await;
        let left = std::fs::read_dir(dir.path().join("uploads")).unwrap().count();
        assert_eq!(left, 0, "neither file is left");
        assert!(matches!(files.store.uploaded_file(&id).await, Err(StoreError::NotFound(_))));
    }

    #[tokio::test]
    async fn a_file_without_a_usable_name_gets_a_plain_one() {
        let dir = tempfile::tempdir().unwrap();
        let files = files(dir.path(), 100);
        let name_of = async |name| files.receive(name, chunks(&["x"])).await.unwrap().file.filename;
        assert_eq!(name_of(None).await, "file");
        assert_eq!(name_of(Some("../../etc/passwd")).await, "_.._etc_passwd");
    }
}
