//! A run's video: `GET /v1/runs/{id}/recording` serves it (range requests, so a `<video>` seeks),
//! or says why there is none.

use actix_web::{HttpRequest, HttpResponse, web};

use super::AppState;
use super::artifacts::file_response;
use super::error::{ApiError, Code, ErrorBody};
use super::path_ids::RunPath;
use super::routes::Routes;
use crate::artifacts::ArtifactType;
use crate::runs::Run;

#[utoipa::path(
    get,
    path = "/v1/runs/{run_id}/recording",
    tag = "artifacts",
    summary = "A run's video",
    params(RunPath),
    responses(
        (status = 200, description = "The run's WebM video (range requests served)", content_type = "video/webm", body = Vec<u8>),
        (status = 404, description = "No such run, or no recording of it", body = ErrorBody),
        (status = 409, description = "The run is being recorded", body = ErrorBody),
    ),
)]
async fn run_recording(
    state: web::Data<AppState>,
    path: web::Path<RunPath>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let run = state.store.run(&path.id()?).await?;
    let recordings = state.store.run_artifacts(&run.id, vec![ArtifactType::Recording]).await?;
    match recordings.last() {
        Some(recording) => file_response(&state, recording, &request).await,
        None => Err(why_none(&run)),
    }
}

/// Why a run has no video (yet).
fn why_none(run: &Run) -> ApiError {
    let finished = run.status.is_terminal();
    match (run.browser_opened, finished) {
        (false, true) => ApiError::new(
            Code::NoRecording,
            format!("no recording available: the run ended ({}) before its browser started", run.status),
        ),
        (false, false) => {
            ApiError::new(Code::NoRecording, "no recording yet: the run has not started; its video is made as it runs")
        }
        (true, false) => ApiError::new(
            Code::RecordingInProgress,
            "the run is being recorded; its video is available when the run ends (watch it live meanwhile)",
        ),
        (true, true) => ApiError::new(
            Code::NoRecording,
            "no recording was kept for this run: recording is disabled, ffmpeg could not be started, or the page \
             never showed a picture (see the appliance's log)",
        ),
    }
}

pub(super) fn routes(routes: &mut Routes) {
    routes.add(__path_run_recording, run_recording);
}
