//! The API's errors: one table of stable codes, each with one HTTP status.
//!
//! Bodies are `{"code", "message", "detail"}`. `detail` is what FastAPI servers (Skyvern) send,
//! so Skyvern's clients read our errors as they read theirs: for a refused request (422) it is
//! FastAPI's list `[{"loc": ["body", "url"], "msg", "type"}]` naming the field, for every other
//! error the message again. A 5xx body says nothing internal; the full cause goes to the log.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::scheduler::CancelError;
use crate::schedules::ScheduleError;
use crate::store::StoreError;
use crate::vault::VaultError;

/// Every error code the API returns, with its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    MissingApiKey,
    InvalidApiKey,
    /// The UI sign-in cookie names a session that is over (signed out, expired, key revoked).
    SessionEnded,
    /// A change made with the UI sign-in cookie without the session's `x-csrf-token`.
    CsrfTokenInvalid,
    /// The API key is already revoked.
    AlreadyRevoked,
    /// The webhook signing secret is set in the configuration, so it is not rotated here.
    SecretConfigured,
    MalformedJson,
    InvalidRequest,
    /// A request Skyvern answers with 400: a value its plan cannot take, a run in the wrong state.
    BadRequest,
    PayloadTooLarge,
    NotFound,
    MethodNotAllowed,
    RunAlreadyFinished,
    NotWaiting,
    NoRecording,
    RecordingInProgress,
    NotWebSocket,
    OtherSite,
    StorageUnavailable,
    /// Every browser slot is taken (by runs and open sessions).
    NoBrowserSlot,
    /// The browser session has ended.
    SessionClosed,
    /// A browser profile's name is taken by another.
    NameTaken,
    /// The run was removed by retention; its tombstone says when.
    RunRemoved,
    /// The data directory's disk has less free space than `retention.min_free_gb`: no new run.
    LowDiskSpace,
    /// A stored credential that the vault key does not open (sealed under another key).
    CredentialUnreadable,
    Internal,
}

impl Code {
    pub fn status(self) -> StatusCode {
        match self {
            Code::MissingApiKey | Code::SessionEnded => StatusCode::UNAUTHORIZED,
            Code::InvalidApiKey | Code::OtherSite | Code::CsrfTokenInvalid => StatusCode::FORBIDDEN,
            Code::AlreadyRevoked | Code::SecretConfigured => StatusCode::CONFLICT,
            Code::MalformedJson | Code::InvalidRequest => StatusCode::UNPROCESSABLE_ENTITY,
            Code::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Code::NotFound | Code::NoRecording => StatusCode::NOT_FOUND,
            Code::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Code::RunAlreadyFinished | Code::NotWaiting | Code::RecordingInProgress => StatusCode::CONFLICT,
            Code::NotWebSocket | Code::BadRequest => StatusCode::BAD_REQUEST,
            Code::StorageUnavailable | Code::LowDiskSpace => StatusCode::SERVICE_UNAVAILABLE,
            Code::RunRemoved => StatusCode::GONE,
            Code::NoBrowserSlot => StatusCode::TOO_MANY_REQUESTS,
            Code::SessionClosed | Code::NameTaken => StatusCode::CONFLICT,
            Code::CredentialUnreadable | Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Code::MissingApiKey => "missing_api_key",
            Code::InvalidApiKey => "invalid_api_key",
            Code::SessionEnded => "ui_session_ended",
            Code::CsrfTokenInvalid => "csrf_token_invalid",
            Code::AlreadyRevoked => "api_key_already_revoked",
            Code::SecretConfigured => "webhook_secret_configured",
            Code::MalformedJson => "malformed_json",
            Code::InvalidRequest => "invalid_request",
            Code::NoBrowserSlot => "no_browser_slot",
            Code::SessionClosed => "session_closed",
            Code::NameTaken => "name_taken",
            Code::BadRequest => "bad_request",
            Code::PayloadTooLarge => "payload_too_large",
            Code::NotFound => "not_found",
            Code::MethodNotAllowed => "method_not_allowed",
            Code::RunAlreadyFinished => "run_already_finished",
            Code::NotWaiting => "run_not_waiting",
            Code::NoRecording => "no_recording",
            Code::RecordingInProgress => "recording_in_progress",
            Code::NotWebSocket => "not_a_websocket_request",
            Code::OtherSite => "other_site_refused",
            Code::StorageUnavailable => "storage_unavailable",
            Code::RunRemoved => "run_removed",
            Code::LowDiskSpace => "low_disk_space",
            Code::CredentialUnreadable => "credential_unreadable",
            Code::Internal => "internal_error",
        }
    }
}

/// What is wrong with a refused value, as FastAPI's (pydantic's) error `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// A required value is absent.
    Missing,
    /// The body is not JSON.
    JsonInvalid,
    /// The body is not a JSON object.
    ObjectExpected,
    /// A value of the wrong JSON type.
    WrongType,
    /// Not one of the allowed values.
    Enum,
    /// Of the right type, but not acceptable.
    Value,
}

impl Problem {
    pub fn as_str(self) -> &'static str {
        match self {
            Problem::Missing => "missing",
            Problem::JsonInvalid => "json_invalid",
            Problem::ObjectExpected => "model_attributes_type",
            Problem::WrongType => "type_error",
            Problem::Enum => "enum",
            Problem::Value => "value_error",
        }
    }
}

/// Where a refused value was, as FastAPI's `loc`: the part of the request (`body`, `query`,
/// `path`), then the field and any keys below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location(Vec<String>);

impl Location {
    pub fn body() -> Location {
        Location(vec!["body".into()])
    }

    pub fn body_field(field: &str) -> Location {
        Location::body().then(field)
    }

    pub fn query(name: &str) -> Location {
        Location(vec!["query".into(), name.into()])
    }

    pub fn header(name: &str) -> Location {
        Location(vec!["header".into(), name.into()])
    }

    /// The query string as a whole, when the field is not known.
    pub fn query_part() -> Location {
        Location(vec!["query".into()])
    }

    /// The path as a whole, when the parameter is not known.
    pub fn path_part() -> Location {
        Location(vec!["path".into()])
    }

    /// The location of a key below this one.
    pub fn then(mut self, key: impl Into<String>) -> Location {
        self.0.push(key.into());
        self
    }
}

/// The refused value of a 422: where it was and what is wrong with it.
#[derive(Debug, Clone)]
struct Refusal {
    location: Location,
    problem: Problem,
    /// The reason alone, without the location (FastAPI's `msg`).
    reason: String,
}

/// An error's body: its stable `code`, a `message`, and FastAPI's `detail` (the message again).
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// One of the appliance's error codes, e.g. `not_found`, `run_already_finished`.
    code: &'static str,
    message: String,
    detail: String,
}

/// A refused request's body (422): `detail` is FastAPI's list naming where the value was.
#[derive(Serialize, ToSchema)]
#[schema(as = HTTPValidationError)]
pub struct HttpValidationError {
    /// `invalid_request`, or `malformed_json` for a body that is not JSON.
    code: &'static str,
    message: String,
    detail: Vec<ValidationError>,
}

/// One refused value, as FastAPI's: `loc` is the part of the request (`body`, `query`, `path`,
/// `header`), then the field and any keys below it.
#[derive(Serialize, ToSchema)]
pub struct ValidationError {
    loc: Vec<String>,
    msg: String,
    #[serde(rename = "type")]
    problem: &'static str,
}

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: Code,
    pub message: String,
    /// Set on every 422.
    refusal: Option<Box<Refusal>>,
}

impl ApiError {
    pub fn new(code: Code, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into(), refusal: None }
    }

    pub fn not_found(what: impl std::fmt::Display) -> ApiError {
        ApiError::new(Code::NotFound, format!("{what} not found"))
    }

    /// A refused value (422): the message names the field, `detail` says where it was.
    pub fn invalid(location: Location, problem: Problem, reason: impl Into<String>) -> ApiError {
        ApiError::refused(Code::InvalidRequest, location, problem, reason)
    }

    /// A body that is not JSON (422, `malformed_json`), with the parser's reason.
    pub fn malformed_json(reason: impl Into<String>) -> ApiError {
        ApiError::refused(Code::MalformedJson, Location::body(), Problem::JsonInvalid, reason)
    }

    fn refused(code: Code, location: Location, problem: Problem, reason: impl Into<String>) -> ApiError {
        let reason = reason.into();
        let message = match location.0.len() {
            0 | 1 => reason.clone(),
            _ => format!("{}: {reason}", location.0[1..].join(".")),
        };
        ApiError { code, message, refusal: Some(Box::new(Refusal { location, problem, reason })) }
    }

    /// Logs the cause and answers with a message that reveals nothing of it.
    pub fn internal(cause: &dyn std::error::Error) -> ApiError {
        tracing::error!(error = %cause, source = ?cause.source(), "request failed");
        ApiError::new(Code::Internal, "the appliance could not complete the request; the cause is in its log")
    }

    /// The appliance could not write to its disk: its problem, not the request's.
    pub fn storage(cause: &dyn std::error::Error) -> ApiError {
        tracing::error!(error = %cause, source = ?cause.source(), "cannot store files");
        ApiError::new(
            Code::StorageUnavailable,
            "the appliance cannot store files in its data directory (disk full or not writable); nothing was \
             created, the cause is in its log",
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        let (code, message) = (self.code.as_str(), self.message.clone());
        let mut response = HttpResponse::build(self.status_code());
        match &self.refusal {
            Some(refusal) => response.json(HttpValidationError {
                code,
                message,
                detail: vec![ValidationError {
                    loc: refusal.location.0.clone(),
                    msg: refusal.reason.clone(),
                    problem: refusal.problem.as_str(),
                }],
            }),
            None => response.json(ErrorBody { code, detail: message.clone(), message }),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::NotFound(what) => ApiError::not_found(what),
            StoreError::RunRemoved(removed) => ApiError::new(
                Code::RunRemoved,
                format!(
                    "run {} was removed by retention at {} ({}); its record, timeline and files are no longer kept",
                    removed.run_id,
                    removed.removed_at,
                    removed.reason.explained()
                ),
            ),
            full if full.is_disk_full() => ApiError::storage(&full),
            other => ApiError::internal(&other),
        }
    }
}

impl From<crate::metrics::MetricsError> for ApiError {
    fn from(error: crate::metrics::MetricsError) -> ApiError {
        match error {
            crate::metrics::MetricsError::Store(store) => store.into(),
            other => ApiError::internal(&other),
        }
    }
}

impl From<crate::search::SearchError> for ApiError {
    fn from(error: crate::search::SearchError) -> ApiError {
        match error {
            crate::search::SearchError::Store(store) => store.into(),
            other => ApiError::internal(&other),
        }
    }
}

impl From<crate::retention::DiskLow> for ApiError {
    fn from(low: crate::retention::DiskLow) -> ApiError {
        tracing::warn!(
            free_bytes = low.free_bytes,
            min_free_bytes = low.min_free_bytes,
            "a new run was refused: low disk space"
        );
        ApiError::new(Code::LowDiskSpace, low.to_string())
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

impl From<ScheduleError> for ApiError {
    fn from(error: ScheduleError) -> ApiError {
        match error {
            // Skyvern answers a schedule it cannot save 400 with its message, not FastAPI's 422.
            ScheduleError::Invalid(invalid) => ApiError::new(Code::BadRequest, invalid.to_string()),
            ScheduleError::PlanNotFound(_) | ScheduleError::NotFound(_) => {
                ApiError::new(Code::NotFound, error.to_string())
            }
            ScheduleError::Store(store) => store.into(),
        }
    }
}

impl From<VaultError> for ApiError {
    fn from(error: VaultError) -> ApiError {
        match error {
            VaultError::DoesNotOpen(ref credential_id) => {
                tracing::error!(%credential_id, "a stored credential does not open with the vault key");
                ApiError::new(Code::CredentialUnreadable, error.to_string())
            }
            VaultError::BlobDoesNotOpen(ref owner) => {
                tracing::error!(%owner, "a stored browser storage does not open with the vault key");
                ApiError::new(Code::CredentialUnreadable, error.to_string())
            }
            VaultError::Store(store) => store.into(),
            VaultError::KeyFile(_) => ApiError::internal(&error),
        }
    }
}

impl From<crate::runs::InvalidRequest> for ApiError {
    fn from(error: crate::runs::InvalidRequest) -> ApiError {
        ApiError::invalid(Location::body_field(error.field), Problem::Value, error.message)
    }
}

/// Reads a body that may be left out: absent, empty or `null` is `None`, else a JSON object read
/// into `T` as `from_body` reads it.
pub fn optional_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<Option<T>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|error| ApiError::malformed_json(format!("the request body is not valid JSON: {error}")))?;
    if value.is_null() {
        return Ok(None);
    }
    from_body(value).map(Some)
}

/// Reads a JSON body into `T`, naming the field of a value that does not fit (`["body",
/// "run_ids", 0]`), as FastAPI does.
pub fn from_body<T: serde::de::DeserializeOwned>(body: Value) -> Result<T, ApiError> {
    if !body.is_object() {
        return Err(ApiError::invalid(
            Location::body(),
            Problem::ObjectExpected,
            "the request body must be a JSON object",
        ));
    }
    deserialize_at(body, Location::body(), str::to_owned)
}

/// Reads an object at `location` of a body that holds secret values into `T`. A refusal names
/// the field and what was expected, never the value that was sent (serde's messages quote it).
pub fn secret_from_json<T: serde::de::DeserializeOwned>(value: Value, location: Location) -> Result<T, ApiError> {
    if !value.is_object() {
        return Err(ApiError::invalid(location, Problem::ObjectExpected, "must be a JSON object"));
    }
    deserialize_at(value, location, |reason| match reason.split_once(", expected ") {
        Some((_, expected)) => format!("expected {expected}"),
        None => reason.to_owned(),
    })
}

/// Reads `value`, found at `location`, into `T`; a refusal's location goes down to the field,
/// and its reason is serde's as `reason` words it.
fn deserialize_at<T: serde::de::DeserializeOwned>(
    value: Value,
    location: Location,
    reason: impl Fn(&str) -> String,
) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let mut location = location;
        for segment in error.path().iter() {
            location = match segment {
                serde_path_to_error::Segment::Seq { index } => location.then(index.to_string()),
                serde_path_to_error::Segment::Map { key } | serde_path_to_error::Segment::Enum { variant: key } => {
                    location.then(key.clone())
                }
                serde_path_to_error::Segment::Unknown => location,
            };
        }
        let serde_reason = error.inner().to_string();
        // serde names a missing field only in its message: "missing field `run_ids`".
        match serde_reason.strip_prefix("missing field `").and_then(|rest| rest.strip_suffix('`')) {
            Some(field) => ApiError::invalid(location.then(field), Problem::Missing, "field required"),
            None => ApiError::invalid(location, Problem::WrongType, reason(&serde_reason)),
        }
    })
}

/// Maps actix's JSON body errors to the table. As in FastAPI, every body that cannot be read
/// as the operation's JSON is a 422 naming `body`; only a body over the limit is a 413.
pub fn json_body_error(
    error: actix_web::error::JsonPayloadError,
    request: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_web::error::JsonPayloadError;
    let api_error = match &error {
        JsonPayloadError::Overflow { limit } | JsonPayloadError::OverflowKnownLength { limit, .. } => {
            ApiError::new(Code::PayloadTooLarge, format!("the request body is larger than {limit} bytes"))
        }
        JsonPayloadError::ContentType if !request.headers().contains_key(actix_web::http::header::CONTENT_TYPE) => {
            ApiError::invalid(
                Location::body(),
                Problem::Missing,
                "a JSON request body is required (content-type: application/json)",
            )
        }
        JsonPayloadError::ContentType => ApiError::invalid(
            Location::body(),
            Problem::ObjectExpected,
            "send the request body as JSON (content-type: application/json)",
        ),
        JsonPayloadError::Deserialize(parse) if parse.is_eof() && parse.line() == 1 && parse.column() == 0 => {
            ApiError::invalid(Location::body(), Problem::Missing, "a JSON request body is required")
        }
        JsonPayloadError::Deserialize(parse) if parse.is_data() => {
            ApiError::invalid(Location::body(), Problem::WrongType, parse.to_string())
        }
        JsonPayloadError::Deserialize(parse) => {
            ApiError::malformed_json(format!("the request body is not valid JSON: {parse}"))
        }
        other => ApiError::malformed_json(format!("the request body could not be read: {other}")),
    };
    api_error.into()
}

/// A JSON 405 for a known API path asked with a method it does not serve; actix's own answer
/// carries the `Allow` header, which is kept.
pub fn method_not_allowed_as_json(mut response: HttpResponse) -> HttpResponse {
    let allow = response.headers_mut().remove(actix_web::http::header::ALLOW).next();
    let allowed = allow.as_ref().and_then(|value| value.to_str().ok()).unwrap_or_default().to_owned();
    let mut json =
        ApiError::new(Code::MethodNotAllowed, format!("method not allowed here; allowed: {allowed}")).error_response();
    if let Some(allow) = allow {
        json.headers_mut().insert(actix_web::http::header::ALLOW, allow);
    }
    json
}
