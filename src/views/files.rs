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
