//! Part 6 of the benchmarks: searching run history.
//!
//! Fills a store with realistic runs through the store's own API, with the appliance stopped
//! (each run is created, started, given a thought and an action for one run in four, and ended
//! completed, failed, terminated or timed out, with its output or failure: the same transactions
//! and events real runs write), rebuilds the index from it as `skyvern reindex` does (timed), then
//! starts the appliance on it and measures `GET /v1/runs?search_key=…` over HTTP, end to end
//! (index, SQLite for the page's runs, JSON), for mixed keys with and without status filters,
//! next to the plain listing without search measured in the same command.

use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use skyvern::ids::RunId;
use skyvern::runs::{Engine, NewRun, NewTimelineItem, RunError, RunStatus, RunType, TimelineKind};
use skyvern::store::{StatusChange, Store};

use crate::helpers::{TestApp, test_config};
use crate::percentile;

/// How many runs the store holds (`BENCH_SEARCH_RUNS` to change it).
const DEFAULT_RUNS: usize = 100_000;
/// Runs written at once by the filling tasks (the store has one writer; this keeps it busy).
const FILLERS: usize = 4;

const CITIES: [&str; 12] =
    ["Paris", "Zürich", "Reykjavík", "Lisbon", "Osaka", "Denver", "Nairobi", "Oslo", "Lima", "Hanoi", "Porto", "Quito"];
const MONTHS: [&str; 6] = ["January", "February", "March", "April", "May", "June"];
const COMPANIES: [&str; 6] = ["Acme", "Initech", "Globex", "Umbrella", "Hooli", "Vandelay"];
const SITES: [&str; 5] =
    ["flights.example.org", "billing.example.net", "portal.acme.test", "jobs.example.io", "shop.example.com"];
const FAILURES: [(&str, &str); 5] = [
    ("element_not_found", "action 3 (click #submit) failed: element not found"),
    ("navigation_failed", "the page did not load: net::ERR_NAME_NOT_RESOLVED"),
    ("invalid_model_output", "the model answered with invalid JSON twice"),
    ("login_failed", "the login was refused: invalid credentials"),
    ("time_budget", "the time budget of 600 s was exceeded"),
];

/// What one made-up run is about.
struct Story {
    title: String,
    prompt: String,
    url: String,
    output: Value,
    thought: String,
    intent: String,
}

fn story(random: &mut StdRng) -> Story {
    let city = |random: &mut StdRng| CITIES[random.random_range(0..CITIES.len())];
    let number: u32 = random.random_range(100..10_000);
    let site = SITES[random.random_range(0..SITES.len())];
    match random.random_range(0..4) {
        0 => {
            let (from, to) = (city(random), city(random));
            Story {
                title: format!("Flights {from} to {to}"),
                prompt: format!("Find the cheapest flight from {from} to {to} next week and return it as JSON"),
                url: format!("https://{site}/search?from={from}&to={to}"),
                output: json!({"flight": format!("AF {number}"), "price": number / 10, "to": to}),
                thought: format!("The results list {} flights; the cheapest one leaves at 07:40", number % 40),
                intent: "pick the cheapest flight".into(),
            }
        }
        1 => {
            let month = MONTHS[random.random_range(0..MONTHS.len())];
            Story {
                title: format!("Invoice {month}"),
                prompt: format!("Download the {month} invoice from the billing portal and read its total"),
                url: format!("https://{site}/invoices/2025/{number}"),
                output: json!({"invoice": format!("INV-{number}"), "total": f64::from(number) / 7.0}),
                thought: format!("The invoice table has a row for {month} with a download link"),
                intent: format!("open the {month} invoice"),
            }
        }
        2 => {
            let company = COMPANIES[random.random_range(0..COMPANIES.len())];
            Story {
                title: format!("Quote from {company}"),
                prompt: format!("Fill the contact form of {company} and ask for a quote for {number} units"),
                url: format!("https://{site}/contact?ref={number}"),
                output: json!({"confirmation": format!("Thank you, request {number} received")}),
                thought: "The contact form asks for a name, an email and a message".into(),
                intent: "submit the contact form".into(),
            }
        }
        _ => {
            let place = city(random);
            Story {
                title: format!("Order {number}"),
                prompt: format!("Check the delivery status of order {number} shipped to {place}"),
                url: format!("https://{site}/orders/{number}"),
                output: json!({"order": number, "status": "in transit", "city": place}),
                thought: format!("The tracking page says the parcel left the {place} depot"),
                intent: "open the tracking page".into(),
            }
        }
    }
}

/// Writes one run the way a real one is written: created and queued, started, perhaps a
/// thought and an action, then ended.
async fn write_run(store: &Store, random: &mut StdRng) -> RunId {
    let story = story(random);
    let run_id = RunId::generate();
    let request = json!({"prompt": story.prompt, "url": story.url, "title": story.title});
    let new_run = NewRun {
        id: run_id.clone(),
        run_type: RunType::TaskV1,
        engine: Engine::Agent,
        title: Some(story.title),
        prompt: Some(story.prompt),
        url: Some(story.url),
        request,
        browser_session_id: None,
        webhook_url: None,
        plan: None,
        rerun_of: None,
    };
    store.insert_queued_run(new_run, Vec::new()).await.unwrap();
    store.transition(&run_id, StatusChange::to(RunStatus::Running)).await.unwrap();
    if random.random_range(0..4) == 0 {
        let item = |kind, label: &str, detail| NewTimelineItem {
            run_id: run_id.clone(),
            step_run_id: None,
            kind,
            label: label.into(),
            detail,
        };
        let thought = json!({"tag": "Decision", "reasoning": story.thought});
        store.start_timeline_item(item(TimelineKind::Thought, "Decision", thought)).await.unwrap();
        let action = json!({"action": "click", "intent": story.intent});
        store.start_timeline_item(item(TimelineKind::Action, "click", action)).await.unwrap();
    }
    let end = match random.random_range(0..20) {
        0..13 => StatusChange { output: Some(story.output), ..StatusChange::to(RunStatus::Completed) },
        13..18 => {
            let (code, message) = FAILURES[random.random_range(0..FAILURES.len())];
            StatusChange::with_error(RunStatus::Failed, RunError::new("system", code, message))
        }
        18 => StatusChange::to(RunStatus::Terminated),
        _ => StatusChange::to(RunStatus::TimedOut),
    };
    store.transition(&run_id, end).await.unwrap();
    run_id
}

/// The store of `data_dir` filled with `runs` runs; returns their ids.
async fn fill(store: &Store, runs: usize) -> Vec<RunId> {
    let fillers: Vec<_> = (0..FILLERS)
        .map(|filler| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut random = StdRng::seed_from_u64(filler as u64);
                let mut ids = Vec::new();
                for _ in 0..runs / FILLERS {
                    ids.push(write_run(&store, &mut random).await);
                }
                ids
            })
        })
        .collect();
    let mut ids = Vec::new();
    for filler in fillers {
        ids.extend(filler.await.unwrap());
    }
    ids
}

fn key(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The searches, by kind: each a query string of `GET /v1/runs`.
fn searches(ids: &[RunId], random: &mut StdRng) -> Vec<(&'static str, String)> {
    let mut searches: Vec<(&'static str, String)> = Vec::new();
    let mut add = |kind, text: &str| searches.push((kind, format!("search_key={}", key(text))));
    for word in ["cheapest", "invoice march", "reykjavik", "quote units", "tracking parcel"] {
        add("words", word);
    }
    for phrase in ["\"cheapest flight\"", "\"element not found\"", "\"invalid credentials\"", "\"leaves at 07:40\""] {
        add("phrases", phrase);
    }
    for prefix in ["flig*", "invo*", "reykj*", "deliv* osa*"] {
        add("prefixes", prefix);
    }
    for _ in 0..5 {
        let id = ids[random.random_range(0..ids.len())].as_str();
        add("id substrings", &id[id.len() - 7..]);
    }
    for part in ["billing.example", "/invoices/2025", "acme.test/contact", "example.org/search?from=Oslo"] {
        add("URL substrings", part);
    }
    let filtered: Vec<(&'static str, String)> = searches
        .iter()
        .enumerate()
        .map(|(at, (_, query))| {
            let status = if at % 2 == 0 { "failed" } else { "completed" };
            ("with a status filter", format!("{query}&status={status}"))
        })
        .collect();
    let by_relevance: Vec<(&'static str, String)> =
        searches.iter().map(|(_, query)| ("sort=relevance", format!("{query}&sort=relevance"))).collect();
    searches.extend(filtered);
    searches.extend(by_relevance);
    searches
}

/// Milliseconds of one `GET /v1/runs?{query}`, body read.
async fn timed_listing(app: &TestApp, query: &str) -> f64 {
    let started = Instant::now();
    let response = app.get(&format!("/v1/runs?{query}")).send().await.unwrap();
    assert_eq!(response.status(), 200, "{query}");
    response.bytes().await.unwrap();
    started.elapsed().as_secs_f64() * 1000.0
}

fn line(label: &str, samples: &mut [f64]) {
    samples.sort_by(f64::total_cmp);
    println!(
        "  {label:<28} p50 {:6.2} ms   p99 {:6.2} ms   ({} requests)",
        percentile(samples, 0.5),
        percentile(samples, 0.99),
        samples.len()
    );
}

fn size_of(directory: &std::path::Path) -> u64 {
    std::fs::read_dir(directory).unwrap().flatten().map(|entry| entry.metadata().map_or(0, |m| m.len())).sum()
}

pub async fn search_latency(rounds: usize) {
    let runs: usize = std::env::var("BENCH_SEARCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_RUNS);
    let data_dir = tempfile::tempdir().unwrap();
    let config = test_config(data_dir.path());
    let store = skyvern::app::open_store(&config).await.unwrap();
    let filling = Instant::now();
    let ids = fill(&store, runs).await;
    let filled = filling.elapsed().as_secs_f64();
    let index = data_dir.path().join("search-index");
    let rebuilding = Instant::now();
    let indexed = skyvern::search::rebuild(&index, store.clone()).await.unwrap();
    let rebuilt = rebuilding.elapsed().as_secs_f64();
    drop(store);
    println!("search over {indexed} runs ({} through the store's API in {filled:.0} s):", ids.len());
    println!(
        "  index rebuilt from the store in {rebuilt:.1} s ({:.0} runs/s), {:.0} MB on disk",
        indexed as f64 / rebuilt,
        size_of(&index) as f64 / 1e6
    );

    let app = TestApp::spawn_in(data_dir, config).await;
    let mut random = StdRng::seed_from_u64(7);
    let searches = searches(&ids, &mut random);
    let baselines = ["page_size=10", "status=failed&page_size=10", "status=completed&page=100&page_size=10"];
    for (_, query) in &searches {
        timed_listing(&app, query).await;
    }
    let mut by_kind: Vec<(&'static str, Vec<f64>)> = Vec::new();
    let (mut all, mut baseline) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        for (kind, query) in &searches {
            let took = timed_listing(&app, query).await;
            all.push(took);
            match by_kind.iter_mut().find(|(known, _)| known == kind) {
                Some((_, samples)) => samples.push(took),
                None => by_kind.push((kind, vec![took])),
            }
        }
        for query in baselines {
            baseline.push(timed_listing(&app, query).await);
        }
    }
    println!("  GET /v1/runs?search_key=… over HTTP, page of 10, body read:");
    for (kind, samples) in &mut by_kind {
        line(kind, samples);
    }
    line("all searches", &mut all);
    line("baseline: listing, no search", &mut baseline);
    app.stop().await;
}
