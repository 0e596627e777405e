//! How an uploaded file looks to the outside: Skyvern's `UploadFileResponse` (`s3_uri`,
//! `presigned_url`), and this appliance's fields beside them.

use serde_json::{Value, json};

use super::Links;
use crate::files::UploadedFile;

pub fn uploaded_file_response(file: &UploadedFile, links: &Links) -> Value {
    json!({
        "s3_uri": file.uri(),
        "presigned_url": links.file_content(&file.id),
        "file_id": file.id,
        "filename": file.filename,
        "size": file.size_bytes,
        "sha256": file.sha256,
        "content_type": file.content_type,
        "created_at": file.created_at,
    })
}

/// Skyvern's `UploadFileResponse`, as `uploaded_file_response` makes it.
#[derive(utoipa::ToSchema)]
#[schema(as = UploadFileResponse)]
pub struct UploadedFileBody {
    pub s3_uri: String,
    /// Where the file's content is served (the API key opens it).
    pub presigned_url: String,
    pub file_id: String,
    pub filename: Option<String>,
    pub size: i64,
    pub sha256: String,
    pub content_type: String,
    pub created_at: String,
}

/// The form `POST /v1/upload_file` reads: one `file`.
#[derive(utoipa::ToSchema)]
pub struct UploadForm {
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}
