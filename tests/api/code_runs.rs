//! Code runs: deterministic scripts over real pages.

use serde_json::{Value, json};

use crate::helpers::TestApp;

fn order_script() -> Value {
    json!([
        {"action": "fill", "selector": "#name", "value": "Ada Lovelace"},
        {"action": "select_option", "selector": "#country", "label": "Japan"},
        {"action": "check", "selector": "#newsletter"},
        {"action": "click", "selector": "#next"},
        {"action": "type", "selector": "#email", "text": "ada@example.org"},
        {"action": "click", "selector": "#submit"},
        {"action": "wait_for_selector", "selector": "#heading"},
        {"action": "extract", "fields": {
            "name": "#name",
            "country": "#country",
            "email": "#email",
            "newsletter": "#newsletter",
            "total": "#total",
            "items": {"selector": ".item", "all": true, "fields": {"sku": ".sku", "qty": ".qty"}}
        }}
    ])
}

fn order_schema() -> Value {
    json!({
        "type": "object",
        "required": ["name", "email", "total"],
        "properties": {
            "name": {"type": "string"},
            "country": {"type": "string"},
            "email": {"type": "string"},
            "newsletter": {"type": "boolean"},
            "total": {"type": "number"},
            "items": {"type": "array", "items": {"type": "object", "properties": {"sku": {"type": "string"}, "qty": {"type": "integer"}}}}
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_run_fills_a_form_across_two_pages_and_extracts_a_json_object() {
    let app = TestApp::spawn().await;
    let created = app
        .create_run(json!({
            "prompt": "Place an order",
            "url": app.fixtures.url("form.html"),
            "data_extraction_schema": order_schema(),
            "script": order_script(),
        }))
        .await;
    assert_eq!(created["status"], "queued");
    let run_id = created["run_id"].as_str().unwrap();
    assert!(run_id.starts_with("tsk_"));

    let run = app.wait_until_final(run_id).await;

    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(
        run["output"],
        json!({
            "name": "Ada Lovelace", "country": "Japan", "email": "ada@example.org", "newsletter": true,
            "total": 1234.5, "items": [{"sku": "A-1", "qty": 2}, {"sku": "B-7", "qty": 1}]
        })
    );
    for field in ["created_at", "modified_at", "queued_at", "started_at", "finished_at"] {
        assert!(run[field].is_string(), "{field} missing in {run}");
    }
    assert_eq!(run["step_count"], 1);
    assert_eq!(run["run_type"], "task_v1");
    assert!(run["app_url"].as_str().unwrap().ends_with(&format!("/runs/{run_id}")));
    assert_eq!(run["run_request"]["script"], order_script());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_action_is_numbered_on_the_timeline_with_a_screenshot_that_is_served() {
    let app = TestApp::spawn().await;
    let run_id = app
        .create_script_run(
            "small.html",
            json!([
                {"action": "fill", "selector": "#q", "value": "flights"},
                {"action": "click", "selector": "#go"},
                {"action": "wait_for_text", "text": "searched flights"},
                {"action": "extract", "fields": {"result": "#result"}}
            ]),
        )
        .await;
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"], json!({"result": "searched flights"}));

    let timeline = app.timeline(&run_id).await;
    let block = &timeline[0];
    assert_eq!(block["kind"], "block");
    assert_eq!(block["status"], "completed");
    let actions: Vec<&Value> = timeline.iter().filter(|item| item["kind"] == "action").collect();
    let numbers: Vec<i64> = actions.iter().map(|a| a["action_number"].as_i64().unwrap()).collect();
    assert_eq!(numbers, vec![1, 2, 3, 4, 5], "the start URL is action 1");
    assert!(actions.iter().all(|a| a["status"] == "completed" && a["screenshot_artifact_id"].is_string()));

    let artifacts = app.artifacts(&run_id).await;
    let screenshots: Vec<&Value> = artifacts.iter().filter(|a| a["artifact_type"] == "screenshot_action").collect();
    assert_eq!(screenshots.len(), 5);
    assert!(artifacts.iter().any(|a| a["artifact_type"] == "script_file"));
    let urls = run["screenshot_urls"].as_array().unwrap();
    assert_eq!(urls.len(), 5);
    assert!(
        urls[0].as_str().unwrap().ends_with(&format!("{}/content", screenshots[4]["artifact_id"].as_str().unwrap())),
        "newest first"
    );

    let content = app
        .get(&format!("/v1/artifacts/{}/content", screenshots[0]["artifact_id"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(content.status(), 200);
    assert_eq!(content.headers()["content-type"], "image/jpeg");
    assert!(content.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    let bytes = content.bytes().await.unwrap();
    assert_eq!(&bytes[..3], &[0xFF, 0xD8, 0xFF], "a JPEG");
    assert_eq!(bytes.len() as i64, screenshots[0]["file_size"].as_i64().unwrap());

    let partial = app
        .get(&format!("/v1/artifacts/{}/content", screenshots[0]["artifact_id"].as_str().unwrap()))
        .header("range", "bytes=0-9")
        .send()
        .await
        .unwrap();
    assert_eq!(partial.status(), 206);
    assert_eq!(partial.bytes().await.unwrap().len(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_action_fails_the_run_naming_the_action_and_selector() {
    let app = TestApp::spawn().await;
    let run_id = app
        .create_script_run(
            "small.html",
            json!([
                {"action": "fill", "selector": "#q", "value": "x"},
                {"action": "click", "selector": "#does-not-exist"}
            ]),
        )
        .await;
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "failed");
    let reason = run["failure_reason"].as_str().unwrap();
    assert!(
        reason.contains("action 3") && reason.contains("#does-not-exist") && reason.contains("not found"),
        "{reason}"
    );
    assert_eq!(run["errors"][0]["code"], "element_not_found");
    let timeline = app.timeline(&run_id).await;
    assert_eq!(timeline.last().unwrap()["status"], "failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_extraction_that_does_not_fit_the_schema_fails_naming_the_field() {
    let app = TestApp::spawn().await;
    let run = app
        .create_run(json!({
            "prompt": "read",
            "url": app.fixtures.url("small.html"),
            "data_extraction_schema": {"type": "object", "properties": {"title": {"type": "number"}}},
            "script": [{"action": "extract", "fields": {"title": "#title"}}],
        }))
        .await;
    let run = app.wait_until_final(run["run_id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "failed");
    assert!(run["failure_reason"].as_str().unwrap().contains("output.title"), "{run}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_runs_see_no_cookies_or_storage_of_each_other() {
    let app = TestApp::spawn_with(|config| config.browser.pool_size = 2).await;
    let script = json!([{"action": "extract", "fields": {"before": "#before", "after": "#after"}}]);
    let mut run_ids = Vec::new();
    // Four runs on two browsers: each browser is reused, with a fresh context every time.
    for visitor in ["a", "b", "c", "d"] {
        let run = app
            .create_run(json!({"prompt": "cookies", "url": app.fixtures.url(&format!("cookies.html?v={visitor}")), "script": script}))
            .await;
        run_ids.push((visitor, run["run_id"].as_str().unwrap().to_owned()));
    }
    for (visitor, run_id) in run_ids {
        let run = app.wait_until_final(&run_id).await;
        assert_eq!(run["status"], "completed", "{run}");
        assert_eq!(run["output"]["before"], "none", "run {visitor} saw another run's cookie: {run}");
        assert_eq!(run["output"]["after"], format!("visitor={visitor}"));
    }
    let pool = app.pool().await;
    assert_eq!(pool["contexts_opened"], 4);
    assert_eq!(pool["browsers_launched"], 2, "browsers are reused, contexts are not");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_a_run_does_is_in_its_event_log_in_order_and_its_end_is_announced_last() {
    let app = TestApp::spawn().await;
    let run_id = app.create_script_run("small.html", json!([{"action": "fill", "selector": "#q", "value": "x"}])).await;
    app.wait_until_final(&run_id).await;

    let events: Vec<Value> = app.get_json(&format!("/v1/runs/{run_id}/events")).await;
    let ids: Vec<i64> = events.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "ids only grow: {ids:?}");
    let of_type = |name: &str| events.iter().filter(|e| e["event_type"] == name).collect::<Vec<_>>();
    let statuses: Vec<&str> =
        of_type("run.status_changed").iter().map(|e| e["payload"]["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, vec!["created", "queued", "running", "completed"]);
    assert_eq!(
        of_type("run.timeline_item").len(),
        8,
        "block and two actions, each started and finished, and each action's screenshot kept"
    );
    let step_runs: Vec<&str> =
        of_type("run.step_run").iter().map(|e| e["payload"]["status"].as_str().unwrap()).collect();
    assert_eq!(step_runs, vec!["running", "completed"], "the step's attempt started and finished");
    let kept: Vec<&str> =
        of_type("run.artifact").iter().map(|e| e["payload"]["artifact_type"].as_str().unwrap()).collect();
    assert!(kept.contains(&"screenshot_action") && kept.contains(&"recording"), "{kept:?}");
    assert!(events.iter().all(|e| e["run_type"] == "task_v1"), "every event names its run type");

    let last = events.last().unwrap();
    assert_eq!(last["event_type"], "task_run.completed", "the milestone is announced last: {last}");
    assert_eq!(last["status"], "completed");
    assert_eq!(last["payload"]["run"]["id"], run_id.as_str(), "with the run as it was then: {last}");
    let completed = &events[events.len() - 2];
    assert_eq!(
        (completed["event_type"].as_str(), completed["payload"]["status"].as_str()),
        (Some("run.status_changed"), Some("completed"))
    );

    let after: Vec<Value> = app.get_json(&format!("/v1/runs/{run_id}/events?after={}&limit=2", ids[2])).await;
    assert_eq!(after.iter().map(|e| e["id"].as_i64().unwrap()).collect::<Vec<_>>(), ids[3..5].to_vec());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_and_windows_that_open_a_new_tab_load_in_the_runs_tab() {
    let app = TestApp::spawn().await;
    let run_id = app
        .create_script_run(
            "popup.html",
            json!([
                {"action": "click", "selector": "#link"},
                {"action": "extract", "fields": {"title": "#title"}},
                {"action": "back"},
                {"action": "click", "selector": "#window"},
                {"action": "extract", "fields": {"name": "#name"}}
            ]),
        )
        .await;
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"], json!({"title": "A small page", "name": "Ada"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_opens_tabs_and_switches_between_them_in_its_own_context() {
    let app = TestApp::spawn().await;
    let second = app.fixtures.url("cookies.html?v=second");
    let run_id = app
        .create_script_run(
            "cookies.html?v=first",
            json!([
                {"action": "new_tab", "url": second},
                {"action": "extract", "fields": {"second_tab_saw": "#before"}},
                {"action": "switch_tab", "index": 0},
                {"action": "extract", "fields": {"first_tab": "#before"}}
            ]),
        )
        .await;
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");
    // The new tab shares the run's cookies (same context); the first tab is still the first page.
    assert_eq!(run["output"], json!({"second_tab_saw": "visitor=first", "first_tab": "none"}));

    let bad = app.create_script_run("small.html", json!([{"action": "switch_tab", "index": 3}])).await;
    let bad = app.wait_until_final(&bad).await;
    assert_eq!(bad["status"], "failed");
    assert!(bad["failure_reason"].as_str().unwrap().contains("there are 1 tabs"), "{bad}");
}
