//! The appliance's own OpenAPI 3.1 document, served at `GET /v1/openapi.json`: the operations
//! come from the route table (`routes`, each handler's `#[utoipa::path]`), the schemas from the
//! wire types they name; what every `/v1` operation shares (the API key, its 401 and 403, the
//! 413 and 422 of a refused request) is added here once.

use std::sync::OnceLock;

use actix_web::HttpResponse;
use utoipa::OpenApi;
use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Ref, RefOr, Response, ResponseBuilder, content::ContentBuilder};

use super::error::{ErrorBody, HttpValidationError, ValidationError};
use super::routes::Routes;

/// The parts of the document that are not operations.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Skyvern appliance API",
        description = "Skyvern's REST API as this self-hosted appliance serves it, with its extensions. \
            Every /v1 operation takes the API key in `x-api-key`.",
        license(name = "AGPL-3.0-only", identifier = "AGPL-3.0-only"),
    ),
    components(schemas(ErrorBody, HttpValidationError, ValidationError)),
    tags(
        (name = "runs", description = "Task runs: create, read, list, cancel, answer, review, rerun"),
        (name = "artifacts", description = "What runs leave: screenshots, recordings, downloads, traces"),
        (name = "files", description = "Uploaded files"),
        (name = "agents", description = "Plans (Skyvern's agents, formerly workflows) and their versions"),
        (name = "agent runs", description = "Runs of plans and one-block runs"),
        (name = "workflows", description = "The same plans and plan runs under the name older SDKs use"),
        (name = "schedules", description = "When plans run by themselves"),
        (name = "credentials", description = "The credential vault"),
        (name = "browser sessions", description = "Browsers kept open between runs"),
        (name = "browser profiles", description = "Saved cookies and storage"),
        (name = "events", description = "Server-sent events and the live view"),
        (name = "webhooks", description = "Deliveries of run webhooks"),
        (name = "appliance", description = "Version, health, status, keys, model and sign-in"),
    )
)]
struct Base;

const KEY_SCHEME: &str = "api_key";

/// The document, assembled once from the route tables.
pub fn document() -> &'static serde_json::Value {
    static DOCUMENT: OnceLock<serde_json::Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut document = Base::openapi();
        let mut api = Routes::new("/v1");
        super::api_routes(&mut api);
        api.describe(&mut document);
        let mut metrics = Routes::new("/metrics");
        super::metrics::routes(&mut metrics);
        metrics.describe(&mut document);
        for (path, item) in document.paths.paths.iter_mut() {
            let keyed = path.starts_with("/v1/") || path == "/metrics";
            for operation in
                [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten()
            {
                shared_responses(operation, keyed);
            }
        }
        let mut unkeyed = Routes::new("");
        super::open_routes(&mut unkeyed);
        unkeyed.describe(&mut document);
        let components = document.components.get_or_insert_with(Default::default);
        let key = ApiKey::Header(ApiKeyValue::with_description("x-api-key", "An API key of this appliance"));
        components.security_schemes.insert(KEY_SCHEME.into(), SecurityScheme::ApiKey(key).into());
        serde_json::to_value(&document).expect("the document serializes")
    })
}

/// What every `/v1` operation may answer besides its own responses.
fn shared_responses(operation: &mut Operation, keyed: bool) {
    let in_query =
        |parameter: &RefOr<Parameter>| matches!(parameter, RefOr::T(p) if p.parameter_in != ParameterIn::Path);
    let refused = operation.parameters.iter().flatten().any(in_query) || operation.request_body.is_some();
    let mut add = |status: &str, response: Response| {
        operation.responses.responses.entry(status.into()).or_insert(response.into());
    };
    if keyed {
        add("401", error_response("No API key, or a UI sign-in that is over", "ErrorBody"));
        add("403", error_response("An unknown or revoked API key, or a UI change without its CSRF token", "ErrorBody"));
    }
    if operation.request_body.is_some() {
        add("413", error_response("The request body is larger than server.max_body_bytes", "ErrorBody"));
    }
    if refused {
        add("422", error_response("A refused value; `detail` names where it was", "HTTPValidationError"));
    }
    if keyed {
        operation.security = Some(vec![SecurityRequirement::new(KEY_SCHEME, Vec::<String>::new())]);
    }
}

fn error_response(description: &str, schema: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name(schema))).build())
        .build()
}

/// The document itself.
#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    tag = "appliance",
    summary = "This API's OpenAPI 3.1 document",
    responses((status = 200, description = "The document", content_type = "application/json", body = Object)),
)]
pub(super) async fn openapi_document() -> HttpResponse {
    HttpResponse::Ok().json(document())
}
