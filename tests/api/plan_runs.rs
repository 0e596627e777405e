//! Plan runs through the HTTP API, on fixture sites with the scripted model: loops with retries,
//! branches with skipped blocks, parallel blocks, approvals, validation, HTTP requests, cancel,
//! and a crash in the middle of a plan.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

use crate::helpers::{TestApp, serve_locally};
use crate::process::Process;
use crate::scripted_llm::{INPUT_TOKENS, Reply, ScriptedLlm, element};

/// Runs a plan and returns the new run's id, checking the answer is a plan run of it.
async fn run_plan(app: &TestApp, plan_id: &str, parameters: Value) -> String {
    let run_id = app.run_plan(plan_id, parameters).await;
    let run = app.run(&run_id).await;
    assert_eq!(run["run_type"], "workflow_run");
    assert_eq!(run["run_request"]["workflow_id"], plan_id);
    run_id
}

async fn steps(app: &TestApp, run_id: &str) -> Value {
    app.get_json(&format!("/v1/runs/{run_id}/steps")).await
}

/// The top-level step of `label`.
fn step<'a>(tree: &'a Value, label: &str) -> &'a Value {
    tree["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["label"] == label)
        .unwrap_or_else(|| panic!("no step {label}: {tree}"))
}

/// Whether any step or attempt anywhere in a step tree still says `running`.
fn still_running(tree: &Value) -> bool {
    match tree {
        Value::Object(fields) => fields.get("status") == Some(&json!("running")) || fields.values().any(still_running),
        Value::Array(items) => items.iter().any(still_running),
        _ => false,
    }
}

fn wait(label: &str, seconds: u64) -> Value {
    json!({"block_type": "wait", "label": label, "wait_sec": seconds})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loop_over_three_items_retries_the_failed_second_item_and_renders_each_item_in_its_goal() {
    let llm = ScriptedLlm::start();
    let extract = |page: &str| json!([{"action": "extract", "fields": {"heading": element(page, "Flights to")}}, {"action": "complete"}]);
    llm.decide(extract)
        .then(|prompt| {
            assert!(prompt.contains("flights to Rome"), "the second item's goal: {prompt}");
            Reply::Status(400, None)
        })
        .decide(extract)
        .decide(extract);
    let app = llm.appliance("openai", |_| {}).await;
    let plan_id = app.save_plan("Flights", json!({
        "parameters": [
            {"parameter_type": "workflow", "key": "cities", "workflow_parameter_type": "json", "default_value": ["Paris", "Rome", "Oslo"]},
            {"parameter_type": "workflow", "key": "site", "workflow_parameter_type": "string"}
        ],
        "blocks": [{"block_type": "for_loop", "label": "each_city", "loop_over_parameter_key": "cities", "loop_blocks": [
            {"block_type": "extraction", "label": "read", "url": "{{ site }}/results.html?q={{ current_value }}",
             "data_extraction_goal": "Read the heading of the flights to {{ current_value }} (item {{ current_index }})",
             "data_schema": {"type": "object", "properties": {"heading": {"type": "string"}}}, "max_retries": 1}
        ]}]
    })).await;
    let site = app.fixtures.url("").trim_end_matches('/').to_owned();
    let run_id = run_plan(&app, &plan_id, json!({"site": site})).await;
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");

    let per_item: Vec<&str> = run["output"]["each_city_output"]
        .as_array()
        .unwrap()
        .iter()
        .map(|iteration| iteration[0]["output_value"]["extracted_information"]["heading"].as_str().unwrap())
        .collect();
    assert_eq!(per_item, ["Flights to Paris", "Flights to Rome", "Flights to Oslo"]);
    assert_eq!(run["output"]["extracted_information"].as_array().unwrap().len(), 4, "3 items and the last read: {run}");

    let tree = steps(&app, &run_id).await;
    assert!(!still_running(&tree), "every step of a finished run has finished (the start page's too): {tree}");
    let each_city = step(&tree, "each_city");
    assert_eq!(each_city["status"], "completed");
    let iterations = each_city["iterations"].as_array().unwrap();
    assert_eq!(iterations.len(), 3);
    let attempts = |index: usize| -> Vec<String> {
        iterations[index]["steps"][0]["attempts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["status"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(attempts(0), ["completed"]);
    assert_eq!(attempts(1), ["failed", "completed"], "the second item failed once, then succeeded on retry");
    assert_eq!(attempts(2), ["completed"]);
    assert_eq!(iterations[1]["value"], "Rome");
    assert_eq!(each_city["usage"]["input_tokens"], 3 * INPUT_TOKENS, "the loop sums its items' model calls");
    assert_eq!(tree["usage"]["input_tokens"], 3 * INPUT_TOKENS);
    assert_eq!(run["usage"]["input_tokens"], 3 * INPUT_TOKENS);

    let timeline = app.timeline(&run_id).await;
    assert_eq!(timeline.len(), 1, "everything happened inside the loop's block: {timeline:?}");
    assert_eq!(timeline[0]["label"], "each_city");
    let reads: Vec<&Value> =
        timeline[0]["children"].as_array().unwrap().iter().filter(|c| c["label"] == "read").collect();
    assert_eq!(reads.len(), 4, "three items and one retry");
    let kinds = |read: &Value| -> Vec<String> {
        read["children"].as_array().unwrap().iter().map(|c| c["kind"].as_str().unwrap().to_owned()).collect()
    };
    assert!(reads.iter().all(|read| kinds(read).contains(&"action".to_owned())), "each attempt opened its page");
    assert_eq!(
        reads.iter().filter(|read| kinds(read).contains(&"thought".to_owned())).count(),
        3,
        "the model's decisions sit in their block"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conditional_takes_its_first_true_branch_and_the_untaken_branch_is_skipped() {
    let app = TestApp::spawn().await;
    let plan_id = app
        .save_plan(
            "Branches",
            json!({
                "parameters": [{"parameter_type": "workflow", "key": "count", "workflow_parameter_type": "integer"}],
                "blocks": [
                    {"block_type": "conditional", "label": "size", "next_block_label": "report", "branch_conditions": [
                        {"criteria": {"expression": "{{ count > 5 }}"}, "next_block_label": "big"},
                        {"is_default": true, "next_block_label": "small"}
                    ]},
                    wait("big", 0),
                    wait("small", 0),
                    wait("report", 0)
                ]
            }),
        )
        .await;
    let run_id = run_plan(&app, &plan_id, json!({"count": "2"})).await;
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"]["size_output"]["next_block_label"], "small");
    let tree = steps(&app, &run_id).await;
    assert_eq!(step(&tree, "big")["status"], "skipped");
    assert_eq!(step(&tree, "small")["status"], "completed");
    assert_eq!(step(&tree, "report")["status"], "completed", "the branches meet again");
    assert!(run["output"].get("big_output").is_none(), "a skipped block has no output");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_independent_extraction_blocks_run_at_the_same_time() {
    let llm = ScriptedLlm::start();
    llm.decide_together(2, |page| {
        json!([{"action": "extract", "fields": {"heading": element(page, "Flights to")}}, {"action": "complete"}])
    });
    let app = llm.appliance("openai", |_| {}).await;
    let extraction = |label: &str, city: &str| {
        json!({"block_type": "extraction", "label": label, "depends_on": ["start"],
            "url": format!("{}?q={city}", app.fixtures.url("results.html")),
            "data_extraction_goal": "Read the heading", "data_schema": {"type": "object", "properties": {"heading": {"type": "string"}}}})
    };
    let plan_id = app
        .save_plan(
            "Parallel",
            json!({
                "parameters": [],
                "blocks": [wait("start", 0), extraction("left", "Lima"), extraction("right", "Riga")]
            }),
        )
        .await;
    let run_id = run_plan(&app, &plan_id, json!({})).await;
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"]["left_output"]["extracted_information"]["heading"], "Flights to Lima");
    assert_eq!(
        run["output"]["right_output"]["extracted_information"]["heading"], "Flights to Riga",
        "each in its own tab"
    );
    let tree = steps(&app, &run_id).await;
    let span = |label: &str| {
        let attempt = &step(&tree, label)["attempts"][0];
        (attempt["started_at"].as_str().unwrap().to_owned(), attempt["finished_at"].as_str().unwrap().to_owned())
    };
    let (left, right) = (span("left"), span("right"));
    assert!(left.0 < right.1 && right.0 < left.1, "the two step runs overlap in time: {left:?} {right:?}");
    assert!(span("start").1 <= left.0.min(right.0.clone()), "both waited for the block they depend on");
}

async fn an_approval_plan(app: &TestApp) -> String {
    app.save_plan("Approval", json!({
        "parameters": [],
        "blocks": [
            {"block_type": "human_interaction", "label": "sign_off", "instructions": "Check the totals", "timeout_seconds": 600},
            wait("after", 0)
        ]
    })).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_plan_goes_on_and_a_rejected_one_ends_terminated_with_the_comment() {
    let app = TestApp::spawn().await;
    let plan_id = an_approval_plan(&app).await;

    let approved = run_plan(&app, &plan_id, json!({})).await;
    let waiting = app.wait_for_status(&approved, "review_required").await;
    assert_eq!(waiting["status"], "review_required");
    let timeline = app.timeline(&approved).await;
    let sign_off = timeline.iter().find(|i| i["label"] == "sign_off").unwrap();
    assert!(
        sign_off["children"].as_array().unwrap().iter().any(|i| i["detail"]["instructions"] == "Check the totals"),
        "the instructions are on the timeline"
    );
    let response = app
        .post(&format!("/v1/runs/{approved}/review"))
        .json(&json!({"decision": "approve", "comment": "fine"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let run = app.wait_until_final(&approved).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"]["sign_off_output"]["decision"], "approve");
    assert!(run["output"].get("after_output").is_some(), "the plan went on after the approval");

    let rejected = run_plan(&app, &plan_id, json!({})).await;
    app.wait_for_status(&rejected, "review_required").await;
    let response = app
        .post(&format!("/v1/runs/{rejected}/review"))
        .json(&json!({"decision": "reject", "comment": "totals are wrong"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let run = app.wait_until_final(&rejected).await;
    assert_eq!(run["status"], "terminated", "{run}");
    assert!(run["failure_reason"].as_str().unwrap().contains("totals are wrong"), "{run}");
    let tree = steps(&app, &rejected).await;
    assert_eq!(step(&tree, "sign_off")["status"], "terminated");
    assert!(tree["steps"].as_array().unwrap().iter().all(|s| s["label"] != "after"), "nothing ran after a rejection");

    let late =
        app.post(&format!("/v1/runs/{rejected}/review")).json(&json!({"decision": "approve"})).send().await.unwrap();
    assert_eq!(late.status(), 409, "a run that waits for no review refuses one");
    let bad =
        app.post(&format!("/v1/runs/{rejected}/review")).json(&json!({"decision": "maybe"})).send().await.unwrap();
    assert_eq!(bad.status(), 422);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skyverns_continue_route_approves_and_an_unanswered_approval_times_the_run_out() {
    let app = TestApp::spawn().await;
    let plan_id = an_approval_plan(&app).await;
    let run_id = run_plan(&app, &plan_id, json!({})).await;
    app.wait_for_status(&run_id, "review_required").await;
    let response = app.post(&format!("/v1/workflows/runs/{run_id}/continue")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(app.wait_until_final(&run_id).await["status"], "completed");

    let quick = app
        .save_plan(
            "Quick approval",
            json!({"parameters": [], "blocks": [
                {"block_type": "human_interaction", "label": "sign_off", "timeout_seconds": 1}
            ]}),
        )
        .await;
    let run_id = run_plan(&app, &quick, json!({})).await;
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "timed_out", "{run}");
    assert_eq!(run["output"]["sign_off_output"]["success"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_validation_block_whose_criterion_fails_terminates_the_run() {
    let llm = ScriptedLlm::start();
    llm.then(|prompt| {
        assert!(prompt.contains("Terminate if: the page lists no flight to Paris"), "{prompt}");
        Reply::Answer(json!({"reasoning": "no Paris flight", "actions": [{"action": "terminate", "reason": "no flight to Paris listed"}]}).to_string())
    });
    let app = llm.appliance("openai", |_| {}).await;
    let plan_id = app.save_plan("Validate",
        json!({"parameters": [], "blocks": [
            {"block_type": "goto_url", "label": "open", "url": format!("{}?q=Oslo", app.fixtures.url("results.html"))},
            {"block_type": "validation", "label": "check", "terminate_criterion": "the page lists no flight to Paris"},
            wait("never", 0)
        ]}),
    )
    .await;
    let run_id = run_plan(&app, &plan_id, json!({})).await;
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "terminated", "{run}");
    let reason = run["failure_reason"].as_str().unwrap();
    assert!(
        reason.starts_with("validation block terminated") && reason.contains("no flight to Paris listed"),
        "{reason}"
    );
    let tree = steps(&app, &run_id).await;
    assert_eq!(step(&tree, "open")["status"], "completed");
    assert!(tree["steps"].as_array().unwrap().iter().all(|s| s["label"] != "never"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_request_block_calls_a_local_server_with_rendered_values_and_a_non_2xx_fails_it() {
    let (server, _handle) = serve_locally(|config| {
        config
            .route(
                "/orders",
                web::post().to(|body: web::Json<Value>| async move {
                    HttpResponse::Created().json(json!({"received": body.into_inner(), "order_id": 42}))
                }),
            )
            .route(
                "/broken",
                web::get().to(|| async { HttpResponse::ServiceUnavailable().body("down for maintenance") }),
            );
    });
    let app = TestApp::spawn().await;
    let plan_id = app.save_plan("Orders", json!({
        "parameters": [{"parameter_type": "workflow", "key": "item", "workflow_parameter_type": "string"}],
        "blocks": [
            {"block_type": "http_request", "label": "order", "method": "POST", "url": format!("{server}/orders"),
             "headers": {"x-item": "{{ item }}"}, "body": {"item": "{{ item }}", "quantity": 2}},
            {"block_type": "http_request", "label": "confirm", "url": format!("{server}/broken?order={{{{ order.response_body.order_id }}}}")}
        ]
    })).await;
    let run_id = run_plan(&app, &plan_id, json!({"item": "tea"})).await;
    let run = app.wait_until_final(&run_id).await;
    let order = &run["output"]["order_output"];
    assert_eq!(order["status_code"], 201);
    assert_eq!(order["response_body"], json!({"received": {"item": "tea", "quantity": 2}, "order_id": 42}));
    assert_eq!(order["request_headers"]["x-item"], "tea");
    assert_eq!(run["status"], "failed", "{run}");
    assert_eq!(run["failure_reason"], "http_request block failed. failure reason: HTTP 503: down for maintenance");
    assert!(
        run["output"]["confirm_output"]["url"].as_str().unwrap().ends_with("/broken?order=42"),
        "the first answer fed the second"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canceling_a_plan_mid_way_cancels_its_running_step_and_marks_the_rest_canceled() {
    let app = TestApp::spawn().await;
    let plan_id = app
        .save_plan("Long", json!({"parameters": [], "blocks": [wait("first", 0), wait("long", 60), wait("last", 0)]}))
        .await;
    let run_id = run_plan(&app, &plan_id, json!({})).await;
    app.wait_for(&run_id, "the long wait", |run| run["step_count"].as_i64() >= Some(2)).await;
    assert_eq!(app.cancel(&run_id).await.status(), 200);
    let run = tokio::time::timeout(Duration::from_secs(10), app.wait_until_final(&run_id)).await.unwrap();
    assert_eq!(run["status"], "canceled");
    let tree = steps(&app, &run_id).await;
    let statuses: Vec<(&str, &str)> = tree["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["label"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    assert_eq!(statuses, [("first", "completed"), ("long", "canceled"), ("last", "canceled")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_killed_mid_way_resumes_after_a_restart_without_running_a_completed_step_again() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let (server, _handle) = serve_locally(move |config| {
        let counted = counted.clone();
        config.route(
            "/hit",
            web::post().to(move || {
                let counted = counted.clone();
                async move { HttpResponse::Ok().json(json!({"hit": counted.fetch_add(1, Ordering::SeqCst) + 1})) }
            }),
        );
    });
    let data_dir = tempfile::tempdir().unwrap();
    let mut first = Process::start(data_dir.path()).await;
    let definition = json!({"parameters": [], "blocks": [
        {"block_type": "http_request", "label": "charge", "method": "POST", "url": format!("{server}/hit")},
        wait("settle", 4),
        {"block_type": "http_request", "label": "notify", "method": "POST", "url": format!("{server}/hit")}
    ]});
    let plan = first
        .call(reqwest::Method::POST, "/v1/agents", Some(json!({"title": "Resume", "workflow_definition": definition})))
        .await;
    let run = first
        .call(reqwest::Method::POST, "/v1/run/agents", Some(json!({"agent_id": plan["workflow_permanent_id"]})))
        .await;
    let run_id = run["run_id"].as_str().unwrap().to_owned();
    first.wait_for(&run_id, |run| run["step_count"].as_i64() >= Some(2)).await;
    first.kill_hard();

    let second = Process::start(data_dir.path()).await;
    let run = second
        .wait_for(&run_id, |run| ["completed", "failed", "canceled"].contains(&run["status"].as_str().unwrap_or("")))
        .await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(hits.load(Ordering::SeqCst), 2, "the completed request was not sent again");
    assert_eq!(run["output"]["charge_output"]["response_body"]["hit"], 1, "its output was read back");
    assert_eq!(run["output"]["notify_output"]["response_body"]["hit"], 2);
    let tree = second.call(reqwest::Method::GET, &format!("/v1/runs/{run_id}/steps"), None).await;
    let settle: Vec<&str> =
        step(&tree, "settle")["attempts"].as_array().unwrap().iter().map(|a| a["status"].as_str().unwrap()).collect();
    assert_eq!(settle, ["failed", "completed"], "the interrupted wait ran again");
    assert_eq!(step(&tree, "charge")["attempts"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_runs_are_listed_as_skyverns_workflow_runs_and_a_retry_runs_the_same_version_again() {
    let app = TestApp::spawn().await;
    let plan_id = app.save_plan("Retry me", json!({
        "parameters": [{"parameter_type": "workflow", "key": "seconds", "workflow_parameter_type": "integer", "default_value": 0}],
        "blocks": [{"block_type": "wait", "label": "pause", "wait_sec": 0}]
    })).await;
    let run_id = run_plan(&app, &plan_id, json!({"seconds": 0})).await;
    app.wait_until_final(&run_id).await;
    let updated = app
        .post(&format!("/v1/agents/{plan_id}"))
        .json(&json!({"title": "Retry me v2", "workflow_definition": {
        "parameters": [], "blocks": [wait("other", 0)]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status(), 200);

    let retried = app.post(&format!("/v1/agents/runs/{run_id}/retry")).send().await.unwrap();
    assert_eq!(retried.status(), 200);
    let retried: Value = retried.json().await.unwrap();
    let retry_id = retried["run_id"].as_str().unwrap().to_owned();
    assert_ne!(retry_id, run_id);
    let run = app.wait_until_final(&retry_id).await;
    assert_eq!(run["status"], "completed");
    assert!(run["output"].get("pause_output").is_some(), "the retry ran the version of the run it retried: {run}");
    assert_eq!(run["rerun_of"], run_id.as_str(), "a retry is linked to the run it retried");

    for path in
        ["/v1/agents/runs".to_owned(), format!("/v1/agents/{plan_id}/runs"), format!("/v1/workflows/{plan_id}/runs")]
    {
        let runs: Vec<Value> = app.get_json(&path).await;
        assert_eq!(runs.len(), 2, "{path}");
        assert_eq!(runs[0]["workflow_run_id"], retry_id.as_str(), "newest first");
        assert_eq!(runs[0]["workflow_permanent_id"], plan_id.as_str());
        assert!(runs[0]["workflow_id"].as_str().unwrap().starts_with("w_"));
        assert_eq!(runs[0]["organization_id"], "o_local");
    }
    let found: Vec<Value> = app.get_json(&format!("/v1/agents/runs?search_key={run_id}")).await;
    assert_eq!(found.len(), 1, "search_key matches a run's id");
    let none: Vec<Value> = app.get_json("/v1/agents/runs?error_code=LOGIN_FAILED").await;
    assert!(none.is_empty());

    let waiting = run_plan(&app, &an_approval_plan(&app).await, json!({})).await;
    app.wait_for_status(&waiting, "review_required").await;
    let too_early = app.post(&format!("/v1/agents/runs/{waiting}/retry")).send().await.unwrap();
    assert_eq!(too_early.status(), 400, "only a run that ended is retried");
    assert_eq!(app.cancel(&waiting).await.status(), 200, "a run waiting for its reviewer can be canceled");
    assert_eq!(app.wait_until_final(&waiting).await["status"], "canceled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_run_request_with_a_missing_parameter_or_an_unknown_plan_is_refused() {
    let app = TestApp::spawn().await;
    let plan_id = app
        .save_plan(
            "Needs a value",
            json!({
                "parameters": [{"parameter_type": "workflow", "key": "city", "workflow_parameter_type": "string"}],
                "blocks": [wait("pause", 0)]
            }),
        )
        .await;
    let missing = app.post("/v1/run/agents").json(&json!({"agent_id": plan_id})).send().await.unwrap();
    assert_eq!(missing.status(), 400);
    let body: Value = missing.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("city"), "{body}");
    let unknown = app.post("/v1/run/agents").json(&json!({"agent_id": "wpid_1"})).send().await.unwrap();
    assert_eq!(unknown.status(), 404);
    let bad = app
        .post("/v1/run/agents")
        .json(&json!({"agent_id": plan_id, "parameters": {"city": "Oslo"}, "max_elapsed_time_minutes": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["detail"][0]["loc"], json!(["body", "max_elapsed_time_minutes"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_download_block_lists_the_file_it_downloaded_in_its_output() {
    let llm = ScriptedLlm::start();
    llm.decide(
        |page| json!([{"action": "download", "element": element(page, "revenue report")}, {"action": "complete"}]),
    );
    let app = llm.appliance("openai", |_| {}).await;
    let plan_id = app
        .save_plan(
            "Reports",
            json!({"parameters": [], "blocks": [
                {"block_type": "file_download", "label": "get_report", "url": app.fixtures.url("downloads.html"),
                 "navigation_goal": "Download the revenue report"}
            ]}),
        )
        .await;
    let run_id = run_plan(&app, &plan_id, json!({})).await;
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");
    let files = run["output"]["get_report_output"]["downloaded_files"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["filename"], "report.csv");
    assert_eq!(run["downloaded_files"][0]["filename"], "report.csv", "the run lists it too");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skyverns_download_files_run_is_a_one_block_plan_that_keeps_the_file() {
    let llm = ScriptedLlm::start();
    llm.decide(|page| {
        assert!(page.contains("Download the revenue report"), "the goal reaches the model: {page}");
        json!([{"action": "download", "element": element(page, "revenue report")}, {"action": "complete"}])
    });
    let app = llm.appliance("openai", |_| {}).await;
    let body = json!({"navigation_goal": "Download the revenue report", "url": app.fixtures.url("downloads.html"),
        "download_suffix": null, "download_timeout": null, "max_steps_per_run": 5, "webhook_url": null});
    let response = app.post("/v1/run/tasks/download_files").json(&body).send().await.unwrap();
    let status = response.status();
    let started: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{started}");
    assert_eq!(started["run_type"], "workflow_run");
    let run = app.wait_until_final(started["run_id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["downloaded_files"][0]["filename"], "report.csv", "{run}");
    let plan: Value = app.get_json(&format!("/v1/agents/{}", run["workflow_id"].as_str().unwrap())).await;
    assert_eq!(plan["title"], "Download files");

    let refused =
        app.post("/v1/run/tasks/download_files").json(&json!({"url": "https://example.org"})).send().await.unwrap();
    assert_eq!(refused.status(), 422);
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["detail"][0]["loc"], json!(["body", "navigation_goal"]), "{problem}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_prompt_answers_to_its_schema_and_a_prompt_branch_is_judged_by_the_model() {
    let llm = ScriptedLlm::start();
    llm.then(|prompt| {
        assert!(prompt.contains("Name the capital of France") && prompt.contains("\"city\""), "{prompt}");
        Reply::Answer("Here it is: {\"city\": \"Paris\"}".into())
    })
    .then(|prompt| {
        assert!(prompt.contains("Condition 1: Is Paris in Europe?"), "the branch is rendered first: {prompt}");
        Reply::Answer(
            json!({"evaluations": [{"condition_index": 1, "result": true, "reasoning": "it is"}]}).to_string(),
        )
    });
    let app = llm.appliance("openai", |_| {}).await;
    let plan_id = app
        .save_plan(
            "Capitals",
            json!({
                "parameters": [{"parameter_type": "workflow", "key": "country", "workflow_parameter_type": "string"}],
                "blocks": [
                    {"block_type": "text_prompt", "label": "capital", "prompt": "Name the capital of {{ country }}",
                     "json_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
                     "next_block_label": "where"},
                    {"block_type": "conditional", "label": "where", "branch_conditions": [
                        {"criteria": {"criteria_type": "prompt", "expression": "Is {{ capital.city }} in Europe?"}, "next_block_label": "europe"},
                        {"is_default": true, "next_block_label": "elsewhere"}
                    ]},
                    wait("europe", 0),
                    wait("elsewhere", 0)
                ]
            }),
        )
        .await;
    let run_id = run_plan(&app, &plan_id, json!({"country": "France"})).await;
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"]["capital_output"], json!({"city": "Paris"}));
    assert_eq!(run["output"]["where_output"]["next_block_label"], "europe");
    let tree = steps(&app, &run_id).await;
    assert_eq!(step(&tree, "elsewhere")["status"], "skipped");
    assert_eq!(step(&tree, "capital")["usage"]["input_tokens"], INPUT_TOKENS, "each call counts on its step");
    assert_eq!(tree["usage"]["input_tokens"], 2 * INPUT_TOKENS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_block_replays_its_rendered_script_on_the_page_the_previous_block_left() {
    let app = TestApp::spawn().await;
    let plan_id = app
        .save_plan(
            "Replay",
            json!({
                "parameters": [{"parameter_type": "workflow", "key": "page", "workflow_parameter_type": "string"}],
                "blocks": [
                    {"block_type": "code", "label": "visit", "code": [{"action": "goto", "url": "{{ page }}"}]},
                    {"block_type": "code", "label": "title", "code": [{"action": "extract", "fields": {"title": "#title"}}]}
                ]
            }),
        )
        .await;
    let run_id = run_plan(&app, &plan_id, json!({"page": app.fixtures.url("small.html")})).await;
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(
        run["output"]["title_output"]["extracted_information"]["title"], "A small page",
        "the second script read the page the first one opened, at the URL rendered from the parameter"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_marked_continue_on_failure_goes_on_and_the_finally_block_runs_after_a_failure() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let (server, _handle) = serve_locally(move |config| {
        let counted = counted.clone();
        config.route("/broken", web::get().to(|| async { HttpResponse::InternalServerError().body("broken") })).route(
            "/cleanup",
            web::post().to(move || {
                let counted = counted.clone();
                async move {
                    counted.fetch_add(1, Ordering::SeqCst);
                    HttpResponse::Ok().finish()
                }
            }),
        );
    });
    let app = TestApp::spawn().await;
    let broken = |label: &str, go_on: bool| json!({"block_type": "http_request", "label": label, "url": format!("{server}/broken"), "continue_on_failure": go_on});
    let plan_id = app
        .save_plan(
            "Finally",
            json!({"parameters": [], "finally_block_label": "cleanup", "blocks": [
                broken("optional", true),
                broken("required", false),
                wait("never", 0),
                {"block_type": "http_request", "label": "cleanup", "method": "POST", "url": format!("{server}/cleanup")}
            ]}),
        )
        .await;
    let run_id = run_plan(&app, &plan_id, json!({})).await;
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "failed", "{run}");
    assert_eq!(
        run["failure_reason"], "http_request block failed. failure reason: HTTP 500: broken",
        "the body's reason stays"
    );
    let tree = steps(&app, &run_id).await;
    let statuses: Vec<(&str, &str)> = tree["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["label"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    assert_eq!(statuses, [("optional", "failed"), ("required", "failed"), ("cleanup", "completed")]);
    assert_eq!(hits.load(Ordering::SeqCst), 1, "the finally block ran once, after the failure");
}
