//! Webhooks: a run's milestones reach its receiver signed both ways, once it answers, across
//! restarts; internal addresses are refused; a run's deliveries and Skyvern's replay answer
//! their documented shapes. The receiver is played by a small server inside the test.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use skyvern::Config;

use crate::helpers::{TestApp, a_long_wait, test_config};
use crate::receiver::{Received, Receiver};

/// Webhooks to this machine allowed (the receiver is on it), and quick retries.
fn quick_webhooks(config: &mut Config) {
    config.webhooks.allow_private = true;
    config.webhooks.first_retry_ms = 50;
    config.webhooks.max_retry_wait_seconds = 1;
}

fn extract_title() -> Value {
    json!([{"action": "extract", "fields": {"title": "#title"}}])
}

/// A code run on the small fixture page that posts its milestones to `webhook_url`.
async fn run_with_webhook(app: &TestApp, script: Value, webhook_url: &str) -> String {
    let body =
        json!({"prompt": "p", "url": app.fixtures.url("small.html"), "script": script, "webhook_url": webhook_url});
    app.create_run(body).await["run_id"].as_str().unwrap().to_owned()
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

async fn deliveries(app: &TestApp, run_id: &str) -> Vec<Value> {
    app.get_json(&format!("/v1/runs/{run_id}/webhooks")).await
}

/// Polls the run's deliveries until `done` holds for them; panics after the helpers' patience.
async fn wait_for_deliveries(app: &TestApp, run_id: &str, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + crate::helpers::PATIENCE;
    loop {
        let deliveries = deliveries(app, run_id).await;
        if done(&deliveries) {
            return deliveries;
        }
        assert!(tokio::time::Instant::now() < deadline, "the deliveries never showed {what}: {deliveries:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn answered_ok(received: &[Received]) -> usize {
    received.iter().filter(|r| r.answered == 200).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completed_runs_webhook_carries_the_run_and_both_signatures_verify() {
    let receiver = Receiver::start();
    let app = TestApp::spawn_with(quick_webhooks).await;
    let run_id = run_with_webhook(&app, extract_title(), &receiver.url).await;
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");

    let received = receiver.wait_for_requests(1).await;
    let hook = &received[0];
    let mut body = hook.json();
    assert_eq!(body["event_type"], "task_run.completed");
    body.as_object_mut().unwrap().remove("event_type");
    assert_eq!(body, run, "the body is the run as GET /v1/runs/{{id}} shows it");
    assert_eq!(hook.header("content-type"), "application/json");

    let config = test_config(app.data_dir.path());
    let store = skyvern::app::open_store(&config).await.unwrap();
    let secrets = skyvern::webhooks::secrets::active(&store, &config.webhooks).await.unwrap();
    let secret = secrets[0].secret.expose().to_owned();
    assert!(secret.starts_with("whsec_"), "the appliance made a Standard Webhooks secret");

    let skyvern_signature = hex::encode(hmac_sha256(secret.as_bytes(), &hook.body));
    assert_eq!(hook.header("x-skyvern-signature"), skyvern_signature);
    let timestamp: i64 = hook.header("x-skyvern-timestamp").parse().unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!((now - timestamp).abs() < 60, "the timestamp is the attempt's: {timestamp} vs {now}");

    let id = hook.header("webhook-id");
    assert!(id.starts_with("msg_"));
    assert_eq!(hook.header("webhook-timestamp"), timestamp.to_string());
    let key = BASE64.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let signed = [id.as_bytes(), b".", timestamp.to_string().as_bytes(), b".", &hook.body].concat();
    let standard_signature = format!("v1,{}", BASE64.encode(hmac_sha256(&key, &signed)));
    assert_eq!(hook.header("webhook-signature"), standard_signature);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_answers_503_gets_the_event_exactly_once_after_it_recovers() {
    let receiver = Receiver::start();
    receiver.first_answer_with(&[503, 503]);
    let app = TestApp::spawn_with(quick_webhooks).await;
    let run_id = run_with_webhook(&app, extract_title(), &receiver.url).await;
    app.wait_until_final(&run_id).await;

    receiver.wait_for("an answered delivery", |received| answered_ok(received) == 1).await;
    let delivered =
        wait_for_deliveries(&app, &run_id, "a delivery", |d| d.first().is_some_and(|d| d["state"] == "delivered"))
            .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = receiver.received();
    assert_eq!(received.len(), 3, "two refusals, then one delivery, and nothing after");
    assert_eq!(answered_ok(&received), 1);
    assert!(received.iter().all(|r| r.header("webhook-id") == received[0].header("webhook-id")), "one webhook-id");
    assert!(received.iter().all(|r| r.body == received[0].body), "the same bytes every time");

    assert_eq!(delivered.len(), 1, "{delivered:?}");
    let delivery = &delivered[0];
    assert_eq!(delivery["delivery_id"], received[0].header("webhook-id"));
    assert_eq!(delivery["event_type"], "task_run.completed");
    assert_eq!(delivery["url"], receiver.url);
    assert_eq!(delivery["attempt_count"], 3);
    assert!(delivery["event_id"].is_i64() && delivery["finished_at"].is_string());
    let attempts = delivery["attempts"].as_array().unwrap();
    let outcomes: Vec<&str> = attempts.iter().map(|a| a["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["retrying", "retrying", "delivered"]);
    let codes: Vec<i64> = attempts.iter().map(|a| a["status_code"].as_i64().unwrap()).collect();
    assert_eq!(codes, [503, 503, 200]);
    assert!(attempts.iter().all(|a| a["latency_ms"].is_i64() && a["attempted_at"].is_string()));
    assert_eq!(attempts[0]["response_excerpt"], "answered 503");

    let events: Vec<Value> = app.get_json(&format!("/v1/runs/{run_id}/events")).await;
    let kept = events.iter().filter(|e| e["event_type"] == "webhook.attempt").count();
    assert_eq!(kept, 3, "every attempt is in the run's event log");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_still_failing_at_a_shutdown_is_delivered_exactly_once_after_the_restart() {
    let receiver = Receiver::start();
    receiver.answer_with(503);
    let app = TestApp::spawn_with(quick_webhooks).await;
    let run_id = run_with_webhook(&app, extract_title(), &receiver.url).await;
    app.wait_until_final(&run_id).await;
    receiver.wait_for_requests(1).await;
    let data_dir = app.stop().await;
    let before_restart = receiver.received().len();

    let mut config = test_config(data_dir.path());
    quick_webhooks(&mut config);
    let app = TestApp::spawn_in(data_dir, config).await;
    receiver.wait_for_requests(before_restart + 1).await;
    receiver.answer_with(200);
    receiver.wait_for("an answered delivery", |received| answered_ok(received) == 1).await;
    wait_for_deliveries(&app, &run_id, "a delivery", |d| d.first().is_some_and(|d| d["state"] == "delivered")).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let received = receiver.received();
    assert_eq!(answered_ok(&received), 1, "delivered once");
    assert!(received.iter().all(|r| r.header("webhook-id") == received[0].header("webhook-id")), "one webhook-id");
    let delivered = deliveries(&app, &run_id).await;
    assert_eq!(delivered.len(), 1, "the restart made no second delivery: {delivered:?}");
    assert_eq!(delivered[0]["attempts"].as_array().unwrap().len(), received.len(), "every attempt is kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_canceled_runs_webhook_says_task_run_canceled() {
    let receiver = Receiver::start();
    let app = TestApp::spawn_with(quick_webhooks).await;
    let run_id = run_with_webhook(&app, a_long_wait(), &receiver.url).await;
    app.wait_for(&run_id, "acting", |run| run["action_count"].as_i64() >= Some(2)).await;
    app.cancel(&run_id).await;
    app.wait_for_status(&run_id, "canceled").await;

    let body = receiver.wait_for_requests(1).await[0].json();
    assert_eq!(body["event_type"], "task_run.canceled");
    assert_eq!(body["status"], "canceled");
    assert_eq!(body["run_id"], run_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_to_internal_addresses_are_refused_unless_allowed() {
    let receiver = Receiver::start();
    let app = TestApp::spawn_with(|config| config.webhooks.first_retry_ms = 50).await;
    let run_id = run_with_webhook(&app, extract_title(), &receiver.url).await;
    app.wait_until_final(&run_id).await;

    let failed =
        wait_for_deliveries(&app, &run_id, "a failed delivery", |d| d.first().is_some_and(|d| d["state"] == "failed"))
            .await;
    let attempts = failed[0]["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 1, "a refused delivery is not retried: {attempts:?}");
    assert_eq!(attempts[0]["outcome"], "refused");
    assert!(attempts[0]["status_code"].is_null());
    assert!(attempts[0]["error"].as_str().unwrap().contains("allow_private"), "{}", attempts[0]["error"]);

    let port = receiver.url.split(':').nth(2).unwrap().split('/').next().unwrap().to_owned();
    for name_or_address in ["localhost", "[::ffff:127.0.0.1]", "[::1]"] {
        let url = format!("http://{name_or_address}:{port}/hooks");
        let response = app
            .post(&format!("/v1/runs/{run_id}/retry_webhook"))
            .json(&json!({"webhook_url": url}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let replay: Value = response.json().await.unwrap();
        assert!(replay["status_code"].is_null(), "{replay}");
        assert!(replay["error"].as_str().unwrap().starts_with("refused"), "{replay}");
    }
    assert!(receiver.received().is_empty(), "nothing reached the receiver");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_webhook_posts_the_run_again_and_answers_skyverns_replay_shape() {
    let (first, second) = (Receiver::start(), Receiver::start());
    let app = TestApp::spawn_with(quick_webhooks).await;
    let run_id = run_with_webhook(&app, extract_title(), &first.url).await;
    app.wait_until_final(&run_id).await;
    first.wait_for_requests(1).await;

    let replay: Value =
        app.post(&format!("/v1/runs/{run_id}/retry_webhook")).send().await.unwrap().json().await.unwrap();
    let again = first.wait_for_requests(2).await;
    assert_eq!(replay["run_id"], run_id);
    assert_eq!(replay["run_type"], "task_v1");
    assert_eq!(replay["default_webhook_url"], first.url);
    assert_eq!(replay["target_webhook_url"], first.url);
    assert_eq!(replay["payload"].as_str().unwrap().as_bytes(), again[1].body, "the payload is the body sent");
    assert_eq!(replay["status_code"], 200);
    assert!(replay["latency_ms"].is_i64());
    assert_eq!(replay["response_body"], "answered 200");
    assert!(replay["error"].is_null());
    for name in ["x-skyvern-signature", "x-skyvern-timestamp", "webhook-id", "webhook-timestamp", "webhook-signature"] {
        assert_eq!(replay["headers"][name], again[1].header(name), "{name}");
    }
    assert_ne!(again[0].header("webhook-id"), again[1].header("webhook-id"), "a replay is a new delivery");

    let to_second = app
        .post(&format!("/v1/runs/{run_id}/retry_webhook"))
        .header("content-type", "application/json")
        .body(format!(r#"{{"webhook_url": "{}"}}"#, second.url))
        .send()
        .await
        .unwrap();
    let to_second: Value = to_second.json().await.unwrap();
    assert_eq!(to_second["target_webhook_url"], second.url);
    assert_eq!(second.wait_for_requests(1).await[0].json()["event_type"], "task_run.completed");
    let with_null = app.post(&format!("/v1/runs/{run_id}/retry_webhook")).json(&Value::Null).send().await.unwrap();
    assert_eq!(with_null.status(), 200, "a null body is allowed");

    let kept = deliveries(&app, &run_id).await;
    assert_eq!(kept.len(), 4, "the delivery and three replays: {kept:?}");
    assert!(kept[1..].iter().all(|d| d["event_id"].is_null() && d["state"] == "delivered"));

    let unknown = app.post("/v1/runs/tsk_1/retry_webhook").send().await.unwrap();
    assert_eq!(unknown.status(), 404);
    let ftp = app
        .post(&format!("/v1/runs/{run_id}/retry_webhook"))
        .json(&json!({"webhook_url": "ftp://x/"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ftp.status(), 422);
    let without = app.create_script_run("small.html", extract_title()).await;
    app.wait_until_final(&without).await;
    let no_target = app.post(&format!("/v1/runs/{without}/retry_webhook")).send().await.unwrap();
    assert_eq!(no_target.status(), 422, "no webhook_url and no default");
    let body: Value = no_target.json().await.unwrap();
    assert_eq!(body["detail"][0]["loc"], json!(["body", "webhook_url"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_urls_with_credentials_or_other_schemes_are_refused_and_unknown_runs_have_no_webhooks() {
    let app = TestApp::spawn().await;
    for webhook_url in ["https://user:secret@hooks.example/", "ftp://hooks.example/", "not a url"] {
        let body = json!({"prompt": "p", "url": app.fixtures.url("small.html"), "script": extract_title(), "webhook_url": webhook_url});
        let response = app.post("/v1/run/tasks").json(&body).send().await.unwrap();
        assert_eq!(response.status(), 422, "{webhook_url}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["detail"][0]["loc"], json!(["body", "webhook_url"]), "{webhook_url}: {error}");
    }
    assert_eq!(app.get("/v1/runs/tsk_1/webhooks").send().await.unwrap().status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_never_answers_holds_only_its_share_and_others_get_theirs_at_once() {
    let hanging = Receiver::answering_after(Duration::from_secs(120));
    let healthy = Receiver::start();
    let app = TestApp::spawn_with(|config| {
        quick_webhooks(config);
        config.webhooks.concurrency = 4;
        config.webhooks.max_per_receiver = 2;
        config.webhooks.timeout_seconds = 60;
    })
    .await;
    let stuck: Vec<String> =
        futures::future::join_all((0..4).map(|_| run_with_webhook(&app, extract_title(), &hanging.url))).await;
    for run_id in &stuck {
        app.wait_until_final(run_id).await;
    }
    wait_for_deliveries(&app, &stuck[3], "a delivery waiting for the hanging receiver", |d| !d.is_empty()).await;

    let run_id = run_with_webhook(&app, extract_title(), &healthy.url).await;
    let started = std::time::Instant::now();
    let received = healthy.wait_for_requests(1).await;
    assert_eq!(received[0].json()["run_id"], run_id);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "delivered in {:?}, not after the hanging ones",
        started.elapsed()
    );
    assert!(hanging.received().is_empty(), "the hanging receiver never answered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_run_posts_its_approval_and_its_end_to_its_plans_callback_as_workflow_run_events() {
    let receiver = Receiver::start();
    let app = TestApp::spawn_with(quick_webhooks).await;
    let body = json!({"title": "Signed off", "webhook_callback_url": receiver.url, "workflow_definition": {"parameters": [], "blocks": [
        {"block_type": "human_interaction", "label": "sign_off"}
    ]}});
    let plan: Value = app.post("/v1/agents").json(&body).send().await.unwrap().json().await.unwrap();
    let run_id = app.run_plan(plan["workflow_permanent_id"].as_str().unwrap(), json!({})).await;
    app.wait_for_status(&run_id, "review_required").await;
    let waiting = receiver.wait_for_requests(1).await[0].json();
    assert_eq!(waiting["event_type"], "workflow_run.review_required");
    assert_eq!(waiting["run_type"], "workflow_run");
    app.post(&format!("/v1/runs/{run_id}/review")).json(&json!({"decision": "approve"})).send().await.unwrap();
    app.wait_for_status(&run_id, "completed").await;
    let ended = receiver.wait_for_requests(2).await[1].json();
    assert_eq!(ended["event_type"], "workflow_run.completed");
    assert_eq!(ended["output"]["sign_off_output"]["decision"], "approve", "the body is the plan run's response");
}
