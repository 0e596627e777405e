//! Plan endpoints (Skyvern's agents, formerly workflows; both paths are served): create, list,
//! read, update (a new version), delete, versions. A definition is validated whole before it is
//! saved; a 422 names the block and the field.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::AppState;
use super::error::{ApiError, Location, Problem};
use super::query::{number_in, single_query_value};
use crate::ids::PlanId;
use crate::plans::{DefinitionError, PlanRequest, StoredPlan};
use crate::store::PlanFilter;
use crate::views::plan_response;

const DEFAULT_PAGE_SIZE: u32 = 10;
const MAX_PAGE_SIZE: u32 = 100;

fn plan_id(text: &str) -> Result<PlanId, ApiError> {
    PlanId::parse(text).map_err(|_| ApiError::not_found(format!("plan {}", text.chars().take(64).collect::<String>())))
}

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

async fn create_plan(state: web::Data<AppState>, body: web::Json<Value>) -> Result<HttpResponse, ApiError> {
    let plan = save_new_plan(&state, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(plan_response(&plan)))
}

async fn update_plan(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let plan_id = plan_id(&path)?;
    let request = validated(body.into_inner())?;
    let plan = state.store.update_plan(&plan_id, request.title.clone(), canonical(&request)?).await?;
    tracing::info!(plan_id = %plan.plan_id, version = plan.version, "plan updated");
    Ok(HttpResponse::Ok().json(plan_response(&plan)))
}

async fn get_plan(
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let plan_id = plan_id(&path)?;
    let version = match single_query_value(&request, "version") {
        None => None,
        Some(text) => Some(text.parse::<i64>().ok().filter(|v| *v >= 1).ok_or_else(|| {
            ApiError::invalid(Location::query("version"), Problem::Value, "must be a version number (1 or more)")
        })?),
    };
    Ok(HttpResponse::Ok().json(plan_response(&state.store.plan(&plan_id, version).await?)))
}

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

async fn plan_versions(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let versions: Vec<Value> = state.store.plan_versions(&plan_id(&path)?).await?.iter().map(plan_response).collect();
    Ok(HttpResponse::Ok().json(versions))
}

async fn delete_plan(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let plan_id = plan_id(&path)?;
    state.store.delete_plan(&plan_id).await?;
    tracing::info!(%plan_id, "plan deleted");
    Ok(HttpResponse::Ok().json(json!({ "workflow_permanent_id": plan_id, "deleted": true })))
}

/// Both of Skyvern's names for plans: `/agents` and the older `/workflows`.
pub fn routes(config: &mut web::ServiceConfig) {
    for base in ["/agents", "/workflows"] {
        config
            .service(web::resource(base).post(create_plan).get(list_plans))
            .service(web::resource(format!("{base}/{{plan_id}}")).get(get_plan).post(update_plan))
            .service(web::resource(format!("{base}/{{plan_id}}/delete")).post(delete_plan))
            .service(web::resource(format!("{base}/{{plan_id}}/versions")).get(plan_versions));
    }
}
