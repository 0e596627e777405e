//! Uploaded files: `POST /v1/upload_file` keeps the `file` of a multipart form (a file part, or a
//! plain form field as Skyvern's SDK sends it) and answers Skyvern's `{s3_uri, presigned_url}`
//! with the file's id, name, size and digest; `GET /v1/files/{id}/content` hands the bytes back,
//! always as a sandboxed attachment, whatever they are.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};
use futures::StreamExt;

use super::AppState;
use super::artifacts::served_file;
use super::error::{ApiError, Code, ErrorBody, Location, Problem};
use super::headers;
use super::routes::Routes;
use crate::files::{FileError, Received};
use crate::ids::FileId;
use crate::views::{UploadForm, UploadedFileBody, uploaded_file_response};

/// The form field that holds the file, as Skyvern names it.
const FILE_FIELD: &str = "file";

impl From<FileError> for ApiError {
    fn from(error: FileError) -> ApiError {
        match error {
            FileError::TooLarge { .. } => ApiError::new(Code::PayloadTooLarge, error.to_string()),
            FileError::Received(_) => {
                ApiError::invalid(Location::body_field(FILE_FIELD), Problem::Value, error.to_string())
            }
            FileError::Write { .. } => ApiError::storage(&error),
            FileError::Store(store) => store.into(),
        }
    }
}

/// Refuses the request, removing the file received before the fault was found.
async fn refuse(state: &AppState, received: Option<Received>, error: ApiError) -> ApiError {
    if let Some(received) = received {
        state.files.discard(received).await;
    }
    error
}

#[utoipa::path(
    post,
    path = "/v1/upload_file",
    tag = "files",
    summary = "Upload a file",
    description = "A `multipart/form-data` body with one `file`; runs take it by its `presigned_url` or `s3_uri`.",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "The kept file", body = UploadedFileBody),
        (status = 413, description = "The file is larger than the limit", body = ErrorBody),
    ),
)]
async fn upload_file(state: web::Data<AppState>, mut form: Multipart) -> Result<HttpResponse, ApiError> {
    let not_a_form = |error: actix_multipart::MultipartError| {
        ApiError::invalid(
            Location::body(),
            Problem::Value,
            format!("expected multipart/form-data with a `file`: {error}"),
        )
    };
    let mut received: Option<Received> = None;
    while let Some(field) = form.next().await {
        let field = match field {
            Ok(field) => field,
            Err(error) => return Err(refuse(&state, received, not_a_form(error)).await),
        };
        if field.name() != Some(FILE_FIELD) {
            continue;
        }
        if received.is_some() {
            let error = ApiError::invalid(Location::body_field(FILE_FIELD), Problem::Value, "one file per request");
            return Err(refuse(&state, received, error).await);
        }
        let name = field.content_disposition().and_then(|d| d.get_filename()).map(str::to_owned);
        let content = field.map(|chunk| chunk.map_err(|error| std::io::Error::other(error.to_string())));
        received = Some(state.files.receive(name.as_deref(), content).await?);
    }
    let Some(received) = received else {
        return Err(ApiError::invalid(Location::body_field(FILE_FIELD), Problem::Missing, "field required"));
    };
    let file = state.files.keep(received).await?;
    tracing::info!(file_id = %file.id, size_bytes = file.size_bytes, "file uploaded");
    Ok(HttpResponse::Ok().json(uploaded_file_response(&file, &state.links)))
}

#[utoipa::path(
    get,
    path = "/v1/files/{file_id}/content",
    tag = "files",
    summary = "An uploaded file's content",
    params(("file_id" = String, Path, description = "The file's id")),
    responses(
        (status = 200, description = "The file, as uploaded (range requests served)", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, description = "No such file", body = ErrorBody),
    ),
)]
async fn file_content(
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let missing = || ApiError::not_found(format!("uploaded file {}", path.chars().take(64).collect::<String>()));
    let id = FileId::parse(&path).map_err(|_| missing())?;
    let file = state.store.uploaded_file(&id).await?;
    let content_type = file.content_type.parse().unwrap_or(mime_guess::mime::APPLICATION_OCTET_STREAM);
    let disposition = headers::attachment(file.filename.clone());
    served_file(&state.files.path_of(&file), content_type, disposition, &request, missing).await
}

pub(super) fn routes(routes: &mut Routes) {
    routes.add(__path_upload_file, upload_file).add(__path_file_content, file_content);
}
