//! The event log over HTTP: `GET /v1/events` (every run) and `GET /v1/runs/{id}/events` (one).
//!
//! With `Accept: text/event-stream` the answer is a Server-Sent Events stream that never ends on
//! its own: each event as `id: <id>` and `data: <the event as JSON>` (a plain `message` event;
//! its `event_type` is in the data), a `: heartbeat` comment while nothing happens, and, if the
//! client reads too slowly to keep up, a last `event: lagged` whose `id` is where to resume.
//! `Last-Event-ID` (what browsers send when they reconnect) or `?after=` resumes after an event
//! (`?after=now`: after the newest one, for a follower that has just read the current state),
//! also across restarts: ids only grow and the log is in the database. Without that `Accept`,
//! the answer is one JSON page of the same events, oldest first, at most `limit`.

use std::convert::Infallible;

use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use futures::StreamExt;
use serde_json::json;

use super::AppState;
use super::error::{ApiError, ErrorBody, Location, Problem};
use super::path_ids::RunPath;
use super::query::{filter_values, number_in, query_values, single_query_value, statuses};
use super::routes::Routes;
use super::runs::existing_run_id;
use crate::events::{EventFilter, EventTypePattern, Followed, follow};
use crate::ids::RunId;
use crate::runs::{RunStatus, RunType};

const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;
/// How long a browser waits before reconnecting a dropped stream, in milliseconds.
const RECONNECT_MS: u32 = 2000;

#[utoipa::path(
    get,
    path = "/v1/events",
    tag = "events",
    summary = "Events of every run",
    params(
        ("run_id" = Option<String>, Query, description = "Events of this run only"),
        ("after" = Option<String>, Query, description = "Events after this id, or `now` (`Last-Event-ID` wins)"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "Without a stream: at most this many events"),
        ("status" = Option<Vec<RunStatus>>, Query, description = "Events of runs in these statuses"),
        ("event_type" = Option<Vec<String>>, Query, description = "Events of these types (`run.*` patterns)"),
        ("run_type" = Option<Vec<String>>, Query, description = "Events of runs of these types"),
    ),
    responses(
        (status = 200, description = "With `Accept: text/event-stream`, a stream that never ends on its own (`id:` and `data:` per event, heartbeats); otherwise one JSON page of events, oldest first", content((Vec<Object> = "application/json"), (String = "text/event-stream"))),
    ),
)]
async fn all_events(state: web::Data<AppState>, request: HttpRequest) -> Result<HttpResponse, ApiError> {
    let run_id = match single_query_value(&request, "run_id") {
        None => None,
        Some(text) => Some(
            RunId::parse(&text)
                .map_err(|e| ApiError::invalid(Location::query("run_id"), Problem::Value, e.to_string()))?,
        ),
    };
    respond(&state, &request, run_id).await
}

#[utoipa::path(
    get,
    path = "/v1/runs/{run_id}/events",
    tag = "events",
    summary = "Events of a run",
    params(
        RunPath,
        ("after" = Option<String>, Query, description = "Events after this id, or `now` (`Last-Event-ID` wins)"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "Without a stream: at most this many events"),
        ("status" = Option<Vec<RunStatus>>, Query, description = "Events of runs in these statuses"),
        ("event_type" = Option<Vec<String>>, Query, description = "Events of these types (`run.*` patterns)"),
        ("run_type" = Option<Vec<String>>, Query, description = "Events of runs of these types"),
    ),
    responses(
        (status = 200, description = "With `Accept: text/event-stream`, a stream that never ends on its own (`id:` and `data:` per event, heartbeats); otherwise one JSON page of events, oldest first", content((Vec<Object> = "application/json"), (String = "text/event-stream"))),
        (status = 404, description = "No such run", body = ErrorBody),
    ),
)]
async fn run_events(
    state: web::Data<AppState>,
    path: web::Path<RunPath>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let run_id = existing_run_id(&state, &path).await?;
    respond(&state, &request, Some(run_id)).await
}

async fn respond(state: &AppState, request: &HttpRequest, run_id: Option<RunId>) -> Result<HttpResponse, ApiError> {
    let Some(filter) = filter(request, run_id)? else {
        // Only run types this appliance never produces: nothing will ever match.
        return Ok(HttpResponse::Ok().json(Vec::<()>::new()));
    };
    let after = match resume_point(request)? {
        ResumePoint::After(id) => id,
        ResumePoint::Now => state.store.last_event_id().await?,
    };
    if !wants_stream(request) {
        let limit = number_in(request, "limit", DEFAULT_LIMIT, 1..=MAX_LIMIT)?;
        let events = state.store.events(filter, after, limit as usize).await?;
        let page: Vec<&str> = events.iter().map(|event| event.json()).collect();
        return Ok(HttpResponse::Ok().content_type("application/json").body(format!("[{}]", page.join(","))));
    }
    let stream = follow(state.store.clone(), filter, after, state.heartbeat)
        .map(|followed| Ok::<_, Infallible>(frame(&followed)))
        .take_until(state.stopping.clone().cancelled_owned());
    let opening =
        futures::stream::once(async { Ok::<_, Infallible>(Bytes::from(format!("retry: {RECONNECT_MS}\n\n"))) });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("cache-control", "no-cache"))
        // Proxies (nginx) would otherwise hold events back to fill their buffers.
        .insert_header(("x-accel-buffering", "no"))
        .streaming(opening.chain(stream)))
}

/// One SSE frame.
fn frame(followed: &Followed) -> Bytes {
    match followed {
        Followed::Event(event) => Bytes::from(format!("id: {}\ndata: {}\n\n", event.id, event.json())),
        Followed::Heartbeat => Bytes::from_static(b": heartbeat\n\n"),
        Followed::Lagged { resume_after, reason } => {
            let data = json!({ "resume_after": resume_after, "reason": reason });
            Bytes::from(format!("id: {resume_after}\nevent: lagged\ndata: {data}\n\n"))
        }
    }
}

fn wants_stream(request: &HttpRequest) -> bool {
    request
        .headers()
        .get_all("accept")
        .filter_map(|value| value.to_str().ok())
        .any(|accept| accept.split(',').any(|kind| kind.trim().starts_with("text/event-stream")))
}

/// Where a follower starts.
enum ResumePoint {
    After(i64),
    /// After the newest event: only what happens from now on (`?after=now`).
    Now,
}

/// After which event to start: `Last-Event-ID` (a reconnecting browser's) wins over `?after=`,
/// which is an event id or `now`.
fn resume_point(request: &HttpRequest) -> Result<ResumePoint, ApiError> {
    let header = request.headers().get("last-event-id").map(|value| value.to_str().unwrap_or_default().to_owned());
    let (text, location) = match header {
        Some(text) => (text, Location::header("last-event-id")),
        None => match single_query_value(request, "after") {
            Some(text) => (text, Location::query("after")),
            None => return Ok(ResumePoint::After(0)),
        },
    };
    if text.trim() == "now" {
        return Ok(ResumePoint::Now);
    }
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id >= 0)
        .map(ResumePoint::After)
        .ok_or_else(|| ApiError::invalid(location, Problem::Value, "must be an event id (0 or more) or `now`"))
}

/// The filter the query asks for; `None` when it can match nothing.
fn filter(request: &HttpRequest, run_id: Option<RunId>) -> Result<Option<EventFilter>, ApiError> {
    let statuses = statuses(request)?;
    let event_types = query_values(request, "event_type")
        .iter()
        .map(|text| {
            EventTypePattern::parse(text)
                .map_err(|reason| ApiError::invalid(Location::query("event_type"), Problem::Enum, reason))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let Some(run_types) = filter_values(request, "run_type", RunType::parse, &RunType::SKYVERN_ONLY)? else {
        return Ok(None);
    };
    Ok(Some(EventFilter { run_id, statuses, run_types, event_types }))
}

pub(super) fn routes(routes: &mut Routes) {
    routes.add(__path_all_events, all_events).add(__path_run_events, run_events);
}
