//! Plan schedules (Skyvern's workflow schedules) are saved, read, listed, replaced, paused and
//! deleted under both names of plans, with Skyvern's shapes, and refused with Skyvern's 400 and
//! message when they cannot fire as asked; a schedule starts runs of its plan, one at a time.

use std::time::{Duration, Instant};

use chrono::{DateTime, Timelike, Utc};
use chrono_tz::Europe::Paris;
use serde_json::{Value, json};

use crate::helpers::{PATIENCE, TestApp};

/// Saves a plan with a required `city` and a `days` that has a default; returns its id.
async fn a_plan(app: &TestApp, title: &str) -> String {
    a_plan_that_waits(app, title, 0).await
}

/// The same plan, whose one block waits `seconds`.
async fn a_plan_that_waits(app: &TestApp, title: &str, seconds: u64) -> String {
    let plan = json!({"title": title, "workflow_definition": {
        "parameters": [
            {"parameter_type": "workflow", "key": "city", "workflow_parameter_type": "string"},
            {"parameter_type": "workflow", "key": "days", "workflow_parameter_type": "integer", "default_value": 7}
        ],
        "blocks": [{"block_type": "wait", "label": "pause", "wait_sec": seconds}]
    }});
    let response = app.post("/v1/agents").json(&json!({"json_definition": plan})).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let saved: Value = response.json().await.unwrap();
    saved["workflow_permanent_id"].as_str().unwrap().to_owned()
}

/// Sends a request and returns its status and JSON body.
async fn answer(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Creates a schedule, which must succeed; returns the response.
async fn a_schedule(app: &TestApp, plan_id: &str, body: Value) -> Value {
    let (status, created) = answer(app.post(&format!("/v1/agents/{plan_id}/schedules")).json(&body)).await;
    assert_eq!(status, 200, "{created}");
    created
}

fn instants(next_runs: &Value) -> Vec<DateTime<Utc>> {
    let texts = next_runs.as_array().unwrap();
    texts.iter().map(|text| text.as_str().unwrap().parse::<DateTime<Utc>>().unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schedule_is_created_read_listed_replaced_and_deleted_in_skyverns_shapes() {
    let app = TestApp::spawn().await;
    let plan_id = a_plan(&app, "Weather report").await;

    let created = a_schedule(
        &app,
        &plan_id,
        json!({"cron_expression": "*/15 * * * *", "timezone": "UTC", "parameters": {"city": "Lyon", "days": null},
               "name": "Quarter-hourly", "description": null}),
    )
    .await;

    let schedule = &created["schedule"];
    let schedule_id = schedule["workflow_schedule_id"].as_str().unwrap().to_owned();
    assert!(schedule_id.starts_with("wfs_"), "{schedule_id}");
    let expected = json!({
        "workflow_schedule_id": schedule_id, "organization_id": "o_local", "workflow_permanent_id": plan_id,
        "cron_expression": "*/15 * * * *", "timezone": "UTC", "enabled": true, "parameters": {"city": "Lyon"},
        "temporal_schedule_id": null, "name": "Quarter-hourly", "description": null, "allow_overlap": false,
        "created_at": schedule["created_at"], "modified_at": schedule["modified_at"], "deleted_at": null
    });
    assert_eq!(schedule, &expected);
    let next_runs = instants(&created["next_runs"]);
    assert_eq!(next_runs.len(), 5);
    assert!(next_runs[0] > Utc::now() && next_runs[0].minute().is_multiple_of(15) && next_runs[0].second() == 0);
    assert!(next_runs.windows(2).all(|pair| (pair[1] - pair[0]).num_minutes() == 15), "{next_runs:?}");

    let under_the_old_name: Value = app.get_json(&format!("/v1/workflows/{plan_id}/schedules/{schedule_id}")).await;
    assert_eq!(under_the_old_name["schedule"], expected);
    let listed: Value = app.get_json(&format!("/v1/agents/{plan_id}/schedules")).await;
    assert_eq!(listed, json!({"schedules": [expected]}));

    let path = format!("/v1/agents/{plan_id}/schedules/{schedule_id}");
    let replacement = json!({"cron_expression": "0 6 * * 1", "timezone": "UTC", "parameters": {"city": "Nice"}});
    let (status, replaced) = answer(app.put(&path).json(&replacement)).await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(replaced["schedule"]["cron_expression"], "0 6 * * 1");
    assert_eq!(replaced["schedule"]["parameters"], json!({"city": "Nice"}));
    assert_eq!(replaced["schedule"]["name"], Value::Null, "a replacement without a name clears it");
    let mondays = instants(&replaced["next_runs"]);
    assert!(mondays.iter().all(|at| at.format("%a %H:%M").to_string() == "Mon 06:00"), "{mondays:?}");

    let (status, deleted) = answer(app.delete(&path)).await;
    assert_eq!((status, deleted), (200, json!({"ok": true})));
    let (status, gone) = answer(app.get(&path)).await;
    assert_eq!(status, 404);
    assert_eq!(gone["detail"], format!("Schedule {schedule_id} not found"));
    let listed: Value = app.get_json(&format!("/v1/agents/{plan_id}/schedules")).await;
    assert_eq!(listed, json!({"schedules": []}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schedule_is_paused_and_enabled_again_and_a_replacement_without_enabled_keeps_its_state() {
    let app = TestApp::spawn().await;
    let plan_id = a_plan(&app, "Weather report").await;
    let created = a_schedule(
        &app,
        &plan_id,
        json!({"cron_expression": "0 * * * *", "timezone": "UTC", "parameters": {"city": "Lyon"}, "allow_overlap": true}),
    )
    .await;
    let schedule_id = created["schedule"]["workflow_schedule_id"].as_str().unwrap();
    let path = format!("/v1/agents/{plan_id}/schedules/{schedule_id}");

    let (status, paused) = answer(app.post(&format!("{path}/disable"))).await;
    assert_eq!(status, 200, "{paused}");
    assert_eq!(paused["schedule"]["enabled"], false);
    assert_eq!(paused["next_runs"].as_array().unwrap().len(), 5);

    let unchanged_state = json!({"cron_expression": "30 * * * *", "timezone": "UTC", "parameters": {"city": "Lyon"}});
    let (_, replaced) = answer(app.put(&path).json(&unchanged_state)).await;
    assert_eq!(replaced["schedule"]["enabled"], false, "enabled was left out: it stays paused");
    assert_eq!(replaced["schedule"]["allow_overlap"], true, "allow_overlap was left out: it stays");
    let mut sent_null = unchanged_state.clone();
    sent_null["enabled"] = Value::Null;
    let (_, replaced) = answer(app.put(&path).json(&sent_null)).await;
    assert_eq!(replaced["schedule"]["enabled"], false, "enabled was null: it stays paused");

    let (status, enabled) = answer(app.post(&format!("/v1/workflows/{plan_id}/schedules/{schedule_id}/enable"))).await;
    assert_eq!(status, 200, "{enabled}");
    assert_eq!(enabled["schedule"]["enabled"], true);
    assert_eq!(enabled["schedule"]["cron_expression"], "30 * * * *");
    let mut pause_again = unchanged_state;
    pause_again["enabled"] = json!(false);
    let (_, replaced) = answer(app.put(&path).json(&pause_again)).await;
    assert_eq!(replaced["schedule"]["enabled"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedules_that_cannot_fire_as_asked_are_refused_with_skyverns_400_and_message() {
    let app = TestApp::spawn().await;
    let plan_id = a_plan(&app, "Weather report").await;
    let path = format!("/v1/agents/{plan_id}/schedules");
    let refusals = [
        (
            json!({"cron_expression": "every morning", "timezone": "UTC", "parameters": {"city": "Lyon"}}),
            "Invalid cron expression",
        ),
        (
            json!({"cron_expression": "*/2 * * * *", "timezone": "UTC", "parameters": {"city": "Lyon"}}),
            "Cron interval must be at least 5 minutes",
        ),
        (
            json!({"cron_expression": "*/10 * * * * *", "timezone": "UTC", "parameters": {"city": "Lyon"}}),
            "Invalid cron expression",
        ),
        (
            json!({"cron_expression": "0 9 * * *", "timezone": "Europe/Lyon", "parameters": {"city": "Lyon"}}),
            "Invalid timezone 'Europe/Lyon'",
        ),
        (
            json!({"cron_expression": "0 9 * * *", "timezone": "UTC", "parameters": {"city": "Lyon", "country": "FR"}}),
            &format!("Unknown schedule parameters for workflow {plan_id}: country"),
        ),
        (
            json!({"cron_expression": "0 9 * * *", "timezone": "UTC", "parameters": {"days": 3}}),
            &format!("Missing schedule parameters for workflow {plan_id}: city"),
        ),
        (
            json!({"cron_expression": "0 9 * * *", "timezone": "UTC", "parameters": {"city": "Lyon", "days": "soon"}}),
            "not of type integer",
        ),
    ];
    for (body, message) in refusals {
        let (status, refused) = answer(app.post(&path).json(&body)).await;
        assert_eq!(status, 400, "{body}: {refused}");
        let detail = refused["detail"].as_str().unwrap();
        assert!(detail.contains(message), "{body}: {detail}");
    }
    let listed: Value = app.get_json(&path).await;
    assert_eq!(listed["schedules"], json!([]), "nothing refused was saved");

    let (status, without_timezone) = answer(app.post(&path).json(&json!({"cron_expression": "0 9 * * *"}))).await;
    assert_eq!(status, 422, "a missing field is FastAPI's 422: {without_timezone}");
    assert_eq!(without_timezone["detail"][0]["loc"], json!(["body", "timezone"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_plans_and_schedules_are_not_found_and_every_route_needs_the_api_key() {
    let app = TestApp::spawn().await;
    let plan_id = a_plan(&app, "Weather report").await;
    let other_plan_id = a_plan(&app, "Traffic report").await;
    let body = json!({"cron_expression": "0 9 * * *", "timezone": "UTC", "parameters": {"city": "Lyon"}});
    let created = a_schedule(&app, &plan_id, body.clone()).await;
    let schedule_id = created["schedule"]["workflow_schedule_id"].as_str().unwrap();

    let (status, missing_plan) = answer(app.post("/v1/agents/wpid_404/schedules").json(&body)).await;
    assert_eq!((status, missing_plan["detail"].as_str()), (404, Some("Workflow wpid_404 not found")));
    let (status, _) = answer(app.get("/v1/workflows/not-a-plan/schedules")).await;
    assert_eq!(status, 404);
    let (status, missing) = answer(app.get(&format!("/v1/agents/{plan_id}/schedules/wfs_404"))).await;
    assert_eq!((status, missing["detail"].as_str()), (404, Some("Schedule wfs_404 not found")));
    let elsewhere = format!("/v1/agents/{other_plan_id}/schedules/{schedule_id}");
    for request in [app.get(&elsewhere), app.put(&elsewhere).json(&body), app.post(&format!("{elsewhere}/disable"))] {
        let (status, refused) = answer(request).await;
        assert_eq!(status, 404, "a schedule is only found under its own plan: {refused}");
    }

    let deleted = app.post(&format!("/v1/agents/{plan_id}/delete")).send().await.unwrap();
    assert_eq!(deleted.status(), 200);
    let (status, _) = answer(app.get(&format!("/v1/agents/{plan_id}/schedules/{schedule_id}"))).await;
    assert_eq!(status, 404, "the schedules of a deleted plan are gone with it");

    let without_key = app.client.get(app.url(&format!("/v1/agents/{other_plan_id}/schedules"))).send().await.unwrap();
    assert_eq!(without_key.status(), 401);
    let without_key = app.client.get(app.url("/v1/schedules")).send().await.unwrap();
    assert_eq!(without_key.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_runs_of_nine_in_the_morning_in_paris_are_seven_or_eight_utc_by_the_season() {
    let app = TestApp::spawn().await;
    let plan_id = a_plan(&app, "Weather report").await;

    let created = a_schedule(
        &app,
        &plan_id,
        json!({"cron_expression": "0 9 * * *", "timezone": "Europe/Paris", "parameters": {"city": "Paris"}}),
    )
    .await;

    let next_runs = instants(&created["next_runs"]);
    assert_eq!(next_runs.len(), 5);
    for at in &next_runs {
        let in_paris = at.with_timezone(&Paris);
        assert_eq!((in_paris.hour(), in_paris.minute(), in_paris.second()), (9, 0, 0), "{at}");
        let summer = in_paris.format("%Z").to_string() == "CEST";
        assert_eq!(at.hour(), if summer { 7 } else { 8 }, "{at} is {in_paris}");
    }
    let days: Vec<_> = next_runs.iter().map(|at| at.with_timezone(&Paris).date_naive()).collect();
    assert!(days.windows(2).all(|pair| pair[1] == pair[0].succ_opt().unwrap()), "one a day: {days:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_of_every_schedule_filters_by_status_and_search_and_comes_in_pages() {
    let app = TestApp::spawn().await;
    let weather = a_plan(&app, "Weather report").await;
    let traffic = a_plan(&app, "Traffic report").await;
    let body = |name: &str| json!({"cron_expression": "0 7 * * *", "timezone": "UTC", "parameters": {"city": "Lyon"}, "name": name});
    a_schedule(&app, &weather, body("Mornings")).await;
    let paused = a_schedule(&app, &weather, body("Evenings")).await;
    let paused_id = paused["schedule"]["workflow_schedule_id"].as_str().unwrap();
    assert_eq!(
        app.post(&format!("/v1/agents/{weather}/schedules/{paused_id}/disable")).send().await.unwrap().status(),
        200
    );
    a_schedule(&app, &traffic, body("Rush hour")).await;

    let everything: Value = app.get_json("/v1/schedules").await;
    assert_eq!((everything["total_count"].as_u64(), everything["page"].as_u64()), (Some(3), Some(1)));
    assert_eq!(everything["page_size"], 10);
    let newest = &everything["schedules"][0];
    let item_keys: Vec<&str> = newest.as_object().unwrap().keys().map(String::as_str).collect();
    for key in [
        "workflow_schedule_id",
        "organization_id",
        "workflow_permanent_id",
        "workflow_title",
        "cron_expression",
        "timezone",
        "enabled",
        "parameters",
        "name",
        "description",
        "next_run",
        "created_at",
        "modified_at",
    ] {
        assert!(item_keys.contains(&key), "{key} missing from {newest}");
    }
    assert_eq!(
        (newest["name"].as_str(), newest["workflow_title"].as_str()),
        (Some("Rush hour"), Some("Traffic report"))
    );
    let next_run: DateTime<Utc> = newest["next_run"].as_str().unwrap().parse().unwrap();
    assert_eq!((next_run.hour(), next_run.minute()), (7, 0));

    let names = |page: &Value| -> Vec<String> {
        page["schedules"].as_array().unwrap().iter().map(|item| item["name"].as_str().unwrap().to_owned()).collect()
    };
    let active: Value = app.get_json("/v1/schedules?status=active").await;
    assert_eq!(
        (names(&active), active["total_count"].as_u64()),
        (vec!["Rush hour".into(), "Mornings".into()], Some(2))
    );
    let paused_list: Value = app.get_json("/v1/schedules?status=paused").await;
    assert_eq!(names(&paused_list), ["Evenings"]);
    assert_eq!(paused_list["schedules"][0]["next_run"], Value::Null, "a paused schedule has no next run");
    let by_plan_title: Value = app.get_json("/v1/schedules?search=weather").await;
    assert_eq!(names(&by_plan_title), ["Evenings", "Mornings"]);
    let by_name: Value = app.get_json("/v1/schedules?search=rush").await;
    assert_eq!(names(&by_name), ["Rush hour"]);
    let second_page: Value = app.get_json("/v1/schedules?page=2&page_size=1").await;
    assert_eq!((names(&second_page), second_page["total_count"].as_u64()), (vec!["Evenings".into()], Some(3)));
    let (status, _) = answer(app.get("/v1/schedules?status=sleeping")).await;
    assert_eq!(status, 422);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seconds_field_is_accepted_when_the_minimum_gap_is_under_a_minute() {
    let app = TestApp::spawn_with(|config| config.schedules.min_interval_seconds = 1).await;
    let plan_id = a_plan(&app, "Weather report").await;

    let created = a_schedule(
        &app,
        &plan_id,
        json!({"cron_expression": "*/2 * * * * *", "timezone": "UTC", "parameters": {"city": "Lyon"}}),
    )
    .await;

    let next_runs = instants(&created["next_runs"]);
    assert!(next_runs.windows(2).all(|pair| (pair[1] - pair[0]).num_seconds() == 2), "{next_runs:?}");
    let body = json!({"cron_expression": "* * * * * *", "timezone": "UTC", "parameters": {"city": "Lyon"}});
    let (status, _) = answer(app.post(&format!("/v1/agents/{plan_id}/schedules")).json(&body)).await;
    assert_eq!(status, 200, "every second is allowed when the minimum is one second");
}

/// The plan's runs, oldest first, once `done` says they are as awaited.
async fn plan_runs_once(app: &TestApp, plan_id: &str, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let mut runs: Vec<Value> = app.get_json(&format!("/v1/agents/{plan_id}/runs?page_size=100")).await;
        runs.reverse();
        if done(&runs) {
            return runs;
        }
        assert!(Instant::now() < deadline, "waited in vain for {what}: {runs:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn ended(run: &Value) -> bool {
    ["completed", "failed", "terminated", "timed_out", "canceled"].contains(&run["status"].as_str().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schedule_starts_runs_of_its_plan_one_at_a_time_until_it_is_paused() {
    let app = TestApp::spawn_with(|config| config.schedules.min_interval_seconds = 1).await;
    let plan_id = a_plan_that_waits(&app, "Weather report", 2).await;
    let every_second = json!({"cron_expression": "* * * * * *", "timezone": "UTC", "parameters": {"city": "Lyon"}});
    let created = a_schedule(&app, &plan_id, every_second).await;
    let schedule_id = created["schedule"]["workflow_schedule_id"].as_str().unwrap();

    plan_runs_once(&app, &plan_id, "a second run", |runs| runs.len() >= 2).await;
    let disabled = app.post(&format!("/v1/agents/{plan_id}/schedules/{schedule_id}/disable")).send().await.unwrap();
    assert_eq!(disabled.status(), 200);
    let runs = plan_runs_once(&app, &plan_id, "every run to end", |runs| runs.iter().all(ended)).await;

    for run in &runs {
        assert_eq!(
            (run["trigger_type"].as_str(), run["workflow_schedule_id"].as_str()),
            (Some("scheduled"), Some(schedule_id))
        );
        assert_eq!(run["status"], "completed", "{run}");
    }
    for pair in runs.windows(2) {
        let (previous_end, next_start) =
            (pair[0]["finished_at"].as_str().unwrap(), pair[1]["created_at"].as_str().unwrap());
        assert!(next_start >= previous_end, "a run started while the previous one went on: {pair:?}");
    }
    let first = app.run(runs[0]["workflow_run_id"].as_str().unwrap()).await;
    assert_eq!(first["run_request"]["parameters"], json!({"city": "Lyon"}));

    tokio::time::sleep(Duration::from_secs(2)).await;
    let after_the_pause: Vec<Value> = app.get_json(&format!("/v1/agents/{plan_id}/runs?page_size=100")).await;
    assert_eq!(after_the_pause.len(), runs.len(), "a paused schedule fired");
}
