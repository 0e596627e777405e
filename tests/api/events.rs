//! The event log followed live: Server-Sent Events in order, filters, heartbeats, resuming after
//! a restart, and a slow follower stopped instead of buffered.

use std::time::Duration;

use futures::StreamExt;
use serde_json::{Value, json};
use skyvern::events::{EventFilter, Followed, follow};
use skyvern::runs::{NewTimelineItem, TimelineKind};

use crate::helpers::{PATIENCE, TestApp, store_a_queued_run, test_config};
use crate::sse::EventStream;

fn one_fill() -> Value {
    json!([{"action": "fill", "selector": "#q", "value": "x"}])
}

fn ids(events: &[Value]) -> Vec<i64> {
    events.iter().map(|event| event["id"].as_i64().unwrap()).collect()
}

fn is_milestone_of(run_id: &str) -> impl Fn(&Value) -> bool {
    move |event| event["run_id"] == run_id && event["event_type"].as_str().unwrap().starts_with("task_run.")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_stream_shows_a_runs_whole_life_in_order_as_its_log_keeps_it() {
    let app = TestApp::spawn().await;
    let mut stream = EventStream::open(&app.address, "/v1/events", None).await;
    let run_id = app.create_script_run("small.html", one_fill()).await;

    let streamed = stream.events_until(is_milestone_of(&run_id)).await;
    assert!(streamed.iter().all(|event| event["run_id"] == run_id.as_str()), "{streamed:?}");
    let statuses: Vec<&str> = streamed
        .iter()
        .filter(|event| event["event_type"] == "run.status_changed")
        .map(|event| event["payload"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["created", "queued", "running", "completed"]);
    assert_eq!(streamed.last().unwrap()["event_type"], "task_run.completed");
    let kept: Vec<Value> = app.get_json(&format!("/v1/runs/{run_id}/events")).await;
    assert_eq!(streamed, kept[..streamed.len()], "the stream is the log, event for event");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runs_stream_keeps_to_the_asked_event_types_and_says_it_is_alive_while_nothing_happens() {
    let app = TestApp::spawn_with(|config| config.events.heartbeat_seconds = 1).await;
    let run_id = app.create_script_run("small.html", one_fill()).await;
    app.wait_until_final(&run_id).await;

    let path = format!("/v1/runs/{run_id}/events?event_type=task_run.*,run.status_changed");
    let mut stream = EventStream::open(&app.address, &path, None).await;
    let events = stream.events_until(is_milestone_of(&run_id)).await;
    let types: Vec<&str> = events.iter().map(|event| event["event_type"].as_str().unwrap()).collect();
    assert_eq!(types, ["run.status_changed"; 4].iter().copied().chain(["task_run.completed"]).collect::<Vec<_>>());
    let frame = stream.next_frame().await.unwrap();
    assert_eq!(frame.comment.as_deref(), Some("heartbeat"), "{frame:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_log_is_filtered_by_status_and_run_type_and_bad_filters_are_refused() {
    let app = TestApp::spawn().await;
    let run_id = app.create_script_run("small.html", one_fill()).await;
    app.wait_until_final(&run_id).await;

    let completed: Vec<Value> = app.get_json("/v1/events?status=completed&run_type=task_v1").await;
    assert!(!completed.is_empty() && completed.iter().all(|event| event["status"] == "completed"), "{completed:?}");
    let theirs: Vec<Value> = app.get_json("/v1/events?run_type=task_v2").await;
    assert!(theirs.is_empty(), "a Skyvern run type this appliance never runs matches nothing");
    let one_run: Vec<Value> = app.get_json(&format!("/v1/events?run_id={run_id}&event_type=run.step_run")).await;
    assert_eq!(one_run.len(), 2, "the step's attempt started and finished: {one_run:?}");

    for (query, field) in [
        ("event_type=task_run.running", "event_type"),
        ("status=sleeping", "status"),
        ("run_id=nope", "run_id"),
        ("after=-1", "after"),
        ("limit=0", "limit"),
    ] {
        let response = app.get(&format!("/v1/events?{query}")).send().await.unwrap();
        assert_eq!(response.status(), 422, "{query}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["detail"][0]["loc"], json!(["query", field]), "{query}: {body}");
    }
    let bad_resume = app.get("/v1/events").header("last-event-id", "yesterday").send().await.unwrap();
    assert_eq!(bad_resume.status(), 422);
    let unknown = app.get("/v1/runs/tsk_1/events").header("accept", "text/event-stream").send().await.unwrap();
    assert_eq!(unknown.status(), 404, "a stream of a run that does not exist is refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnecting_with_the_last_event_id_after_a_restart_yields_exactly_the_missed_events() {
    let app = TestApp::spawn().await;
    let mut stream = EventStream::open(&app.address, "/v1/events", None).await;
    let first = app.create_script_run("small.html", one_fill()).await;
    let seen = stream.events_until(is_milestone_of(&first)).await;
    let last_seen = *ids(&seen).last().unwrap();
    drop(stream);

    let data_dir = app.stop().await;
    let config = test_config(data_dir.path());
    let app = TestApp::spawn_in(data_dir, config).await;
    let second = app.create_script_run("small.html", one_fill()).await;
    app.wait_until_final(&second).await;

    let mut stream = EventStream::open(&app.address, "/v1/events", Some(last_seen)).await;
    let resumed = stream.events_until(is_milestone_of(&second)).await;
    let kept: Vec<Value> = app.get_json("/v1/events?limit=1000").await;
    let missed: Vec<i64> = ids(&kept).into_iter().filter(|id| *id > last_seen).collect();
    assert_eq!(ids(&resumed), missed, "every event after the last one seen, once, in order");
    assert!(resumed.iter().any(|event| event["run_id"] == second.as_str()));
    let by_query: Vec<Value> = app.get_json(&format!("/v1/events?after={last_seen}")).await;
    assert_eq!(ids(&by_query), missed, "?after= resumes the same way");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_stream_needs_a_key_or_the_login_cookie_and_ends_when_the_appliance_stops() {
    let app = TestApp::spawn().await;
    let anonymous = app.client.get(app.url("/v1/events")).header("accept", "text/event-stream").send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let signed_in = reqwest::Client::new()
        .get(app.url("/v1/events"))
        .header("accept", "text/event-stream")
        .header("cookie", app.sign_in().await.cookie())
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    drop(signed_in);

    let mut stream = EventStream::open(&app.address, "/v1/events", None).await;
    let stopping = tokio::spawn(app.stop());
    let ending = tokio::time::timeout(Duration::from_secs(3), async { while stream.next_frame().await.is_some() {} });
    assert!(ending.await.is_ok(), "the stream ends with the appliance");
    tokio::time::timeout(PATIENCE, stopping).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_that_falls_behind_is_stopped_with_where_to_resume_instead_of_buffered() {
    let app = TestApp::spawn().await;
    let store = app.store.clone();
    let run_id = store_a_queued_run(&store, "p").await;
    let mut followed = Box::pin(follow(store.clone(), EventFilter::default(), 0, PATIENCE));
    let mut last_taken = 0;
    for _ in 0..2 {
        match tokio::time::timeout(PATIENCE, followed.next()).await.unwrap() {
            Some(Followed::Event(event)) => last_taken = event.id,
            other => panic!("the created and queued events first, not {other:?}"),
        }
    }

    let item = |n: usize| NewTimelineItem {
        run_id: run_id.clone(),
        step_run_id: None,
        kind: TimelineKind::Thought,
        label: format!("thought {n}"),
        detail: json!({}),
    };
    for n in 0..5000 {
        store.start_timeline_item(item(n)).await.unwrap();
    }
    match tokio::time::timeout(PATIENCE, followed.next()).await.unwrap() {
        Some(Followed::Lagged { resume_after, .. }) => assert_eq!(resume_after, last_taken),
        other => panic!("a follower 5000 events behind is stopped, not {other:?}"),
    }
    assert!(followed.next().await.is_none(), "and nothing more");

    let mut resumed = Box::pin(follow(store.clone(), EventFilter::default(), last_taken, PATIENCE));
    let mut expected = last_taken + 1;
    while expected <= last_taken + 5000 {
        match tokio::time::timeout(PATIENCE, resumed.next()).await.unwrap() {
            Some(Followed::Event(event)) => assert_eq!(event.id, expected, "in order, none missing"),
            other => panic!("{other:?}"),
        }
        expected += 1;
    }
}
