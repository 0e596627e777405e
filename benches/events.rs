//! Events fanned out to many Server-Sent Events clients: one producer writes timeline items
//! through the running appliance's store (each its own transaction, as runs write them), and
//! every client of `GET /v1/events` must receive every event. The same producer alone, with no
//! client, is the baseline measured in the same command.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Barrier;

use serde_json::json;
use skyvern::ids::RunId;
use skyvern::runs::{NewTimelineItem, TimelineKind};
use skyvern::store::Store;

use crate::helpers::{API_KEY, TestApp, store_a_queued_run};

const CLIENTS: usize = 100;
const EVENTS: usize = 20_000;

/// Writes `count` thoughts, one transaction each, and returns the seconds it took.
async fn produce(store: &Store, run_id: &RunId, count: usize) -> f64 {
    let started = Instant::now();
    for n in 0..count {
        let thought = NewTimelineItem {
            run_id: run_id.clone(),
            step_run_id: None,
            kind: TimelineKind::Thought,
            label: format!("Decision {n}"),
            detail: json!({"reasoning": "The search box is empty; type the query, then press Enter to see results."}),
        };
        store.start_timeline_item(thought).await.unwrap();
    }
    started.elapsed().as_secs_f64()
}

/// Opens a stream of the run's timeline events, says it is ready, and reads until it has seen
/// `count` events; returns how many it saw.
async fn consume(address: String, run_id: RunId, count: usize, ready: Arc<Barrier>) -> usize {
    let mut response = reqwest::Client::new()
        .get(format!("{address}/v1/events?run_id={run_id}&event_type=run.timeline_item"))
        .header("accept", "text/event-stream")
        .header("x-api-key", API_KEY)
        .send()
        .await
        .unwrap();
    ready.wait().await;
    const MARK: &[u8] = b"\ndata: ";
    let (mut seen, mut carried) = (0, Vec::<u8>::new());
    while seen < count {
        let Some(chunk) = response.chunk().await.unwrap() else { break };
        carried.extend_from_slice(&chunk);
        seen += carried.windows(MARK.len()).filter(|window| *window == MARK).count();
        // A mark cut in two by the chunk boundary is counted with the next chunk.
        carried.drain(..carried.len().saturating_sub(MARK.len() - 1));
    }
    seen
}

pub async fn fan_out() {
    let app = TestApp::spawn().await;
    let store = app.store.clone();
    println!("events fanned out over SSE: {EVENTS} timeline events, one transaction each:");
    let alone = produce(&store, &store_a_queued_run(&store, "fan-out baseline").await, EVENTS).await;
    println!("  no client (baseline):  {:8.0} events/s written", EVENTS as f64 / alone);

    let run_id = store_a_queued_run(&store, "fan-out").await;
    let ready = Arc::new(Barrier::new(CLIENTS + 1));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| tokio::spawn(consume(app.address.clone(), run_id.clone(), EVENTS, ready.clone())))
        .collect();
    ready.wait().await;
    let started = Instant::now();
    let written = produce(&store, &run_id, EVENTS).await;
    let mut complete = 0;
    for client in clients {
        if client.await.unwrap() >= EVENTS {
            complete += 1;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "  {CLIENTS} clients:           {:8.0} events/s written; each event reached all {CLIENTS}: {:8.0} events/s = {:9.0} deliveries/s ({complete}/{CLIENTS} clients got every event)",
        EVENTS as f64 / written,
        EVENTS as f64 / elapsed,
        (EVENTS * CLIENTS) as f64 / elapsed,
    );
    println!("  writing beside {CLIENTS} clients took {:.2}x the baseline's time", written / alone);
    app.stop().await;
}
