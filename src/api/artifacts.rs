//! Artifact content, with range requests, ETags and long-lived caching (artifacts never change).
//! Files that came from a website are served as sandboxed attachments (see `headers`).

use std::path::Path;

use actix_files::NamedFile;
use actix_web::http::header::{CacheControl, CacheDirective, ContentDisposition};
use actix_web::{HttpRequest, HttpResponse, web};

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::headers;
use super::routes::Routes;
use crate::artifacts::Artifact;
use crate::ids::ArtifactId;

#[utoipa::path(
    get,
    path = "/v1/artifacts/{artifact_id}/content",
    tag = "artifacts",
    summary = "An artifact's content",
    params(("artifact_id" = String, Path, description = "The artifact's id")),
    responses(
        (status = 200, description = "The file, with its own content type (range requests served)", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, description = "No such artifact", body = ErrorBody),
    ),
)]
async fn artifact_content(
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = ArtifactId::parse(&path)
        .map_err(|_| ApiError::not_found(format!("artifact {}", path.chars().take(64).collect::<String>())))?;
    let artifact = state.store.artifact(&id).await?;
    file_response(&state, &artifact, &request).await
}

/// An artifact's file, with its content type, range requests (seeking in a video) and caching.
pub(super) async fn file_response(
    state: &AppState,
    artifact: &Artifact,
    request: &HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let content_type = artifact.content_type.parse().unwrap_or(mime_guess::mime::APPLICATION_OCTET_STREAM);
    let disposition = headers::artifact_disposition(artifact);
    let missing = || ApiError::not_found(format!("the file of artifact {}", artifact.id));
    served_file(&state.artifacts.path_of(artifact), content_type, disposition, request, missing).await
}

/// A file that never changes, sandboxed, with range requests and long-lived caching; `missing`
/// when it is not on disk.
pub(super) async fn served_file(
    path: &Path,
    content_type: mime_guess::Mime,
    disposition: ContentDisposition,
    request: &HttpRequest,
    missing: impl FnOnce() -> ApiError,
) -> Result<HttpResponse, ApiError> {
    let file = NamedFile::open_async(path).await.map_err(|_| missing())?;
    let mut response = file
        .set_content_type(content_type)
        .set_content_disposition(disposition)
        .use_last_modified(true)
        .into_response(request);
    headers::sandbox_file(response.headers_mut());
    let cache = CacheControl(vec![
        CacheDirective::Private,
        CacheDirective::MaxAge(31_536_000),
        CacheDirective::Extension("immutable".into(), None),
    ]);
    response
        .headers_mut()
        .insert(actix_web::http::header::CACHE_CONTROL, cache.to_string().parse().expect("a valid header"));
    Ok(response)
}

pub(super) fn routes(routes: &mut Routes) {
    routes.add(__path_artifact_content, artifact_content);
}
