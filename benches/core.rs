//! Benchmarks behind the README's figures, on a release build:
//!
//! 1. time from `POST /v1/run/tasks` to the first action starting (median and p95 over many
//!    sequential runs), with a warm pool and back to back with the previous run, next to the bare
//!    HTTP round trip measured in the same command;
//! 2. code-run throughput (runs per minute) at pool sizes 1, 2 and 4 on a small fixture page,
//!    with the speed-up over pool size 1 measured in the same command.
//!
//! 3. the agent's own time per step, model latency excluded (observe the page, then act), and
//!    the prompt size per step, on a set of fixture pages, against an instant scripted model.
//!
//! 4. the live view's frames per second and latency (Chromium's capture to arrival at a viewer)
//!    on an animated page, next to the frames Chromium produced in the same run; and the CPU
//!    that recording a run costs (ffmpeg's, in % of one core, and the appliance's own, against
//!    the same run unrecorded) with the video's MB per minute, at 1280x720.
//!
//! 5. a code run of 20 actions next to Python Playwright doing the same (`playwright_checkout.py`).
//!
//! 6. events per second fanned out to 100 Server-Sent Events clients (`events.rs`).
//!
//! 7. webhook deliveries per second to a slow and to a fast receiver while a code run goes on,
//!    and the time to the first action with and without webhooks being delivered (`webhooks.rs`).
//!
//! 8. search latency over 100,000 stored runs, next to the listing without search (`search.rs`).
//!
//! 9. the plan executor's cost per block, and the speed-up of independent blocks (`plans.rs`).
//!
//! 10. the first action of a run on an open browser session, and the memory an idle session holds
//!     (`sessions.rs`).
//!
//! 11. 500 code runs queued at once on 4 slots: throughput, queue wait, API latency while the
//!     queue drains, memory, and that none is lost (`load.rs`).
//!
//! 12. the CPU and memory of concurrent runs paced like an agent's: what one box holds (`load.rs`).
//!
//! Run: `scripts/bench` (which installs Playwright for part 5), with `BENCH_RUNS=100` for more
//! samples and part names (`latency`, `throughput`, `agent`, `playwright`, `live`, `recording`,
//! `events`, `webhooks`, `search`, `plans`, `sessions`, `load`, `scale`) to run only those.

#[path = "events.rs"]
mod events;
#[path = "../tests/api/helpers.rs"]
#[allow(dead_code)]
mod helpers;
#[path = "../tests/api/receiver.rs"]
#[allow(dead_code)]
mod receiver;
#[path = "../tests/api/scripted_llm.rs"]
#[allow(dead_code)]
mod scripted_llm;
#[path = "../tests/api/viewer.rs"]
#[allow(dead_code)]
mod viewer;
mod webhooks;

mod load;
mod plans;
mod search;
mod sessions;

use std::time::{Duration, Instant, SystemTime};

use helpers::TestApp;
use serde_json::{Value, json};
use time::OffsetDateTime;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn small_page_script() -> Value {
    json!([
        {"action": "fill", "selector": "#q", "value": "bench"},
        {"action": "click", "selector": "#go"},
        {"action": "extract", "fields": {"result": "#result"}}
    ])
}

/// Milliseconds from `sent` to: the run being queued, its admission (`running`), and its first
/// action starting.
async fn first_action_delays(app: &TestApp, run: &Value, sent: SystemTime) -> [f64; 3] {
    let run_id = run["run_id"].as_str().unwrap();
    let timeline = app.timeline(run_id).await;
    let first = timeline.iter().find(|item| item["kind"] == "action" && item["action_number"] == 1).expect("an action");
    let sent = OffsetDateTime::from(sent);
    let since = |at: &Value| (skyvern::clock::parse(at.as_str().unwrap()).unwrap() - sent).as_seconds_f64() * 1000.0;
    [since(&run["queued_at"]), since(&run["started_at"]), since(&first["started_at"])]
}

/// Starts one run and waits for it; returns its delays (see `first_action_delays`).
async fn timed_run(app: &TestApp, url: &str) -> [f64; 3] {
    timed_request(app, json!({"prompt": "bench", "url": url, "script": small_page_script()})).await
}

/// Starts a run of the request `body` and waits for it to complete; returns its delays.
async fn timed_request(app: &TestApp, body: Value) -> [f64; 3] {
    let sent = SystemTime::now();
    let run = app.create_run(body).await;
    let done = app.wait_until_final(run["run_id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "completed", "{done}");
    first_action_delays(app, &done, sent).await
}

fn report(label: &str, samples: &[[f64; 3]]) {
    let column = |index: usize| {
        let mut values: Vec<f64> = samples.iter().map(|s| s[index]).collect();
        values.sort_by(f64::total_cmp);
        values
    };
    let (queued, admitted, action) = (column(0), column(1), column(2));
    println!(
        "  {label}: median {:6.1} ms   p95 {:6.1} ms   max {:6.1} ms   (queued {:.1} ms, admitted {:.1} ms)",
        percentile(&action, 0.5),
        percentile(&action, 0.95),
        action[action.len() - 1],
        percentile(&queued, 0.5),
        percentile(&admitted, 0.5),
    );
}

async fn first_action_latency(runs: usize) {
    let app = TestApp::spawn().await;
    let url = app.fixtures.url("small.html");
    // One run to load the page into the browser's caches, as a warm appliance would have.
    timed_run(&app, &url).await;

    let (mut warm, mut back_to_back, mut round_trips) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let started = Instant::now();
        app.get("/v1/version").send().await.unwrap();
        round_trips.push(started.elapsed().as_secs_f64() * 1000.0);
        // Warm: every browser idle, with its next context ready.
        app.wait_for_pool("all slots free", |pool| pool["free_slots"] == pool["slots"]).await;
        warm.push(timed_run(&app, &url).await);
        // Back to back: sent the moment the previous run ended, while its browser is still
        // being made ready again.
        back_to_back.push(timed_run(&app, &url).await);
    }
    round_trips.sort_by(f64::total_cmp);
    println!("time from POST /v1/run/tasks to the first action starting, {runs} runs each:");
    report("warm pool   ", &warm);
    report("back to back", &back_to_back);
    println!("  baseline: authenticated GET /v1/version round trip, median {:.2} ms", percentile(&round_trips, 0.5));
    app.stop().await;
}

async fn throughput(pool_size: usize, runs: usize) -> f64 {
    let app = TestApp::spawn_with(|config| config.browser.pool_size = pool_size).await;
    let started = Instant::now();
    let mut ids = Vec::new();
    for _ in 0..runs {
        ids.push(app.create_script_run("small.html", small_page_script()).await);
    }
    for id in &ids {
        let run = app.wait_until_final(id).await;
        assert_eq!(run["status"], "completed", "{run}");
    }
    let per_minute = runs as f64 / started.elapsed().as_secs_f64() * 60.0;
    app.stop().await;
    per_minute
}

/// Pages the agent benchmark walks, with a phrase of an element to hover on each.
const AGENT_PAGES: &[(&str, &str)] = &[
    ("search.html", "Where to?"),
    ("results.html?q=Paris", "AF 1234"),
    ("book.html?flight=AF&price=99", "Traveller name"),
    ("form.html", "Next"),
    ("frames.html", "Claim the offer"),
    ("confirm.html?name=Ada&country=fr", "Total"),
];

fn milliseconds_between(from: &Value, to: &Value) -> f64 {
    let parse = |at: &Value| skyvern::clock::parse(at.as_str().unwrap()).unwrap();
    (parse(to) - parse(from)).as_seconds_f64() * 1000.0
}

/// The parts of the appliance's own time in one agent step, in milliseconds.
const STEP_PARTS: [&str; 7] = ["settle", "observe", "prompt", "screenshot", "act", "store and the rest", "total"];

async fn agent_overhead(rounds: usize) {
    let llm = scripted_llm::ScriptedLlm::start();
    let base = llm.base_url.clone();
    let app = TestApp::spawn_with(move |config| {
        config.llm.provider = "openai".into();
        config.llm.base_url = format!("{base}/v1");
        config.llm.vision = true;
        config.agent.max_steps = 10;
    })
    .await;
    let mut parts: Vec<Vec<f64>> = vec![Vec::new(); STEP_PARTS.len()];
    let mut prompt_chars = Vec::new();
    for round in 0..rounds {
        let (page, needle) = AGENT_PAGES[round % AGENT_PAGES.len()];
        llm.decide(move |prompt| json!([{"action": "hover", "element": scripted_llm::element(prompt, needle)}]))
            .decide(|_| json!([{"action": "scroll", "direction": "down"}]))
            .decide(|_| json!([{"action": "complete"}]));
        let run = app.create_run(json!({"prompt": "Look around", "url": app.fixtures.url(page)})).await;
        let run_id = run["run_id"].as_str().unwrap().to_owned();
        let done = app.wait_until_final(&run_id).await;
        assert_eq!(done["status"], "completed", "{done}");
        let timeline = app.timeline(&run_id).await;
        let traces: Vec<Value> = app.get_json(&format!("/v1/runs/{run_id}/traces")).await;
        let thoughts: Vec<usize> =
            timeline.iter().enumerate().filter(|(_, item)| item["kind"] == "thought").map(|(at, _)| at).collect();
        // Between two decisions: act on the first, let the page settle, observe it, write the
        // prompt and picture, ask the model (its latency is subtracted), store all along.
        for (pair, trace) in thoughts.windows(2).zip(traces.iter().skip(1)) {
            let (first, next) = (&timeline[pair[0]], &timeline[pair[1]]);
            let total =
                milliseconds_between(&first["started_at"], &next["started_at"]) - trace["latency_ms"].as_f64().unwrap();
            let timing = &next["detail"]["timing_ms"];
            let act: f64 =
                timeline[pair[0]..pair[1]].iter().filter_map(|item| item["detail"]["timing_ms"]["act"].as_f64()).sum();
            let measured: Vec<f64> = ["settle", "observe", "prompt", "screenshot"]
                .iter()
                .map(|part| timing[part].as_f64().unwrap())
                .collect();
            let rest = total - measured.iter().sum::<f64>() - act;
            for (values, value) in parts.iter_mut().zip(measured.into_iter().chain([act, rest, total])) {
                values.push(value);
            }
        }
        for trace in &traces {
            let text = trace["request"]["messages"][0]["parts"][0]["text"].as_str().unwrap_or_default();
            prompt_chars.push((text.len() + trace["request"]["system"].as_str().unwrap_or_default().len()) as f64);
        }
    }
    prompt_chars.sort_by(f64::total_cmp);
    println!(
        "agent time per step without the model, vision on, {} steps on {} pages (ms):",
        parts[0].len(),
        AGENT_PAGES.len()
    );
    for (name, mut values) in STEP_PARTS.iter().zip(parts) {
        values.sort_by(f64::total_cmp);
        println!("  {name:>18}: p50 {:6.1}   p90 {:6.1}", percentile(&values, 0.5), percentile(&values, 0.9));
    }
    println!(
        "  prompt per step: median {:.0} characters (about {:.0} tokens at 4 characters a token), max {:.0}",
        percentile(&prompt_chars, 0.5),
        percentile(&prompt_chars, 0.5) / 4.0,
        prompt_chars[prompt_chars.len() - 1]
    );
    app.stop().await;
}

/// How long the live view is watched, and how long each recorded run lasts.
const LIVE_SECONDS: u64 = 10;
const RECORDED_SECONDS: u64 = 20;

/// One viewer's frames per second and the ages of its frames on arrival (from the appliance's
/// receipt and from Chromium's capture), in ms, sorted.
struct Watched {
    fps: f64,
    since_receipt: Vec<f64>,
    since_capture: Vec<f64>,
}

fn watched(messages: &[(Value, SystemTime)]) -> Watched {
    let frames: Vec<&(Value, SystemTime)> = messages.iter().filter(|(m, _)| m["type"] == "frame").collect();
    let span = frames[frames.len() - 1].1.duration_since(frames[0].1).unwrap().as_secs_f64();
    let ages = |field: &str| {
        let mut ages: Vec<f64> = frames
            .iter()
            .map(|(frame, arrived)| {
                let arrived = arrived.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs_f64() * 1000.0;
                arrived - frame[field].as_f64().unwrap()
            })
            .collect();
        ages.sort_by(f64::total_cmp);
        ages
    };
    Watched {
        fps: (frames.len() - 1) as f64 / span,
        since_receipt: ages("received_at"),
        since_capture: ages("timestamp"),
    }
}

/// `count` viewers (drawing each frame in `drawing`) watch an animated page for `LIVE_SECONDS`.
async fn watch_together(app: &TestApp, count: usize, drawing: viewer::Drawing) -> Vec<Watched> {
    let wait = json!([{ "action": "wait", "ms": (LIVE_SECONDS + 6) * 1000 }]);
    let run_id = app.create_script_run("animated.html", wait).await;
    let mut viewers = Vec::new();
    for _ in 0..count {
        let viewer = viewer::Viewer::connect_drawing(&app.address, &run_id, drawing).await;
        viewer.read_until("a first frame", viewer::is_type("frame")).await;
        viewers.push(viewer);
    }
    let reads = viewers.iter().map(|viewer| viewer.read_for(Duration::from_secs(LIVE_SECONDS)));
    let watched = futures::future::join_all(reads).await.iter().map(|messages| watched(messages)).collect();
    app.cancel(&run_id).await;
    app.wait_until_final(&run_id).await;
    watched
}

async fn live_view() {
    let app = TestApp::spawn().await;
    println!("live view of an animated page (repaints every frame) at 1280x720, {LIVE_SECONDS} s:");
    let cases = [
        ("1 viewer", 1, viewer::Drawing::AtOnce),
        ("3 viewers", 3, viewer::Drawing::AtOnce),
        ("10 viewers", 10, viewer::Drawing::AtOnce),
        ("1 viewer taking 100 ms a frame", 1, viewer::Drawing::Taking(Duration::from_millis(100))),
    ];
    for (label, count, drawing) in cases {
        let viewers = watch_together(&app, count, drawing).await;
        let worst = |ages: fn(&Watched) -> &Vec<f64>, p: f64| {
            viewers.iter().map(|w| percentile(ages(w), p)).fold(f64::MIN, f64::max)
        };
        let fps = viewers.iter().map(|w| w.fps).sum::<f64>() / viewers.len() as f64;
        println!(
            "  {label:>31}: {fps:5.1} frames/s each; age on arrival, worst viewer: since the appliance \
             received it median {:5.1} ms p95 {:5.1} ms; since Chromium captured it median {:5.1} ms",
            worst(|w| &w.since_receipt, 0.5),
            worst(|w| &w.since_receipt, 0.95),
            worst(|w| &w.since_capture, 0.5),
        );
    }
    app.stop().await;
}

/// CPU seconds a process has used so far, from `/proc`.
fn cpu_seconds(pid: u32, ticks_per_second: f64) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(") ")?.1.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().ok()? + fields[12].parse::<f64>().ok()?;
    Some(ticks / ticks_per_second)
}

/// Runs `page` for `RECORDED_SECONDS`; returns the appliance's and ffmpeg's CPU seconds, the
/// run's seconds and the video's bytes (none when not recorded).
async fn recorded_run(page: &str, recording: bool, ticks_per_second: f64) -> [f64; 4] {
    let app = TestApp::spawn_with(|config| config.recording.enabled = recording).await;
    let wait = json!([{ "action": "wait", "ms": RECORDED_SECONDS * 1000 }]);
    let own = std::process::id();
    let own_before = cpu_seconds(own, ticks_per_second).unwrap();
    let run_id = app.create_script_run(page, wait).await;
    let part = app.data_dir.path().join("recordings").join(format!("{run_id}.part.mp4"));
    let mut ffmpeg_cpu = 0.0;
    loop {
        let encoders = skyvern::processes::mentioning(&part.to_string_lossy());
        for pid in encoders {
            ffmpeg_cpu = cpu_seconds(pid, ticks_per_second).unwrap_or(ffmpeg_cpu).max(ffmpeg_cpu);
        }
        if app.run(&run_id).await["status"] == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let own_cpu = cpu_seconds(own, ticks_per_second).unwrap() - own_before;
    let run = app.run(&run_id).await;
    let run_seconds = milliseconds_between(&run["started_at"], &run["finished_at"]) / 1000.0;
    let artifacts = app.artifacts(&run_id).await;
    let video = artifacts.iter().find(|a| a["artifact_type"] == "recording");
    let bytes = video.map_or(0.0, |v| v["file_size"].as_f64().unwrap());
    app.stop().await;
    [own_cpu, ffmpeg_cpu, run_seconds, bytes]
}

async fn recording_cost() {
    let ticks = std::process::Command::new("getconf").arg("CLK_TCK").output().unwrap();
    let ticks: f64 = String::from_utf8_lossy(&ticks.stdout).trim().parse().unwrap();
    println!("recording, one run of {RECORDED_SECONDS} s at 1280x720 (% of one core over the run):");
    let pages = [
        ("still page", "small.html"),
        ("typing page (a character every 150 ms)", "typing.html"),
        ("animated page (whole canvas, 60 times a second)", "storm.html"),
    ];
    for (label, page) in pages {
        let [bare_cpu, _, bare_seconds, _] = recorded_run(page, false, ticks).await;
        let [own_cpu, ffmpeg_cpu, seconds, bytes] = recorded_run(page, true, ticks).await;
        println!(
            "  {label}: ffmpeg {:.1}%   appliance {:.1}% (unrecorded {:.1}%)   {:.2} MB per minute",
            100.0 * ffmpeg_cpu / seconds,
            100.0 * own_cpu / seconds,
            100.0 * bare_cpu / bare_seconds,
            bytes / 1e6 / seconds * 60.0,
        );
    }
}

/// The 20 actions of the checkout page, as a code run's script (`playwright_checkout.py` does the
/// same in Playwright).
fn checkout_script() -> Value {
    json!([
        {"action": "fill", "selector": "#first", "value": "Ada"},
        {"action": "fill", "selector": "#last", "value": "Lovelace"},
        {"action": "fill", "selector": "#email", "value": "ada@example.org"},
        {"action": "fill", "selector": "#phone", "value": "+44 20 7946 0000"},
        {"action": "select_option", "selector": "#country", "value": "fr"},
        {"action": "fill", "selector": "#city", "value": "Paris"},
        {"action": "fill", "selector": "#street", "value": "1 rue de Rivoli"},
        {"action": "fill", "selector": "#zip", "value": "75001"},
        {"action": "check", "selector": "#terms"},
        {"action": "check", "selector": "#news"},
        {"action": "select_option", "selector": "#size", "label": "M"},
        {"action": "type", "selector": "#notes", "text": "hello"},
        {"action": "click", "selector": "#next"},
        {"action": "fill", "selector": "#card", "value": "4242424242424242"},
        {"action": "fill", "selector": "#expiry", "value": "12/30"},
        {"action": "fill", "selector": "#cvc", "value": "123"},
        {"action": "click", "selector": "#pay"},
        {"action": "wait_for_text", "text": "Paid by"},
        {"action": "extract", "fields": {"status": "#status"}},
        {"action": "extract", "fields": {"country": "#country"}}
    ])
}

/// Milliseconds from sending `POST /v1/run/tasks` to the run's `finished_at`, for `runs` code
/// runs of the checkout script.
async fn code_run_times(app: &TestApp, runs: usize) -> Vec<f64> {
    let url = app.fixtures.url("checkout.html");
    let mut times = Vec::new();
    for _ in 0..runs {
        app.wait_for_pool("all slots free", |pool| pool["free_slots"] == pool["slots"]).await;
        let sent = OffsetDateTime::from(SystemTime::now());
        let run = app.create_run(json!({"prompt": "checkout", "url": url, "script": checkout_script()})).await;
        let done = app.wait_until_final(run["run_id"].as_str().unwrap()).await;
        assert_eq!(done["status"], "completed", "{done}");
        assert_eq!(done["output"]["status"], "Paid by Ada Lovelace, total 42.00");
        let finished = skyvern::clock::parse(done["finished_at"].as_str().unwrap()).unwrap();
        times.push((finished - sent).as_seconds_f64() * 1000.0);
    }
    times
}

/// Wall times of `runs` Playwright runs of the same actions (see `playwright_checkout.py`).
fn playwright_times(url: &str, runs: usize) -> Vec<f64> {
    let python = std::env::var("SKYVERN_BENCH_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/playwright_checkout.py");
    let output = std::process::Command::new(&python)
        .args([script, "/usr/lib/chromium/chromium", url, &runs.to_string()])
        .output()
        .unwrap_or_else(|error| panic!("{python} cannot run: {error}; scripts/bench sets up its Playwright"));
    assert!(output.status.success(), "Playwright failed: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("Playwright's run times")
}

/// A code run of 20 actions next to the same actions in Playwright, in alternating batches.
async fn against_playwright(runs: usize) {
    let app = TestApp::spawn().await;
    code_run_times(&app, 1).await;
    let url = app.fixtures.url("checkout.html");
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    let batch = (runs / 4).max(1);
    for _ in 0..4 {
        theirs.extend(playwright_times(&url, batch));
        ours.extend(code_run_times(&app, batch).await);
    }
    ours.sort_by(f64::total_cmp);
    theirs.sort_by(f64::total_cmp);
    println!("20 actions on a checkout page, {} runs each (recording and per-action screenshots on):", ours.len());
    println!(
        "  code run, POST to finished_at: median {:6.1} ms   p90 {:6.1} ms",
        percentile(&ours, 0.5),
        percentile(&ours, 0.9)
    );
    println!(
        "  Playwright, fresh context to closed: median {:6.1} ms   p90 {:6.1} ms",
        percentile(&theirs, 0.5),
        percentile(&theirs, 0.9)
    );
    println!("  ratio of medians: {:.2}x", percentile(&ours, 0.5) / percentile(&theirs, 0.5));
    app.stop().await;
}

/// Runs queued at once by the `load` part.
const LOAD_RUNS: usize = 500;

/// The parts of the benchmark, by the name that runs one alone.
const PARTS: [&str; 13] = [
    "latency",
    "throughput",
    "agent",
    "playwright",
    "live",
    "recording",
    "events",
    "webhooks",
    "search",
    "plans",
    "sessions",
    "load",
    "scale",
];

async fn code_run_throughput(runs: usize) {
    println!("code-run throughput, {runs} runs of 4 actions (goto, fill, click, extract) on a small page:");
    let baseline = throughput(1, runs).await;
    println!("  pool size 1: {baseline:7.1} runs/min");
    for size in [2, 4] {
        let rate = throughput(size, runs).await;
        println!("  pool size {size}: {rate:7.1} runs/min   ({:.2}x pool size 1)", rate / baseline);
    }
}

fn main() {
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(60);
    let chosen: Vec<String> = std::env::args().skip(1).filter(|arg| PARTS.contains(&arg.as_str())).collect();
    let runs_part = |part: &str| chosen.is_empty() || chosen.iter().any(|arg| arg == part);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        if runs_part("latency") {
            first_action_latency(runs).await;
        }
        if runs_part("throughput") {
            code_run_throughput(runs).await;
        }
        if runs_part("agent") {
            agent_overhead(runs / 2).await;
        }
        if runs_part("playwright") {
            against_playwright(runs / 3).await;
        }
        if runs_part("live") {
            live_view().await;
        }
        if runs_part("recording") {
            recording_cost().await;
        }
        if runs_part("events") {
            events::fan_out().await;
        }
        if runs_part("webhooks") {
            webhooks::webhooks(runs).await;
        }
        if runs_part("search") {
            search::search_latency(runs / 3).await;
        }
        if runs_part("plans") {
            plans::plan_executor(runs / 6).await;
        }
        if runs_part("sessions") {
            sessions::sessions(runs / 2).await;
        }
        if runs_part("load") {
            load::load(LOAD_RUNS).await;
        }
        if runs_part("scale") {
            load::scale().await;
        }
    });
    std::thread::sleep(Duration::from_millis(100));
}
