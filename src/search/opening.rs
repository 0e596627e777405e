//! Opening the index directory, or starting it afresh when it cannot be trusted.
//!
//! Every commit carries a payload: the index's format version and the id of the last event it
//! reflects (its cursor), so the documents and the cursor are written, and survive a crash,
//! together. An index that is missing, unreadable, of another version or never committed is
//! removed and created empty, to be rebuilt from the store.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tantivy::Index;
use tantivy::directory::MmapDirectory;

use super::SearchError;
use super::schema::{self, FORMAT_VERSION, Fields};

/// What a commit records besides its documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct CommitMark {
    pub format: u32,
    /// The id of the last event the committed documents reflect.
    pub cursor: i64,
}

impl CommitMark {
    pub fn at(cursor: i64) -> CommitMark {
        CommitMark { format: FORMAT_VERSION, cursor }
    }
}

/// An opened index: its cursor, or `None` when it must be rebuilt.
pub(super) struct Opened {
    pub index: Index,
    pub fields: Fields,
    pub cursor: Option<i64>,
}

/// The index in `directory`, as it was committed, or a fresh empty one.
pub(super) fn open_or_create(directory: &Path) -> Result<Opened, SearchError> {
    let unusable = |source| SearchError::Directory { path: directory.to_owned(), source };
    if directory.exists() {
        match open_existing(directory) {
            Ok(opened) => return Ok(opened),
            Err(reason) => {
                tracing::warn!(reason, path = %directory.display(), "the search index will be rebuilt");
                std::fs::remove_dir_all(directory).map_err(unusable)?;
            }
        }
    } else {
        tracing::info!(path = %directory.display(), "no search index yet: it will be built");
    }
    std::fs::create_dir_all(directory).map_err(unusable)?;
    let (schema, fields) = schema::schema();
    let index = Index::create(MmapDirectory::open(directory)?, schema, Default::default())?;
    schema::register_tokenizers(&index);
    Ok(Opened { index, fields, cursor: None })
}

fn open_existing(directory: &Path) -> Result<Opened, String> {
    let index = Index::open_in_dir(directory).map_err(|e| format!("it cannot be opened: {e}"))?;
    let fields = Fields::of(&index.schema()).ok_or("its fields are not this version's")?;
    let metas = index.load_metas().map_err(|e| format!("its state cannot be read: {e}"))?;
    let mark: CommitMark = metas
        .payload
        .as_deref()
        .and_then(|payload| serde_json::from_str(payload).ok())
        .ok_or("it was never completely built")?;
    if mark.format != FORMAT_VERSION {
        return Err(format!("it is of format {}, this version writes {FORMAT_VERSION}", mark.format));
    }
    schema::register_tokenizers(&index);
    Ok(Opened { index, fields, cursor: Some(mark.cursor) })
}
