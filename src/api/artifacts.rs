//! Artifact content, with range requests, ETags and long-lived caching (artifacts never change).
//! Files that came from a website are served as sandboxed attachments (see `headers`).

use actix_files::NamedFile;
use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{HttpRequest, HttpResponse, web};

use super::AppState;
use super::error::ApiError;
use super::headers;
use crate::artifacts::Artifact;
use crate::ids::ArtifactId;

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
    let file = NamedFile::open_async(state.artifacts.path_of(artifact))
        .await
        .map_err(|_| ApiError::not_found(format!("the file of artifact {}", artifact.id)))?;
    let content_type = artifact.content_type.parse().unwrap_or(mime_guess::mime::APPLICATION_OCTET_STREAM);
    let mut response = file
        .set_content_type(content_type)
        .set_content_disposition(headers::artifact_disposition(artifact))
        .use_last_modified(true)
        .into_response(request);
    headers::sandbox_artifact(response.headers_mut());
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

pub fn routes(config: &mut web::ServiceConfig) {
    config.service(web::resource("/artifacts/{artifact_id}/content").get(artifact_content));
}
