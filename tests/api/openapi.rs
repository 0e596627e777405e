//! The appliance's own OpenAPI document (`GET /v1/openapi.json`): a valid OpenAPI 3.1 document
//! whose paths and methods are exactly what the appliance serves.
//!
//! `openapi_3_1_schema.json` beside this file is the OpenAPI Initiative's schema of 3.1
//! documents (schemas/v3.1/schema.yaml at 0035208, as JSON).

use std::collections::{BTreeSet, HashSet};

use serde_json::Value;

use crate::helpers::TestApp;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn document(app: &TestApp) -> Value {
    let response = app.get("/v1/openapi.json").send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Every `$ref` in `value`.
fn references<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
    match value {
        Value::Object(fields) => {
            if let Some(Value::String(target)) = fields.get("$ref") {
                found.push(target);
            }
            fields.values().for_each(|field| references(field, found));
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, found)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_is_valid_openapi_3_1_and_every_reference_resolves() {
    let app = TestApp::spawn().await;
    let unkeyed = app.client.get(app.url("/v1/openapi.json")).send().await.unwrap();
    assert_eq!(unkeyed.status(), 401, "the document is behind the API key like every /v1 route");
    let document = document(&app).await;
    assert_eq!(document["openapi"], "3.1.0");
    let schema: Value = serde_json::from_str(include_str!("openapi_3_1_schema.json")).unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&document).map(|e| format!("{}: {e}", e.instance_path())).collect();
    assert!(errors.is_empty(), "not a valid OpenAPI 3.1 document: {errors:#?}");
    let mut found = Vec::new();
    references(&document, &mut found);
    for target in found {
        let name = target.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("{target} is not a schema"));
        assert!(document["components"]["schemas"].get(name).is_some(), "{target} names no schema");
    }
    let mut ids = HashSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in METHODS.iter().filter(|method| item.get(**method).is_some()) {
            let operation = &item[*method];
            let id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no id"));
            assert!(ids.insert(id.to_owned()), "{id} is the id of two operations");
            assert!(operation["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path}");
            if path.starts_with("/v1/") {
                assert!(operation["responses"].get("401").is_some(), "{method} {path} lists no 401");
            }
        }
    }
    assert!(document["paths"]["/v1/run/tasks"]["post"]["requestBody"].is_object());
    assert!(document["paths"]["/v1/runs/{run_id}/interactions"]["post"]["responses"]["409"].is_object());
    assert_eq!(
        document["paths"]["/v1/run/tasks"]["post"]["responses"]["422"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/HTTPValidationError"
    );
}

/// What `path` is with every `{parameter}` filled in.
fn filled(path: &str) -> String {
    path.split('/').map(|part| if part.starts_with('{') { "x_unknown" } else { part }).collect::<Vec<_>>().join("/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_path_serves_exactly_the_methods_the_document_names() {
    let app = TestApp::spawn().await;
    let document = document(&app).await;
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() > 70, "the document names every route ({} paths)", paths.len());
    for (path, item) in paths {
        let documented: BTreeSet<String> =
            METHODS.iter().filter(|method| item.get(**method).is_some()).map(|method| method.to_uppercase()).collect();
        // OPTIONS is served nowhere, so every path answers 405 naming the methods it serves.
        let response = app
            .client
            .request(reqwest::Method::OPTIONS, app.url(&filled(path)))
            .header("x-api-key", crate::helpers::API_KEY)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405, "OPTIONS {path}");
        let allow = response.headers()["allow"].to_str().unwrap();
        let served: BTreeSet<String> = allow.split(',').map(|method| method.trim().to_owned()).collect();
        assert_eq!(served, documented, "{path} serves {allow}");
    }
}

#[test]
fn api_routes_are_registered_only_through_the_documented_route_table() {
    let api = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    // The route table itself, and the UI's pages (not API routes).
    let allowed = ["routes.rs", "ui.rs"];
    for entry in std::fs::read_dir(api).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if allowed.contains(&name.as_str()) {
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        for registration in
            ["web::resource(", "web::route(", ".route(", "#[get(", "#[post(", "#[put(", "#[patch(", "#[delete("]
        {
            assert!(!source.contains(registration), "{name} registers a route with {registration} outside the table");
        }
    }
}
