//! The API's errors: one table of stable codes, each with one HTTP status.
//!
//! Bodies are `{"code", "message", "detail"}` (`detail` repeats the message for clients written
//! for FastAPI servers). A 5xx body says nothing internal; the full cause goes to the log.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use crate::scheduler::CancelError;
use crate::store::StoreError;

/// Every error code the API returns, with its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    MissingApiKey,
    InvalidApiKey,
    MalformedJson,
    InvalidRequest,
    UnsupportedMediaType,
    PayloadTooLarge,
    NotFound,
    RunAlreadyFinished,
    NotWaiting,
    NoRecording,
    RecordingInProgress,
    NotWebSocket,
    OtherSite,
    Internal,
}

impl Code {
    pub fn status(self) -> StatusCode {
        match self {
            Code::MissingApiKey => StatusCode::UNAUTHORIZED,
            Code::InvalidApiKey | Code::OtherSite => StatusCode::FORBIDDEN,
            Code::MalformedJson => StatusCode::BAD_REQUEST,
            Code::InvalidRequest => StatusCode::UNPROCESSABLE_ENTITY,
            Code::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Code::NotFound | Code::NoRecording => StatusCode::NOT_FOUND,
            Code::RunAlreadyFinished | Code::NotWaiting | Code::RecordingInProgress => StatusCode::CONFLICT,
            Code::NotWebSocket => StatusCode::BAD_REQUEST,
            Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Code::MissingApiKey => "missing_api_key",
            Code::InvalidApiKey => "invalid_api_key",
            Code::MalformedJson => "malformed_json",
            Code::InvalidRequest => "invalid_request",
            Code::UnsupportedMediaType => "unsupported_media_type",
            Code::PayloadTooLarge => "payload_too_large",
            Code::NotFound => "not_found",
            Code::RunAlreadyFinished => "run_already_finished",
            Code::NotWaiting => "run_not_waiting",
            Code::NoRecording => "no_recording",
            Code::RecordingInProgress => "recording_in_progress",
            Code::NotWebSocket => "not_a_websocket_request",
            Code::OtherSite => "other_site_refused",
            Code::Internal => "internal_error",
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: Code,
    pub message: String,
}

impl ApiError {
    pub fn new(code: Code, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into() }
    }

    pub fn not_found(what: impl std::fmt::Display) -> ApiError {
        ApiError::new(Code::NotFound, format!("{what} not found"))
    }

    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(Code::InvalidRequest, message)
    }

    /// Logs the cause and answers with a message that reveals nothing of it.
    pub fn internal(cause: &dyn std::error::Error) -> ApiError {
        tracing::error!(error = %cause, source = ?cause.source(), "request failed");
        ApiError::new(Code::Internal, "the appliance could not complete the request; the cause is in its log")
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code()).json(json!({
            "code": self.code.as_str(),
            "message": self.message,
            "detail": self.message,
        }))
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::NotFound(what) => ApiError::not_found(what),
            other => ApiError::internal(&other),
        }
    }
}

impl From<CancelError> for ApiError {
    fn from(error: CancelError) -> ApiError {
        match error {
            CancelError::AlreadyFinished { .. } => ApiError::new(Code::RunAlreadyFinished, error.to_string()),
            CancelError::Store(store) => store.into(),
        }
    }
}

impl From<crate::runs::InvalidRequest> for ApiError {
    fn from(error: crate::runs::InvalidRequest) -> ApiError {
        ApiError::invalid(error.to_string())
    }
}

/// Maps actix's JSON body errors to the table: bad syntax 400, wrong shape 422, too big 413.
pub fn json_body_error(error: actix_web::error::JsonPayloadError, _: &actix_web::HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError;
    let api_error = match &error {
        JsonPayloadError::Overflow { limit } | JsonPayloadError::OverflowKnownLength { limit, .. } => {
            ApiError::new(Code::PayloadTooLarge, format!("the request body is larger than {limit} bytes"))
        }
        JsonPayloadError::ContentType => {
            ApiError::new(Code::UnsupportedMediaType, "send the request body as application/json")
        }
        JsonPayloadError::Deserialize(parse) if parse.is_data() => ApiError::invalid(parse.to_string()),
        JsonPayloadError::Deserialize(parse) => {
            ApiError::new(Code::MalformedJson, format!("the request body is not valid JSON: {parse}"))
        }
        other => ApiError::new(Code::MalformedJson, format!("the request body could not be read: {other}")),
    };
    api_error.into()
}
