//! API keys and the webhook signing secret, managed over HTTP as the CLI manages them.

use serde_json::{Value, json};

use crate::helpers::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_made_over_the_api_is_shown_once_works_and_stops_working_when_revoked() {
    let app = TestApp::spawn().await;
    let response = app.post("/v1/api_keys").json(&json!({"name": "  ci runner "})).send().await.unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    let key = created["api_key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("skv_"));
    assert_eq!(created["name"], "ci runner");
    assert!(key.starts_with(created["prefix"].as_str().unwrap()));
    assert_eq!(created["revoked_at"], Value::Null);
    let id = created["id"].as_str().unwrap().to_owned();

    let works = app.client.get(app.url("/v1/runs")).header("x-api-key", &key).send().await.unwrap();
    assert_eq!(works.status(), 200);
    let listed: Vec<Value> = app.get_json("/v1/api_keys").await;
    let entry = listed.iter().find(|k| k["id"] == id.as_str()).expect("the new key is listed");
    let mut fields: Vec<&str> = entry.as_object().unwrap().keys().map(String::as_str).collect();
    fields.sort();
    assert_eq!(fields, ["created_at", "id", "name", "prefix", "revoked_at"], "never the key or its hash");
    assert!(!serde_json::to_string(&listed).unwrap().contains(&key));

    let revoked = app.post(&format!("/v1/api_keys/{id}/revoke")).send().await.unwrap();
    assert_eq!(revoked.status(), 200);
    let record: Value = revoked.json().await.unwrap();
    assert_eq!(record["id"], id.as_str());
    assert!(record["revoked_at"].is_string());
    let refused = app.client.get(app.url("/v1/runs")).header("x-api-key", &key).send().await.unwrap();
    assert_eq!(refused.status(), 403);

    let again = app.post(&format!("/v1/api_keys/{id}/revoke")).send().await.unwrap();
    assert_eq!(again.status(), 409);
    assert_eq!(again.json::<Value>().await.unwrap()["code"], "api_key_already_revoked");
    for unknown in ["key_999999", "not-an-id"] {
        let missing = app.post(&format!("/v1/api_keys/{unknown}/revoke")).send().await.unwrap();
        assert_eq!(missing.status(), 404, "{unknown}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_needs_a_name_of_at_most_100_characters() {
    let app = TestApp::spawn().await;
    let long = "n".repeat(101);
    for (body, problem) in [
        (json!({}), "missing"),
        (json!({"name": ""}), "value_error"),
        (json!({"name": "   "}), "value_error"),
        (json!({"name": long}), "value_error"),
        (json!({"name": 7}), "type_error"),
    ] {
        let refused = app.post("/v1/api_keys").json(&body).send().await.unwrap();
        assert_eq!(refused.status(), 422, "{body}");
        let error: Value = refused.json().await.unwrap();
        assert_eq!(error["detail"][0]["loc"], json!(["body", "name"]), "{body}: {error}");
        assert_eq!(error["detail"][0]["type"], problem, "{body}: {error}");
    }
    let hundred = app.post("/v1/api_keys").json(&json!({"name": "n".repeat(100)})).send().await.unwrap();
    assert_eq!(hundred.status(), 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webhook_secret_is_shown_and_rotated_and_the_old_one_keeps_signing_for_a_while() {
    let app = TestApp::spawn().await;
    let shown: Value = app.get_json("/v1/webhook_secret").await;
    let first = shown["secret"].as_str().unwrap().to_owned();
    assert!(first.starts_with("whsec_"));
    assert_eq!(shown["configured"], false);
    assert_eq!(shown["older"], json!([]));

    let rotated = app.post("/v1/webhook_secret/rotate").send().await.unwrap();
    assert_eq!(rotated.status(), 200);
    let rotated: Value = rotated.json().await.unwrap();
    assert_ne!(rotated["secret"], first.as_str());
    assert_eq!(rotated["older"][0]["secret"], first.as_str());
    assert!(rotated["older"][0]["signs_until"].is_string());
    let shown_again: Value = app.get_json("/v1/webhook_secret").await;
    assert_eq!(shown_again, rotated);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_secret_set_in_the_configuration_is_shown_but_not_rotated() {
    let app = TestApp::spawn_with(|config| {
        config.webhooks.signing_secret = skyvern::config::Secret::new("whsec_c2V0IGluIHRoZSBmaWxl");
    })
    .await;
    let shown: Value = app.get_json("/v1/webhook_secret").await;
    assert_eq!(shown, json!({"secret": "whsec_c2V0IGluIHRoZSBmaWxl", "configured": true, "older": []}));
    let refused = app.post("/v1/webhook_secret/rotate").send().await.unwrap();
    assert_eq!(refused.status(), 409);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["code"], "webhook_secret_configured");
    assert!(error["message"].as_str().unwrap().contains("webhooks.signing_secret"), "{error}");
}
