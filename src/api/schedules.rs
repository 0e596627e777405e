//! Schedule endpoints (Skyvern's workflow schedules), under a plan by both of its names
//! (`/agents/{id}/schedules…` and `/workflows/{id}/schedules…`): create, list, read, replace,
//! delete, enable, disable; and `/schedules`, every plan's schedules by page. A schedule that
//! cannot be saved as asked answers 400 with Skyvern's message in `detail`.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::Serialize;
use serde_json::Value;

use super::AppState;
use super::error::{ApiError, ErrorBody, Location, Problem, from_body};
use super::path_ids::{PlanPath, SchedulePath, found};
use super::query::{number_in, single_query_value};
use super::routes::Routes;
use crate::ids::{PlanId, ScheduleId};
use crate::schedules::{Schedule, ScheduleRequest};
use crate::store::ScheduleFilter;
use crate::views::{
    ListedScheduleBody, ScheduleBody, ScheduleResponseBody, listed_schedule_json, schedule_json, schedule_response,
};

/// How many next firings a schedule response shows, as Skyvern.
const NEXT_RUNS: usize = 5;
const DEFAULT_PAGE_SIZE: u32 = 10;
const MAX_PAGE_SIZE: u32 = 100;

/// A plan's schedules.
#[derive(Serialize, utoipa::ToSchema)]
struct PlanSchedules {
    #[schema(value_type = Vec<ScheduleBody>)]
    schedules: Vec<Value>,
}

/// A page of every plan's schedules (Skyvern's `OrganizationScheduleListResponse`).
#[derive(Serialize, utoipa::ToSchema)]
struct SchedulePage {
    #[schema(value_type = Vec<ListedScheduleBody>)]
    schedules: Vec<Value>,
    total_count: u64,
    page: u32,
    page_size: u32,
}

/// What a delete answers.
#[derive(Serialize, utoipa::ToSchema)]
struct Deleted {
    ok: bool,
}

/// The plan's id, or Skyvern's 404 for a schedule's plan.
fn plan_id(text: &str) -> Result<PlanId, ApiError> {
    found(PlanId::parse(text), "Workflow", text)
}

/// The plan and schedule ids of a schedule's path.
fn ids(path: &SchedulePath) -> Result<(PlanId, ScheduleId), ApiError> {
    let plan_id = plan_id(&path.workflow_permanent_id)?;
    let schedule_id = found(ScheduleId::parse(&path.workflow_schedule_id), "Schedule", &path.workflow_schedule_id)?;
    Ok((plan_id, schedule_id))
}

fn with_next_runs(schedule: &Schedule) -> HttpResponse {
    HttpResponse::Ok().json(schedule_response(schedule, &schedule.upcoming(Utc::now(), NEXT_RUNS)))
}

#[utoipa::path(
    post,
    path = "/v1/agents/{workflow_permanent_id}/schedules",
    tag = "schedules",
    summary = "Create a schedule",
    params(PlanPath),
    request_body = ScheduleRequest,
    responses(
        (status = 200, description = "The schedule and its next firings", body = ScheduleResponseBody),
        (status = 400, description = "The schedule cannot fire as asked (Skyvern's message in `detail`)", body = ErrorBody),
        (status = 404, description = "No such plan", body = ErrorBody),
    ),
)]
async fn create_schedule(
    state: web::Data<AppState>,
    path: web::Path<PlanPath>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let plan_id = plan_id(&path.workflow_permanent_id)?;
    let request: ScheduleRequest = from_body(body.into_inner())?;
    let schedule = state.schedules.create(&plan_id, request).await?;
    tracing::info!(%plan_id, schedule_id = %schedule.id, cron = schedule.cron_expression, "schedule created");
    Ok(with_next_runs(&schedule))
}

#[utoipa::path(
    get,
    path = "/v1/agents/{workflow_permanent_id}/schedules",
    tag = "schedules",
    summary = "List a plan's schedules",
    params(PlanPath),
    responses(
        (status = 200, description = "The plan's schedules", body = PlanSchedules),
        (status = 404, description = "No such plan", body = ErrorBody),
    ),
)]
async fn plan_schedules(state: web::Data<AppState>, path: web::Path<PlanPath>) -> Result<HttpResponse, ApiError> {
    let schedules = state.schedules.of_plan(&plan_id(&path.workflow_permanent_id)?).await?;
    let schedules: Vec<Value> = schedules.iter().map(schedule_json).collect();
    Ok(HttpResponse::Ok().json(PlanSchedules { schedules }))
}

#[utoipa::path(
    get,
    path = "/v1/agents/{workflow_permanent_id}/schedules/{workflow_schedule_id}",
    tag = "schedules",
    summary = "Get a schedule",
    params(SchedulePath),
    responses(
        (status = 200, description = "The schedule and its next firings", body = ScheduleResponseBody),
        (status = 404, description = "No such plan or schedule", body = ErrorBody),
    ),
)]
async fn get_schedule(state: web::Data<AppState>, path: web::Path<SchedulePath>) -> Result<HttpResponse, ApiError> {
    let (plan_id, schedule_id) = ids(&path)?;
    Ok(with_next_runs(&state.schedules.get(&plan_id, &schedule_id).await?))
}

#[utoipa::path(
    put,
    path = "/v1/agents/{workflow_permanent_id}/schedules/{workflow_schedule_id}",
    tag = "schedules",
    summary = "Replace a schedule",
    params(SchedulePath),
    request_body = ScheduleRequest,
    responses(
        (status = 200, description = "The schedule and its next firings", body = ScheduleResponseBody),
        (status = 400, description = "The schedule cannot fire as asked (Skyvern's message in `detail`)", body = ErrorBody),
        (status = 404, description = "No such plan or schedule", body = ErrorBody),
    ),
)]
async fn update_schedule(
    state: web::Data<AppState>,
    path: web::Path<SchedulePath>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let (plan_id, schedule_id) = ids(&path)?;
    let request: ScheduleRequest = from_body(body.into_inner())?;
    let schedule = state.schedules.update(&plan_id, &schedule_id, request).await?;
    tracing::info!(%plan_id, %schedule_id, cron = schedule.cron_expression, enabled = schedule.enabled, "schedule updated");
    Ok(with_next_runs(&schedule))
}

#[utoipa::path(
    delete,
    path = "/v1/agents/{workflow_permanent_id}/schedules/{workflow_schedule_id}",
    tag = "schedules",
    summary = "Delete a schedule",
    params(SchedulePath),
    responses(
        (status = 200, description = "Deleted", body = Deleted),
        (status = 404, description = "No such plan or schedule", body = ErrorBody),
    ),
)]
async fn delete_schedule(state: web::Data<AppState>, path: web::Path<SchedulePath>) -> Result<HttpResponse, ApiError> {
    let (plan_id, schedule_id) = ids(&path)?;
    state.schedules.delete(&plan_id, &schedule_id).await?;
    tracing::info!(%plan_id, %schedule_id, "schedule deleted");
    Ok(HttpResponse::Ok().json(Deleted { ok: true }))
}

async fn set_enabled(state: &AppState, path: &SchedulePath, enabled: bool) -> Result<HttpResponse, ApiError> {
    let (plan_id, schedule_id) = ids(path)?;
    let schedule = state.schedules.set_enabled(&plan_id, &schedule_id, enabled).await?;
    tracing::info!(%plan_id, %schedule_id, enabled, "schedule enabled state changed");
    Ok(with_next_runs(&schedule))
}

#[utoipa::path(
    post,
    path = "/v1/agents/{workflow_permanent_id}/schedules/{workflow_schedule_id}/enable",
    tag = "schedules",
    summary = "Enable a schedule",
    params(SchedulePath),
    responses(
        (status = 200, description = "The schedule and its next firings", body = ScheduleResponseBody),
        (status = 404, description = "No such plan or schedule", body = ErrorBody),
    ),
)]
async fn enable_schedule(state: web::Data<AppState>, path: web::Path<SchedulePath>) -> Result<HttpResponse, ApiError> {
    set_enabled(&state, &path, true).await
}

#[utoipa::path(
    post,
    path = "/v1/agents/{workflow_permanent_id}/schedules/{workflow_schedule_id}/disable",
    tag = "schedules",
    summary = "Pause a schedule",
    params(SchedulePath),
    responses(
        (status = 200, description = "The schedule and its next firings", body = ScheduleResponseBody),
        (status = 404, description = "No such plan or schedule", body = ErrorBody),
    ),
)]
async fn disable_schedule(state: web::Data<AppState>, path: web::Path<SchedulePath>) -> Result<HttpResponse, ApiError> {
    set_enabled(&state, &path, false).await
}

/// `status=active|paused`, as Skyvern reads it.
fn enabled_filter(request: &HttpRequest) -> Result<Option<bool>, ApiError> {
    match single_query_value(request, "status").as_deref() {
        None => Ok(None),
        Some("active") => Ok(Some(true)),
        Some("paused") => Ok(Some(false)),
        Some(_) => Err(ApiError::invalid(Location::query("status"), Problem::Enum, "must be 'active' or 'paused'")),
    }
}

#[utoipa::path(
    get,
    path = "/v1/schedules",
    tag = "schedules",
    summary = "List every plan's schedules",
    params(
        ("status" = Option<String>, Query, description = "`active` or `paused`"),
        ("search" = Option<String>, Query, description = "Schedules whose name or plan title contains this"),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 1000000),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 100),
    ),
    responses((status = 200, description = "A page of schedules", body = SchedulePage)),
)]
async fn list_schedules(state: web::Data<AppState>, request: HttpRequest) -> Result<HttpResponse, ApiError> {
    let filter = ScheduleFilter {
        enabled: enabled_filter(&request)?,
        search: single_query_value(&request, "search").filter(|s| !s.is_empty()).map(|s| s.chars().take(200).collect()),
        page: number_in(&request, "page", 1, 1..=1_000_000)?,
        page_size: number_in(&request, "page_size", DEFAULT_PAGE_SIZE, 1..=MAX_PAGE_SIZE)?,
    };
    let (page, page_size) = (filter.page, filter.page_size);
    let found = state.schedules.list(filter).await?;
    let now = Utc::now();
    let schedules: Vec<Value> = found
        .schedules
        .iter()
        .map(|listed| {
            let next_run = listed.schedule.enabled.then(|| listed.schedule.upcoming(now, 1).first().copied()).flatten();
            listed_schedule_json(listed, next_run)
        })
        .collect();
    Ok(HttpResponse::Ok().json(SchedulePage { schedules, total_count: found.total_count, page, page_size }))
}

/// The schedule routes under both of Skyvern's names for plans, and the list of all schedules.
pub(super) fn routes(routes: &mut Routes) {
    routes.add(__path_list_schedules, list_schedules).also_under("/v1/agents", "/v1/workflows", |routes| {
        routes
            .add(__path_create_schedule, create_schedule)
            .add(__path_plan_schedules, plan_schedules)
            .add(__path_get_schedule, get_schedule)
            .add(__path_update_schedule, update_schedule)
            .add(__path_delete_schedule, delete_schedule)
            .add(__path_enable_schedule, enable_schedule)
            .add(__path_disable_schedule, disable_schedule);
    });
}
