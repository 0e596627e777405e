//! Part 9 of the benchmarks: the plan executor.
//!
//! 1. Its own cost per block: a plan of 100 `wait 0` blocks next to a plan of one, both run end
//!    to end (`started_at` to `finished_at`: queue, browser context, recording and the blocks'
//!    steps, attempts, timeline items and events); the difference over 99 blocks is the
//!    executor's cost per block.
//! 2. Parallel blocks: four `goto_url` blocks to a page that answers after 500 ms, as a chain and
//!    as four independent blocks of a graph (each in a tab of its own in the run's context); the
//!    ratio of the two is the speed-up.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

use crate::helpers::{TestApp, serve_locally};
use crate::percentile;

/// Runs a plan of `blocks` to its end and returns the run's own duration in milliseconds.
async fn run_once(app: &TestApp, blocks: Value) -> f64 {
    let plan_id = app.save_plan("bench", json!({"parameters": [], "blocks": blocks})).await;
    let run_id = app.run_plan(&plan_id, json!({})).await;
    let run = app.wait_until_final(&run_id).await;
    assert_eq!(run["status"], "completed", "{run}");
    let at = |field: &str| skyvern::clock::parse(run[field].as_str().unwrap()).unwrap();
    (at("finished_at") - at("started_at")).as_seconds_f64() * 1000.0
}

/// The median duration of `runs` runs of the plan.
async fn median(app: &TestApp, blocks: &Value, runs: usize) -> f64 {
    let mut durations = Vec::new();
    for _ in 0..runs {
        durations.push(run_once(app, blocks.clone()).await);
    }
    durations.sort_by(f64::total_cmp);
    percentile(&durations, 0.5)
}

fn waits(count: usize) -> Value {
    Value::Array((0..count).map(|n| json!({"block_type": "wait", "label": format!("w{n}"), "wait_sec": 0})).collect())
}

pub async fn plan_executor(runs: usize) {
    let app = TestApp::spawn().await;
    let runs = runs.max(3);
    let one = median(&app, &waits(1), runs).await;
    let hundred = median(&app, &waits(100), runs).await;
    println!("plan executor, median of {runs} runs each:");
    println!("  1 wait-0 block:    {one:8.1} ms");
    println!("  100 wait-0 blocks: {hundred:8.1} ms   ({:.2} ms per block)", (hundred - one) / 99.0);

    let (slow, _server) = serve_locally(|config| {
        config.route(
            "/slow",
            web::get().to(|| async {
                tokio::time::sleep(Duration::from_millis(500)).await;
                HttpResponse::Ok().content_type("text/html").body("<title>slow</title><p>answered")
            }),
        );
    });
    let visit = |n: usize, parallel: bool| {
        let mut block =
            json!({"block_type": "goto_url", "label": format!("open{n}"), "url": format!("{slow}/slow?n={n}")});
        if parallel {
            block["depends_on"] = json!(["start"]);
        }
        block
    };
    let start = json!({"block_type": "wait", "label": "start", "wait_sec": 0});
    let chain = Value::Array(std::iter::once(start.clone()).chain((0..4).map(|n| visit(n, false))).collect());
    let graph = Value::Array(std::iter::once(start).chain((0..4).map(|n| visit(n, true))).collect());
    let sequential = median(&app, &chain, runs).await;
    let parallel = median(&app, &graph, runs).await;
    println!("  4 page loads of 500 ms, one after another: {sequential:8.1} ms");
    println!(
        "  4 page loads of 500 ms, independent blocks: {parallel:8.1} ms   ({:.2}x speed-up)",
        sequential / parallel
    );
    app.stop().await;
}
