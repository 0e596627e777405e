//! Part `webhooks`: how fast the sender drains a backlog of deliveries to a receiver that takes
//! 200 ms per answer, next to one that answers at once, while a code run goes on; and whether
//! runs start any later while webhooks are being delivered.
//!
//! A backlog is made without waiting for runs: a code run holds the only browser slot, runs with
//! a webhook wait queued behind it, and one bulk cancel ends them all, each with its
//! `task_run.canceled` milestone. Deliveries per second run from the cancel to the last request
//! the receiver got.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{TestApp, a_long_wait};
use crate::receiver::Receiver;
use crate::{percentile, report, small_page_script, timed_request};

/// How many deliveries a backlog holds.
const BACKLOG: usize = 400;
/// How long the slow receiver takes to answer.
const SLOW_ANSWER: Duration = Duration::from_millis(200);

/// How many attempts the sender makes to one receiver at once, by default.
fn per_receiver() -> usize {
    skyvern::Config::defaults().unwrap().webhooks.max_per_receiver
}

/// Deliveries per second that `per_receiver` attempts at a time allow, at `SLOW_ANSWER` each.
fn slow_receiver_ceiling() -> f64 {
    per_receiver() as f64 / SLOW_ANSWER.as_secs_f64()
}

async fn appliance() -> TestApp {
    TestApp::spawn_with(|config| config.webhooks.allow_private = true).await
}

/// Makes `count` deliveries to `receiver` at once, while a code run holds the browser; returns
/// the moment they were made and the held run.
async fn backlog(app: &TestApp, receiver: &Receiver, count: usize) -> (Instant, String) {
    let holder = app.create_script_run("small.html", a_long_wait()).await;
    app.wait_for(&holder, "acting", |run| run["action_count"].as_i64() >= Some(2)).await;
    let mut queued = Vec::with_capacity(count);
    for _ in 0..count {
        let body = json!({"prompt": "bench", "url": app.fixtures.url("small.html"),
            "script": small_page_script(), "webhook_url": receiver.url});
        queued.push(app.create_run(body).await["run_id"].clone());
    }
    let made = Instant::now();
    for chunk in queued.chunks(200) {
        let response = app.post("/v1/runs/cancel").json(&json!({"run_ids": chunk})).send().await.unwrap();
        let canceled: Value = response.json().await.unwrap();
        assert_eq!(canceled["cancelled"].as_array().map(Vec::len), Some(chunk.len()), "{canceled}");
    }
    (made, holder)
}

/// Deliveries per second of a backlog to a receiver answering after `delay`.
async fn drain_rate(delay: Duration) -> f64 {
    let app = appliance().await;
    let receiver = Receiver::answering_after(delay);
    let (made, holder) = backlog(&app, &receiver, BACKLOG).await;
    receiver.wait_for_requests(BACKLOG).await;
    let rate = BACKLOG as f64 / made.elapsed().as_secs_f64();
    app.cancel(&holder).await;
    app.stop().await;
    rate
}

/// Times to the first action of `runs` sequential code runs, each with a webhook to `receiver`
/// if one is given.
async fn first_actions(app: &TestApp, runs: usize, receiver: Option<&Receiver>) -> Vec<[f64; 3]> {
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let mut body = json!({"prompt": "bench", "url": app.fixtures.url("small.html"), "script": small_page_script()});
        if let Some(receiver) = receiver {
            body["webhook_url"] = json!(receiver.url);
        }
        samples.push(timed_request(app, body).await);
    }
    samples
}

pub async fn webhooks(runs: usize) {
    let per_receiver = per_receiver();
    println!(
        "webhook deliveries, a backlog of {BACKLOG} while a code run goes on ({per_receiver} at a time per receiver):"
    );
    let fast = drain_rate(Duration::ZERO).await;
    println!("  receiver answering at once:      {fast:7.1} deliveries/s");
    let slow = drain_rate(SLOW_ANSWER).await;
    println!(
        "  receiver answering after 200 ms: {slow:7.1} deliveries/s   ({per_receiver} at a time at 200 ms each allow {:.0}/s)",
        slow_receiver_ceiling()
    );

    let app = appliance().await;
    let url = app.fixtures.url("small.html");
    // One run to load the page into the browser's caches, as a warm appliance would have.
    timed_request(&app, json!({"prompt": "bench", "url": url, "script": small_page_script()})).await;
    let started = Instant::now();
    let without = first_actions(&app, runs, None).await;
    let slow_receiver = Receiver::answering_after(SLOW_ANSWER);
    // Half as many again as the slow receiver takes in the time the runs took without webhooks,
    // so the sender is still busy with it when the last run ends.
    let rate = slow_receiver_ceiling();
    let count = (started.elapsed().as_secs_f64() * rate * 1.5) as usize + runs;
    let (_, holder) = backlog(&app, &slow_receiver, count).await;
    app.cancel(&holder).await;
    app.wait_for_status(&holder, "canceled").await;
    let before = slow_receiver.received().len();
    let with = first_actions(&app, runs, Some(&slow_receiver)).await;
    let during = slow_receiver.received().len() - before;
    let pending = (count + runs).saturating_sub(before + during);
    println!("time from POST /v1/run/tasks to the first action starting, {runs} runs each:");
    report("no webhooks                 ", &without);
    report("webhooks, a backlog draining", &with);
    let medians = |samples: &[[f64; 3]]| {
        let mut actions: Vec<f64> = samples.iter().map(|s| s[2]).collect();
        actions.sort_by(f64::total_cmp);
        percentile(&actions, 0.5)
    };
    println!(
        "  ratio of medians: {:.2}x   ({during} deliveries made while the runs ran, {pending} still pending after them)",
        medians(&with) / medians(&without)
    );
    app.stop().await;
}
