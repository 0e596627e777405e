//! The runs list's extra fields for the UI, its filters, and its total.

use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::helpers::{TestApp, store_a_queued_run};

/// The runs `GET /v1/runs{query}` lists, and its `x-total-count`.
async fn list(app: &TestApp, query: &str) -> (Vec<Value>, u64) {
    let response = app.get(&format!("/v1/runs{query}")).send().await.unwrap();
    assert_eq!(response.status(), 200, "{query}");
    let total = response.headers()["x-total-count"].to_str().unwrap().parse().unwrap();
    (response.json().await.unwrap(), total)
}

fn ids(items: &[Value]) -> Vec<&str> {
    items.iter().map(|item| item["run_id"].as_str().unwrap()).collect()
}

async fn a_finished_plan_run(app: &TestApp, title: &str) -> (String, String) {
    let wait = json!({"block_type": "wait", "label": "pause", "wait_sec": 0});
    let plan_id = app.save_plan(title, json!({"parameters": [], "blocks": [wait]})).await;
    let run_id = app.run_plan(&plan_id, json!({})).await;
    app.wait_until_final(&run_id).await;
    (plan_id, run_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_rows_carry_the_goal_counts_usage_failure_and_moments_and_a_plan_runs_title() {
    let app = TestApp::spawn().await;
    let task = app.create_script_run("small.html", json!([{ "action": "wait", "ms": 1 }])).await;
    let finished = app.wait_until_final(&task).await;
    let (plan_id, plan_run) = a_finished_plan_run(&app, "Nightly export").await;

    let (items, total) = list(&app, "").await;
    assert_eq!(total, 2);
    let row = |id: &str| items.iter().find(|item| item["run_id"] == id).unwrap().clone();
    let task_row = row(&task);
    assert_eq!(task_row["prompt"], "test");
    assert_eq!(task_row["usage"], finished["usage"], "usage as the run itself reports it");
    for field in ["step_count", "action_count", "failure_reason", "queued_at", "modified_at"] {
        assert_eq!(task_row[field], finished[field], "{field}");
    }
    assert!(task_row["queued_at"].is_string() && task_row["modified_at"].is_string());
    assert!(task_row.get("workflow_title").is_none(), "a task run has no plan");
    for skyvern_field in
        ["task_run_id", "run_id", "task_run_type", "status", "title", "created_at", "workflow_permanent_id"]
    {
        assert!(task_row.get(skyvern_field).is_some(), "{skyvern_field} is kept");
    }
    let plan_row = row(&plan_run);
    assert_eq!(plan_row["workflow_title"], "Nightly export");
    assert_eq!(plan_row["workflow_permanent_id"], plan_id.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_are_filtered_by_plan_one_or_several() {
    let app = TestApp::spawn().await;
    let (first_plan, first_run) = a_finished_plan_run(&app, "First").await;
    let (second_plan, second_run) = a_finished_plan_run(&app, "Second").await;
    store_a_queued_run(&app.store, "no plan").await;

    let (items, total) = list(&app, &format!("?workflow_permanent_id={first_plan}")).await;
    assert_eq!((ids(&items), total), (vec![first_run.as_str()], 1));
    let both = format!("?workflow_permanent_id={first_plan}&workflow_permanent_id={second_plan}");
    let (items, total) = list(&app, &both).await;
    assert_eq!((ids(&items), total), (vec![second_run.as_str(), first_run.as_str()], 2));
    let (items, _) = list(&app, &format!("?workflow_permanent_id={first_plan},{second_plan}")).await;
    assert_eq!(items.len(), 2, "a comma list works too");
    let (all, total) = list(&app, "").await;
    assert_eq!((all.len(), total), (3, 3));

    let unknown = app.get("/v1/runs?workflow_permanent_id=wpid_999").send().await.unwrap();
    assert_eq!(unknown.status(), 200);
    assert_eq!(unknown.headers()["x-total-count"], "0");
    for bad in ["?workflow_permanent_id=tsk_1", "?workflow_permanent_id=wpid_1&search_key=invoice"] {
        let refused = app.get(&format!("/v1/runs{bad}")).send().await.unwrap();
        assert_eq!(refused.status(), 422, "{bad}");
        let error: Value = refused.json().await.unwrap();
        assert_eq!(error["detail"][0]["loc"], json!(["query", "workflow_permanent_id"]), "{error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_are_filtered_by_when_they_were_created_as_moments_or_days() {
    let app = TestApp::spawn().await;
    let run = store_a_queued_run(&app.store, "today").await;
    let run = run.as_str();
    let now = OffsetDateTime::now_utc();
    let day = |offset: i64| (now + time::Duration::days(offset)).date().to_string();
    let moment = |offset_minutes: i64| {
        let at = now + time::Duration::minutes(offset_minutes);
        at.format(&time::format_description::well_known::Rfc3339).unwrap()
    };
    let query = |pairs: &[(&str, String)]| {
        let encoded: Vec<String> = pairs
            .iter()
            .map(|(key, value)| format!("{key}={}", value.replace(':', "%3A").replace('+', "%2B")))
            .collect();
        format!("?{}", encoded.join("&"))
    };
    let cases = [
        (query(&[("created_after", day(0))]), vec![run]),
        (query(&[("created_after", day(1))]), vec![]),
        (query(&[("created_before", day(0))]), vec![]),
        (query(&[("created_before", day(1))]), vec![run]),
        (query(&[("created_after", day(-1)), ("created_before", day(1))]), vec![run]),
        (query(&[("created_after", moment(-5))]), vec![run]),
        (query(&[("created_after", moment(5))]), vec![]),
        (query(&[("created_before", moment(-5))]), vec![]),
        (query(&[("created_before", moment(5))]), vec![run]),
    ];
    for (query, expected) in cases {
        let (items, total) = list(&app, &query).await;
        assert_eq!(ids(&items), expected, "{query}");
        assert_eq!(total as usize, expected.len(), "{query}");
    }
    for bad in ["created_after=yesterday", "created_before=2025-13-01", "created_after=2025-01-31T25:00:00Z"] {
        let refused = app.get(&format!("/v1/runs?{bad}")).send().await.unwrap();
        assert_eq!(refused.status(), 422, "{bad}");
        let error: Value = refused.json().await.unwrap();
        assert_eq!(error["detail"][0]["loc"][0], "query", "{error}");
    }
}
