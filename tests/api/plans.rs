//! Plans (Skyvern's agents, formerly workflows) are saved whole or refused with the block and
//! field named, keep every version, and are found, listed and deleted under both names.

use serde_json::{Value, json};

use crate::helpers::TestApp;

/// A plan of a loop over a parameter with a navigation and an extraction in it, then a
/// conditional with a template branch and a default.
fn invoice_plan(title: &str) -> Value {
    json!({
        "title": title,
        "workflow_definition": {
            "parameters": [
                {"parameter_type": "workflow", "key": "invoices", "workflow_parameter_type": "json", "default_value": ["a", "b"]},
                {"parameter_type": "workflow", "key": "portal", "workflow_parameter_type": "string", "default_value": "https://example.org"}
            ],
            "blocks": [
                {"block_type": "for_loop", "label": "each_invoice", "loop_over_parameter_key": "invoices", "next_block_label": "check", "loop_blocks": [
                    {"block_type": "navigation", "label": "open_invoice", "url": "{{ portal }}/invoices/{{ current_value }}",
                     "navigation_goal": "Open invoice {{ current_value }}"},
                    {"block_type": "extraction", "label": "read_total", "data_extraction_goal": "Read the total",
                     "data_schema": {"type": "object", "properties": {"total": {"type": "string"}}}}
                ]},
                {"block_type": "conditional", "label": "check", "branch_conditions": [
                    {"criteria": {"criteria_type": "jinja2_template", "expression": "{{ each_invoice.output | length > 1 }}"}, "next_block_label": "done"},
                    {"is_default": true, "next_block_label": "done"}
                ]},
                {"block_type": "wait", "label": "done", "wait_sec": 0}
            ]
        }
    })
}

const INVOICE_PLAN_YAML: &str = r#"
title: Invoices
workflow_definition:
  parameters:
    - parameter_type: workflow
      key: invoices
      workflow_parameter_type: json
      default_value: ["a", "b"]
    - parameter_type: workflow
      key: portal
      workflow_parameter_type: string
      default_value: https://example.org
  blocks:
    - block_type: for_loop
      label: each_invoice
      loop_over_parameter_key: invoices
      next_block_label: check
      loop_blocks:
        - block_type: navigation
          label: open_invoice
          url: "{{ portal }}/invoices/{{ current_value }}"
          navigation_goal: "Open invoice {{ current_value }}"
        - block_type: extraction
          label: read_total
          data_extraction_goal: Read the total
          data_schema:
            type: object
            properties:
              total: {type: string}
    - block_type: conditional
      label: check
      branch_conditions:
        - criteria: {criteria_type: jinja2_template, expression: "{{ each_invoice.output | length > 1 }}"}
          next_block_label: done
        - is_default: true
          next_block_label: done
    - block_type: wait
      label: done
      wait_sec: 0
"#;

async fn save(app: &TestApp, path: &str, body: Value) -> Value {
    let response = app.post(path).json(&body).send().await.unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "saving failed: {body}");
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_saved_as_yaml_or_json_is_the_same_plan_with_skyverns_saved_shape() {
    let app = TestApp::spawn().await;
    let from_json = save(&app, "/v1/agents", json!({"json_definition": invoice_plan("Invoices")})).await;
    let from_yaml = save(&app, "/v1/workflows", json!({"yaml_definition": INVOICE_PLAN_YAML})).await;

    assert_eq!(from_json["workflow_definition"]["blocks"].as_array().unwrap().len(), 3);
    let definition = |plan: &Value| {
        let mut definition = plan["workflow_definition"].to_string();
        for id in [&plan["workflow_id"], &plan["workflow_permanent_id"]] {
            definition = definition.replace(id.as_str().unwrap(), "ID");
        }
        definition.replace(plan["created_at"].as_str().unwrap(), "T")
    };
    assert_eq!(definition(&from_json), definition(&from_yaml), "YAML and JSON give the same definition");
    assert!(from_json["workflow_permanent_id"].as_str().unwrap().starts_with("wpid_"));
    assert!(from_json["workflow_id"].as_str().unwrap().starts_with("w_"));
    assert_eq!(from_json["version"], 1);
    let loop_block = &from_json["workflow_definition"]["blocks"][0];
    assert_eq!(loop_block["output_parameter"]["key"], "each_invoice_output");
    assert_eq!(loop_block["loop_blocks"][1]["output_parameter"]["key"], "read_total_output");
    assert!(from_json["workflow_definition"]["parameters"][0]["workflow_parameter_id"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updating_a_plan_adds_a_version_and_every_version_stays_readable() {
    let app = TestApp::spawn().await;
    let first = save(&app, "/v1/agents", json!({"json_definition": invoice_plan("Invoices")})).await;
    let plan_id = first["workflow_permanent_id"].as_str().unwrap();
    let second =
        save(&app, &format!("/v1/agents/{plan_id}"), json!({"json_definition": invoice_plan("Invoices, monthly")}))
            .await;
    assert_eq!((second["workflow_permanent_id"].as_str(), second["version"].as_i64()), (Some(plan_id), Some(2)));
    assert_ne!(second["workflow_id"], first["workflow_id"], "each version has its own id");

    let newest: Value = app.get_json(&format!("/v1/agents/{plan_id}")).await;
    assert_eq!(newest["title"], "Invoices, monthly");
    let older: Value = app.get_json(&format!("/v1/workflows/{plan_id}?version=1")).await;
    assert_eq!(older["title"], "Invoices");
    let versions: Vec<Value> = app.get_json(&format!("/v1/agents/{plan_id}/versions")).await;
    assert_eq!(versions.iter().map(|v| v["version"].as_i64().unwrap()).collect::<Vec<_>>(), [2, 1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plans_are_listed_by_title_and_a_deleted_plan_is_gone_from_everywhere() {
    let app = TestApp::spawn().await;
    let kept = save(&app, "/v1/agents", json!({"json_definition": invoice_plan("Monthly invoices")})).await;
    let deleted = save(&app, "/v1/agents", json!({"json_definition": invoice_plan("Weekly reports")})).await;

    let found: Vec<Value> = app.get_json("/v1/agents?title=invoice").await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["workflow_permanent_id"], kept["workflow_permanent_id"]);
    let plan_id = deleted["workflow_permanent_id"].as_str().unwrap();
    let response = app.post(&format!("/v1/agents/{plan_id}/delete")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let all: Vec<Value> = app.get_json("/v1/workflows").await;
    assert_eq!(all.len(), 1, "{all:?}");
    for path in [format!("/v1/agents/{plan_id}"), format!("/v1/agents/{plan_id}/versions")] {
        assert_eq!(app.get(&path).send().await.unwrap().status(), 404, "{path}");
    }
    let update = app
        .post(&format!("/v1/agents/{plan_id}"))
        .json(&json!({"json_definition": invoice_plan("x")}))
        .send()
        .await
        .unwrap();
    assert_eq!(update.status(), 404, "a deleted plan takes no new version");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_with_a_mistake_is_refused_naming_the_block_and_the_field() {
    let app = TestApp::spawn().await;
    let mut plan = invoice_plan("Broken");
    plan["workflow_definition"]["blocks"][0]["loop_blocks"][0]["url"] = json!("{{ nowhere }}/x");
    let response = app.post("/v1/agents").json(&json!({"json_definition": plan})).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    let loc: Vec<String> = serde_json::from_value(body["detail"][0]["loc"].clone()).unwrap();
    assert_eq!(loc.first().map(String::as_str), Some("body"));
    assert!(loc.ends_with(&["blocks".into(), "0".into(), "loop_blocks".into(), "0".into(), "url".into()]), "{loc:?}");
    assert!(body["detail"][0]["msg"].as_str().unwrap().contains("nowhere"), "{body}");
    let listed: Vec<Value> = app.get_json("/v1/agents").await;
    assert!(listed.is_empty(), "nothing of a refused plan is saved");
}
