//! The live view: frames to every viewer, slow viewers left behind, take control and hand back.

use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::viewer::{Drawing, Viewer, is_type};

/// Frames of the page in `messages`.
fn frames(messages: &[Value]) -> Vec<&Value> {
    messages.iter().filter(|m| m["type"] == "frame").collect()
}

fn assert_is_a_frame_of(frame: &Value, page: &str) {
    assert_eq!(frame["width"], 1280, "{}", frame["width"]);
    assert_eq!(frame["height"], 720);
    assert!(frame["url"].as_str().unwrap().ends_with(page), "the frame names the page: {}", frame["url"]);
    let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as f64;
    for stamp in ["timestamp", "received_at"] {
        let age_ms = now_ms - frame[stamp].as_f64().unwrap();
        assert!((-1000.0..60_000.0).contains(&age_ms), "the frame's {stamp} is recent: {age_ms} ms ago");
    }
    let jpeg = base64::engine::general_purpose::STANDARD.decode(frame["data"].as_str().unwrap()).unwrap();
    assert_eq!(&jpeg[..2], [0xFF, 0xD8], "the frame is a JPEG");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_viewers_receive_frames_of_a_running_run_and_are_told_when_it_ends() {
    let app = TestApp::spawn().await;
    let run_id = app.create_script_run("animated.html", json!([{ "action": "wait", "ms": 3000 }])).await;
    let (first, second) = (Viewer::connect(&app.address, &run_id).await, Viewer::connect(&app.address, &run_id).await);
    let (hello, _) = first.read_until("hello", is_type("hello")).await;
    assert_eq!(hello["run_id"], run_id.as_str());

    for viewer in [&first, &second] {
        let read = viewer.read_for(Duration::from_secs(1)).await;
        let seen: Vec<&Value> = read.iter().map(|(message, _)| message).filter(|m| m["type"] == "frame").collect();
        assert!(seen.len() >= 5, "an animated page streams many frames a second: {}", seen.len());
        assert_is_a_frame_of(seen[seen.len() - 1], "animated.html");
        let sequences: Vec<u64> = seen.iter().map(|f| f["sequence"].as_u64().unwrap()).collect();
        assert!(sequences.windows(2).all(|pair| pair[0] < pair[1]), "frames arrive in order: {sequences:?}");
    }

    let rest = first.read_to_close().await;
    let end = rest.last().expect("an end message");
    assert_eq!(end["type"], "end", "the last message before closing: {end}");
    assert_eq!(end["status"], "completed");
    assert!(end["recording_url"].as_str().is_some_and(|url| url.contains("/v1/artifacts/")), "{end}");
    assert!(frames(&rest).len() > 10, "the animation kept coming: {} frames", frames(&rest).len());
    let _ = second.read_to_close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_that_never_reads_stalls_neither_the_run_nor_another_viewer() {
    let app = TestApp::spawn().await;
    let script = json!([
        { "action": "wait", "ms": 4000 },
        { "action": "extract", "fields": { "counter": "#frame" } },
    ]);
    let run_id = app.create_script_run("animated.html", script).await;
    let _never_reads = Viewer::connect(&app.address, &run_id).await;
    let reader = Viewer::connect(&app.address, &run_id).await;

    let messages = reader.read_to_close().await;
    let run = app.run(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");
    let started = time::OffsetDateTime::parse(
        run["started_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    );
    let finished = time::OffsetDateTime::parse(
        run["finished_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    );
    let took = (finished.unwrap() - started.unwrap()).as_seconds_f64();
    assert!(took < 8.0, "a 4 s script took {took:.1} s beside a viewer that never reads");
    let frames = frames(&messages);
    let first = frames.first().unwrap()["timestamp"].as_f64().unwrap();
    let last = frames.last().unwrap()["timestamp"].as_f64().unwrap();
    assert!(frames.len() >= 40, "the reading viewer kept getting frames: {}", frames.len());
    assert!(last - first > 3000.0, "frames kept coming to the end: {:.0} ms of them", last - first);
}

/// The centre of the fixture's `#target` button and of its `#trap` button, in viewport pixels.
const TARGET: (f64, f64) = (200.0, 150.0);
const TRAP: (f64, f64) = (600.0, 150.0);

fn click_at((x, y): (f64, f64)) -> [Value; 2] {
    [
        json!({ "type": "mouse", "event": "pressed", "x": x, "y": y, "button": "left", "click_count": 1 }),
        json!({ "type": "mouse", "event": "released", "x": x, "y": y, "button": "left", "click_count": 1 }),
    ]
}

/// A script that waits (up to 30 s) for a person's click, then reads what the page recorded.
fn waiting_for_a_person() -> Value {
    json!([
        { "action": "wait_for_text", "text": "clicked by a person", "timeout_ms": 30000 },
        { "action": "extract", "fields": { "clicks": "#clicks", "traps": "#traps", "trusted": "#trusted" } },
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_takes_control_clicks_the_page_and_hands_back_while_another_only_watches() {
    let app = TestApp::spawn().await;
    let run_id = app.create_script_run("control.html", waiting_for_a_person()).await;
    let person = Viewer::connect(&app.address, &run_id).await;
    let onlooker = Viewer::connect(&app.address, &run_id).await;
    person.read_until("a first frame", is_type("frame")).await;

    let asked = std::time::Instant::now();
    person.send(json!({ "type": "take_control" })).await;
    let (granted, _) = person.read_until("control granted", |m| m["you_hold_control"] == true).await;
    assert_eq!(granted["held_by"]["name"], "configured key");
    assert!(asked.elapsed() < Duration::from_secs(10), "a wait gives way at once, not after its 30 s");
    app.wait_for_status(&run_id, "paused").await;
    let timeline = app.timeline(&run_id).await;
    let unfinished: Vec<&Value> = timeline
        .iter()
        .filter(|i| i["kind"] == "action" && i["status"] == "running")
        .filter(|i| !i["label"].as_str().unwrap().starts_with("wait"))
        .collect();
    assert!(unfinished.is_empty(), "paused between actions (or in a wait), none half done: {unfinished:?}");

    onlooker.send(json!({ "type": "take_control" })).await;
    let (refused, _) = onlooker.read_until("a refusal", is_type("error")).await;
    assert!(refused["message"].as_str().unwrap().contains("holds control"), "{refused}");
    for event in click_at(TRAP) {
        onlooker.send(event).await;
    }
    let (ignored, _) = onlooker.read_until("input ignored", is_type("error")).await;
    assert!(ignored["message"].as_str().unwrap().contains("do not hold control"), "{ignored}");

    for event in click_at(TARGET) {
        person.send(event).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.run(&run_id).await["status"], "paused", "the run waits while the person holds control");
    person.send(json!({ "type": "release_control" })).await;

    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["output"]["clicks"], "1", "the person's click reached the page: {}", run["output"]);
    assert_eq!(run["output"]["traps"], "0", "the onlooker's click did not: {}", run["output"]);
    assert_eq!(run["output"]["trusted"], "true", "as a real input event");

    let timeline = app.timeline(&run_id).await;
    let control = timeline.iter().find(|item| item["kind"] == "control").expect("a control item on the timeline");
    assert_eq!(control["label"], "configured key took control");
    assert_eq!(control["status"], "completed");
    assert!(control["started_at"].is_string() && control["finished_at"].is_string(), "{control}");
    let events: Vec<Value> = app.get_json(&format!("/v1/runs/{run_id}/events")).await;
    let statuses: Vec<&str> = events
        .iter()
        .filter(|e| e["event_type"] == "run.status_changed")
        .map(|e| e["payload"]["status"].as_str().unwrap())
        .collect();
    let paused_at = statuses.iter().position(|s| *s == "paused").expect("the run was paused");
    assert_eq!(statuses[paused_at + 1], "running", "and went on running: {statuses:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_held_longer_than_the_inactivity_timeout_ends_the_run_timed_out() {
    let app = TestApp::spawn_with(|config| config.runs.inactivity_timeout_seconds = 2).await;
    let run_id = app.create_script_run("control.html", waiting_for_a_person()).await;
    let person = Viewer::connect(&app.address, &run_id).await;
    person.take_control().await;

    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "timed_out", "{run}");
    assert_eq!(run["errors"][0]["code"], "inactivity_timeout");
    assert!(run["failure_reason"].as_str().unwrap().contains("held control"), "{run}");
    let rest = person.read_to_close().await;
    assert_eq!(rest.last().unwrap()["status"], "timed_out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_view_needs_an_api_key_and_a_websocket() {
    let app = TestApp::spawn().await;
    let run_id = app.create_script_run("small.html", json!([{ "action": "wait", "ms": 1 }])).await;
    let path = format!("/v1/runs/{run_id}/live");
    let anonymous = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let plain = app.get(&path).send().await.unwrap();
    assert_eq!(plain.status(), 400);
    let body: Value = plain.json().await.unwrap();
    assert_eq!(body["code"], "not_a_websocket_request");
    let unknown = app.get("/v1/runs/tsk_999999/live").send().await.unwrap();
    assert_eq!(unknown.status(), 404);
    let cookie = app.sign_in().await.cookie();
    let from_another_site =
        app.client.get(app.url(&path)).header("cookie", cookie).header("origin", "https://elsewhere.example");
    let refused = from_another_site.send().await.unwrap();
    assert_eq!(refused.status(), 403, "a page of another site cannot use the login cookie");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_of_a_finished_run_is_told_at_once() {
    let app = TestApp::spawn().await;
    let run_id = app.create_script_run("small.html", json!([{ "action": "wait", "ms": 1 }])).await;
    app.wait_until_final(&run_id).await;
    let viewer = Viewer::connect(&app.address, &run_id).await;
    let messages = viewer.read_to_close().await;
    let kinds: Vec<&str> = messages.iter().map(|m| m["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["hello", "end"]);
    assert_eq!(messages[1]["status"], "completed");
}

/// How old each frame was when it arrived, by the appliance's clock, in ms.
fn ages_on_arrival(messages: &[(Value, std::time::SystemTime)]) -> Vec<f64> {
    messages
        .iter()
        .filter(|(message, _)| message["type"] == "frame")
        .map(|(frame, arrived)| {
            let arrived = arrived.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64() * 1000.0;
            arrived - frame["received_at"].as_f64().unwrap()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_on_a_slow_link_is_always_sent_a_recent_picture() {
    let app = TestApp::spawn().await;
    let run_id = app.create_script_run("animated.html", json!([{"action": "wait", "ms": 8000}])).await;
    let slow = Viewer::connect_drawing(&app.address, &run_id, Drawing::Taking(Duration::from_millis(100))).await;
    slow.read_until("a first frame", is_type("frame")).await;
    let early = ages_on_arrival(&slow.read_for(Duration::from_secs(2)).await);
    let late = ages_on_arrival(&slow.read_for(Duration::from_secs(3)).await);
    assert!(late.len() >= 15, "about 10 frames a second reach it: {} in 3 s", late.len());
    let median = |ages: &[f64]| {
        let mut ages = ages.to_vec();
        ages.sort_by(f64::total_cmp);
        ages[ages.len() / 2]
    };
    assert!(
        median(&late) < 500.0 && median(&late) < median(&early) + 250.0,
        "the picture does not grow older: median {:.0} ms after 2 s, {:.0} ms after 5 s",
        median(&early),
        median(&late)
    );
    app.cancel(&run_id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_that_never_acknowledges_gets_a_frame_a_second() {
    let app = TestApp::spawn().await;
    let run_id = app.create_script_run("animated.html", json!([{"action": "wait", "ms": 8000}])).await;
    let silent = Viewer::connect_drawing(&app.address, &run_id, Drawing::Never).await;
    silent.read_until("a first frame", is_type("frame")).await;
    let read = silent.read_for(Duration::from_secs(4)).await;
    let frames = read.iter().filter(|(message, _)| message["type"] == "frame").count();
    assert!((2..=6).contains(&frames), "about one frame a second: {frames} in 4 s");
    app.cancel(&run_id).await;
}
