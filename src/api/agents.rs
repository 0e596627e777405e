//! Plan endpoints (Skyvern's agents, formerly workflows; both paths are served): create, list,
//! read, update (a new version), delete, versions. A definition is validated whole before it is
//! saved; a 422 names the block and the field.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;

use super::AppState;
use super::error::{ApiError, ErrorBody, Location, Problem};
use super::path_ids::PlanPath;
use super::query::{number_in, single_query_value};
use super::routes::Routes;
use crate::plans::PlanRequestBody;
use crate::plans::{DefinitionError, PlanRequest, StoredPlan};
use crate::store::PlanFilter;
use crate::views::{PlanBody, plan_response};

const DEFAULT_PAGE_SIZE: u32 = 10;
const MAX_PAGE_SIZE: u32 = 100;

impl From<DefinitionError> for ApiError {
    /// A 422 naming the place in the body.
    fn from(DefinitionError { location, message }: DefinitionError) -> ApiError {
        let location = location.into_iter().fold(Location::body(), Location::then);
        ApiError::invalid(location, Problem::Value, message)
    }
}

/// The request as a validated plan, or a 422 naming the place in the body.
fn validated(body: Value) -> Result<PlanRequest, ApiError> {
    Ok(PlanRequest::from_request(body)?)
}

/// The canonical form a plan is saved in.
fn canonical(request: &PlanRequest) -> Result<Value, ApiError> {
    serde_json::to_value(request).map_err(|e| ApiError::internal(&e))
}

/// Validates and saves a new plan (`body`: Skyvern's create request).
pub(super) async fn save_new_plan(state: &AppState, body: Value) -> Result<StoredPlan, ApiError> {
    let request = validated(body)?;
    let plan = state.store.create_plan(request.title.clone(), canonical(&request)?).await?;
    tracing::info!(plan_id = %plan.plan_id, title = request.title, "plan created");
    Ok(plan)
}

#[utoipa::path(
    post,
    path = "/v1/agents",
    tag = "agents",
    summary = "Create a plan",
    request_body = PlanRequestBody,
    responses((status = 200, description = "The saved plan, version 1", body = PlanBody)),
)]
async fn create_plan(state: web::Data<AppState>, body: web::Json<Value>) -> Result<HttpResponse, ApiError> {
    let plan = save_new_plan(&state, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(plan_response(&plan)))
}

#[utoipa::path(
    post,
    path = "/v1/agents/{workflow_permanent_id}",
    tag = "agents",
    summary = "Save a new version of a plan",
    params(PlanPath),
    request_body = PlanRequestBody,
    responses(
        (status = 200, description = "The plan's new version", body = PlanBody),
        (status = 404, description = "No such plan", body = ErrorBody),
    ),
)]
async fn update_plan(
    state: web::Data<AppState>,
    path: web::Path<PlanPath>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let plan_id = path.id()?;
    let request = validated(body.into_inner())?;
    let plan = state.store.update_plan(&plan_id, request.title.clone(), canonical(&request)?).await?;
    tracing::info!(plan_id = %plan.plan_id, version = plan.version, "plan updated");
    Ok(HttpResponse::Ok().json(plan_response(&plan)))
}

#[utoipa::path(
    get,
    path = "/v1/agents/{workflow_permanent_id}",
    tag = "agents",
    summary = "Get a plan",
    params(
        PlanPath,
        ("version" = Option<u32>, Query, minimum = 1, description = "A version (1 or more); the latest if left out"),
    ),
    responses(
        (status = 200, description = "The plan", body = PlanBody),
        (status = 404, description = "No such plan", body = ErrorBody),
    ),
)]
async fn get_plan(
    state: web::Data<AppState>,
    path: web::Path<PlanPath>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let plan_id = path.id()?;
    let version = match single_query_value(&request, "version") {
        None => None,
        Some(text) => Some(text.parse::<i64>().ok().filter(|v| *v >= 1).ok_or_else(|| {
            ApiError::invalid(Location::query("version"), Problem::Value, "must be a version number (1 or more)")
        })?),
    };
    Ok(HttpResponse::Ok().json(plan_response(&state.store.plan(&plan_id, version).await?)))
}

#[utoipa::path(
    get,
    path = "/v1/agents",
    tag = "agents",
    summary = "List plans",
    params(
        ("title" = Option<String>, Query, description = "Plans whose title contains this"),
        ("search_key" = Option<String>, Query, description = "The same as `title`"),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 1000000),
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 100),
    ),
    responses((status = 200, description = "The plans, newest first", body = Vec<PlanBody>)),
)]
async fn list_plans(state: web::Data<AppState>, request: HttpRequest) -> Result<HttpResponse, ApiError> {
    // Skyvern's clients send the title as `title` or `search_key`.
    let title = single_query_value(&request, "title").or_else(|| single_query_value(&request, "search_key"));
    let filter = PlanFilter {
        title: title.filter(|t| !t.is_empty()).map(|t| t.chars().take(200).collect()),
        page: number_in(&request, "page", 1, 1..=1_000_000)?,
        page_size: number_in(&request, "page_size", DEFAULT_PAGE_SIZE, 1..=MAX_PAGE_SIZE)?,
    };
    let plans: Vec<Value> = state.store.list_plans(filter).await?.iter().map(plan_response).collect();
    Ok(HttpResponse::Ok().json(plans))
}

#[utoipa::path(
    get,
    path = "/v1/agents/{workflow_permanent_id}/versions",
    tag = "agents",
    summary = "List a plan's versions",
    params(PlanPath),
    responses(
        (status = 200, description = "Every version, newest first", body = Vec<PlanBody>),
        (status = 404, description = "No such plan", body = ErrorBody),
    ),
)]
async fn plan_versions(state: web::Data<AppState>, path: web::Path<PlanPath>) -> Result<HttpResponse, ApiError> {
    let versions: Vec<Value> = state.store.plan_versions(&path.id()?).await?.iter().map(plan_response).collect();
    Ok(HttpResponse::Ok().json(versions))
}

/// What deleting a plan answers.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct DeletedPlan {
    workflow_permanent_id: String,
    deleted: bool,
}

#[utoipa::path(
    post,
    path = "/v1/agents/{workflow_permanent_id}/delete",
    tag = "agents",
    summary = "Delete a plan",
    params(PlanPath),
    responses(
        (status = 200, description = "The plan is deleted", body = DeletedPlan),
        (status = 404, description = "No such plan", body = ErrorBody),
    ),
)]
async fn delete_plan(state: web::Data<AppState>, path: web::Path<PlanPath>) -> Result<HttpResponse, ApiError> {
    let plan_id = path.id()?;
    state.store.delete_plan(&plan_id).await?;
    tracing::info!(%plan_id, "plan deleted");
    Ok(HttpResponse::Ok().json(DeletedPlan { workflow_permanent_id: plan_id.to_string(), deleted: true }))
}

/// Both of Skyvern's names for plans: `/agents` and the older `/workflows`.
/// The plan routes, under both of Skyvern's names for plans.
pub(super) fn routes(routes: &mut Routes) {
    routes.also_under("/v1/agents", "/v1/workflows", |routes| {
        routes
            .add(__path_create_plan, create_plan)
            .add(__path_list_plans, list_plans)
            .add(__path_get_plan, get_plan)
            .add(__path_update_plan, update_plan)
            .add(__path_delete_plan, delete_plan)
            .add(__path_plan_versions, plan_versions);
    });
}
