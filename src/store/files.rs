//! Uploaded files' records: name, type, size and digest; the bytes live in the uploads folder.

use rusqlite::{Connection, Row, params};

use super::{Store, StoreError, rows};
use crate::files::UploadedFile;
use crate::ids::FileId;

const FILE_COLUMNS: &str = "id, filename, relative_path, content_type, size_bytes, sha256, created_at";

fn file_from_row(row: &Row<'_>) -> rusqlite::Result<UploadedFile> {
    Ok(UploadedFile {
        id: rows::parsed(row, "id", FileId::parse)?,
        filename: row.get("filename")?,
        relative_path: row.get("relative_path")?,
        content_type: row.get("content_type")?,
        size_bytes: row.get("size_bytes")?,
        sha256: row.get("sha256")?,
        created_at: row.get("created_at")?,
    })
}

fn load_file(connection: &Connection, id: &FileId) -> Result<UploadedFile, StoreError> {
    let sql = format!("SELECT {FILE_COLUMNS} FROM uploaded_files WHERE id = ?1");
    rows::found(connection.query_row(&sql, [id.as_str()], file_from_row), || format!("uploaded file {id}"))
}

impl Store {
    pub async fn insert_uploaded_file(&self, file: UploadedFile) -> Result<UploadedFile, StoreError> {
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO uploaded_files (id, filename, relative_path, content_type, size_bytes, sha256, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    file.id.as_str(),
                    file.filename,
                    file.relative_path,
                    file.content_type,
                    file.size_bytes,
                    file.sha256,
                    file.created_at,
                ],
            )?;
            load_file(tx, &file.id)
        })
        .await
    }

    pub async fn uploaded_file(&self, id: &FileId) -> Result<UploadedFile, StoreError> {
        let id = id.clone();
        self.read(move |connection| load_file(connection, &id)).await
    }
}
