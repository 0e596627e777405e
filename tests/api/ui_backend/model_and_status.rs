//! The model provider's settings and test call, and the appliance's status.

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::scripted_llm::{Reply, ScriptedLlm};

const PROVIDER_KEY: &str = "sk-provider-secret-4242";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_test_makes_one_real_call_and_shows_the_reply_never_the_key() {
    let llm = ScriptedLlm::start();
    llm.then(|_| Reply::Answer("ok".into()));
    let app = llm.appliance("openai", |config| config.llm.api_key = skyvern::config::Secret::new(PROVIDER_KEY)).await;

    let settings: Value = app.get_json("/v1/model").await;
    assert_eq!(
        settings,
        json!({"provider": "openai", "base_url": format!("{}/v1", llm.base_url), "model": "test-model",
               "vision": false, "api_key_set": true})
    );
    let tested = app.post("/v1/model/test").send().await.unwrap();
    assert_eq!(tested.status(), 200);
    let tested: Value = tested.json().await.unwrap();
    assert_eq!(tested["ok"], true, "{tested}");
    assert_eq!(tested["provider"], "openai");
    assert_eq!(tested["model"], "test-model");
    assert_eq!(tested["reply"], "ok");
    assert!(tested["latency_ms"].is_u64());
    assert_eq!(llm.received().len(), 1, "one call");
    assert!(!tested.to_string().contains(PROVIDER_KEY));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_refuses_or_cannot_be_reached_is_a_clear_answer_not_an_error() {
    let llm = ScriptedLlm::start();
    llm.then(|_| Reply::Status(401, None));
    let app =
        llm.appliance("anthropic", |config| config.llm.api_key = skyvern::config::Secret::new(PROVIDER_KEY)).await;
    let refused: Value = app.post("/v1/model/test").send().await.unwrap().json().await.unwrap();
    assert_eq!(refused["ok"], false);
    assert_eq!(refused["provider"], "anthropic");
    assert!(refused["error"].as_str().unwrap().contains("401"), "{refused}");
    assert_eq!(llm.received().len(), 1, "a test is never retried");

    let closed_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let app = TestApp::spawn_with(|config| {
        config.llm.provider = "openai".into();
        config.llm.base_url = format!("http://127.0.0.1:{closed_port}/v1");
        config.llm.model = "some-model".into();
        config.llm.api_key = skyvern::config::Secret::new(PROVIDER_KEY);
    })
    .await;
    let answer = app.post("/v1/model/test").send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let unreachable: Value = answer.json().await.unwrap();
    assert_eq!(unreachable["ok"], false);
    assert_eq!(unreachable["model"], "some-model");
    let error = unreachable["error"].as_str().unwrap();
    assert!(error.contains(&format!("127.0.0.1:{closed_port}")), "{error}");
    assert!(error.to_lowercase().contains("refused"), "{error}");
    assert!(!unreachable.to_string().contains(PROVIDER_KEY));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_provider_the_model_test_says_so() {
    let app = TestApp::spawn().await;
    let settings: Value = app.get_json("/v1/model").await;
    assert_eq!(settings["provider"], Value::Null);
    assert_eq!(settings["api_key_set"], false);
    let tested: Value = app.post("/v1/model/test").send().await.unwrap().json().await.unwrap();
    assert_eq!(tested["ok"], false);
    assert!(tested["error"].as_str().unwrap().contains("llm.provider"), "{tested}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_shows_the_pool_the_queue_and_the_disk() {
    let app = TestApp::spawn().await;
    crate::helpers::store_a_queued_run(&app.store, "waits in the queue").await;
    let status: Value = app.get_json("/v1/system/status").await;
    assert_eq!(status["browser_pool"], app.pool().await);
    assert!(status["queue"]["queued"].is_u64() && status["queue"]["running"].is_u64(), "{status}");
    let disk = &status["disk"];
    let data_dir = app.data_dir.path().canonicalize().unwrap();
    assert_eq!(disk["data_dir"], data_dir.to_str().unwrap());
    let (used, free, total) = (
        disk["used_bytes"].as_u64().unwrap(),
        disk["free_bytes"].as_u64().unwrap(),
        disk["total_bytes"].as_u64().unwrap(),
    );
    assert!(used > 0, "the database is under the data directory: {status}");
    assert!(free <= total && total > 0, "{status}");
    assert_eq!(status["version"], env!("CARGO_PKG_VERSION"));
}
