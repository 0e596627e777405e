//! Parts 11 and 12 of the benchmarks: the appliance under load, and what one box holds.
//!
//! 11. `load`: 500 code runs queued at once on a pool of 4 slots. Throughput while the queue
//!     drains, each run's wait in the queue (`queued_at` to `started_at`), the latency of
//!     `GET /v1/runs/{id}` polled all the while by a client on a thread of its own (next to the
//!     same request on the idle appliance, measured first), the appliance's peak memory and its
//!     Chromium's, and a count of the runs that did not complete (none may be lost). Twice: with
//!     Chromium and the encoders at the appliance's own CPU priority, then at the default lower one.
//! 12. `scale`: concurrent runs paced like an agent's (an action, then two seconds of waiting as
//!     if for the model) at pool sizes 2, 4 and 8. The whole machine's CPU and the memory of the
//!     appliance with its Chromium and ffmpeg processes, next to the same pool idle for as long;
//!     from them, how many such runs one core and one GB hold.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{API_KEY, TestApp};
use crate::sessions::{chromium_pss_mib, pss_mib};
use crate::{milliseconds_between, percentile, small_page_script};

/// A client polling `GET /v1/runs/{id}` over some runs in turn, on a thread and runtime of its
/// own, as a separate program would: the appliance's tasks on the benchmark's runtime then delay
/// only the appliance, not the measuring client.
struct Poller {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<Vec<f64>>,
}

impl Poller {
    fn start(app: &TestApp, runs: &[String]) -> Poller {
        let stop = Arc::new(AtomicBool::new(false));
        let urls: Vec<String> = runs.iter().map(|run_id| app.url(&format!("/v1/runs/{run_id}"))).collect();
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(poll(&urls, &stopped))
        });
        Poller { stop, thread }
    }

    /// Stops polling; the milliseconds each request took, sorted.
    async fn finish(self) -> Vec<f64> {
        self.stop.store(true, Ordering::Relaxed);
        let mut latencies = tokio::task::spawn_blocking(move || self.thread.join().unwrap()).await.unwrap();
        latencies.sort_by(f64::total_cmp);
        latencies
    }
}

/// Milliseconds of every `GET` of `urls` in turn until `stop` is set.
async fn poll(urls: &[String], stop: &AtomicBool) -> Vec<f64> {
    let client = reqwest::Client::new();
    let mut latencies = Vec::new();
    for url in urls.iter().cycle() {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let started = Instant::now();
        let response = client.get(url).header("x-api-key", API_KEY).send().await.unwrap();
        assert_eq!(response.status(), 200);
        response.bytes().await.unwrap();
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    latencies
}

/// The appliance's resident memory in MiB, now (`VmRSS`) or at its peak (`VmHWM`): the
/// benchmark runs it in its own process.
fn own_memory_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|line| line.starts_with(field)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<f64>().unwrap() / 1024.0
}

/// PSS in MiB of the appliance's Chromium and ffmpeg processes, and its own resident memory.
fn appliance_mib(app: &TestApp) -> f64 {
    let recordings = app.data_dir.path().join("recordings");
    let encoders: f64 = skyvern::processes::mentioning(&recordings.to_string_lossy()).into_iter().map(pss_mib).sum();
    chromium_pss_mib(app.data_dir.path()) + encoders + own_memory_mib("VmRSS:")
}

/// The load part twice: with Chromium and the encoders at the appliance's own CPU priority, then
/// with the default lowered one (`browser.nice`, `recording.nice`), which trades a little
/// throughput for the API's latency.
pub async fn load(runs: usize) {
    drain(runs, Some(0)).await;
    drain(runs, None).await;
}

/// Queues `runs` code runs at once on 4 slots and prints how the appliance drains them, with
/// Chromium and the encoders `nice` lower than the appliance (the configured default if `None`).
async fn drain(runs: usize, nice: Option<u8>) {
    const POOL_SIZE: usize = 4;
    let app = TestApp::spawn_with(|config| {
        config.browser.pool_size = POOL_SIZE;
        if let Some(nice) = nice {
            (config.browser.nice, config.recording.nice) = (nice, nice);
        }
    })
    .await;
    let defaults = skyvern::config::Config::defaults().unwrap();
    let nice = nice.unwrap_or(defaults.browser.nice);
    let warm = app.create_script_run("small.html", small_page_script()).await;
    app.wait_until_final(&warm).await;
    let idle = Poller::start(&app, std::slice::from_ref(&warm));
    tokio::time::sleep(Duration::from_secs(5)).await;
    let idle = idle.finish().await;

    let started = Instant::now();
    let mut ids = Vec::with_capacity(runs);
    let mut posts = Vec::with_capacity(runs);
    for _ in 0..runs {
        let sent = Instant::now();
        ids.push(app.create_script_run("small.html", small_page_script()).await);
        posts.push(sent.elapsed().as_secs_f64() * 1000.0);
    }
    posts.sort_by(f64::total_cmp);
    let under_load = Poller::start(&app, &ids);
    let mut chromium_peak: f64 = 0.0;
    let mut finished = Vec::with_capacity(ids.len());
    for id in &ids {
        chromium_peak = chromium_peak.max(chromium_pss_mib(app.data_dir.path()));
        finished.push(app.wait_until_final(id).await);
    }
    let under_load = under_load.finish().await;
    let drained = started.elapsed().as_secs_f64();
    let lost = finished.iter().filter(|run| run["status"] != "completed").count();
    let listed = app.get("/v1/runs?page_size=1").send().await.unwrap();
    let listed: usize = listed.headers()["x-total-count"].to_str().unwrap().parse().unwrap();
    let mut waits: Vec<f64> =
        finished.iter().map(|run| milliseconds_between(&run["queued_at"], &run["started_at"]) / 1000.0).collect();
    waits.sort_by(f64::total_cmp);

    println!(
        "load: {runs} code runs (4 actions on a small page) queued at once, pool size {POOL_SIZE}, Chromium and encoders {nice} below the appliance's priority:"
    );
    println!(
        "  drained in {drained:.1} s: {:.1} runs/min; runs not completed: {lost}; runs listed: {listed}",
        runs as f64 / drained * 60.0,
    );
    println!(
        "  queue wait: p50 {:.1} s   p99 {:.1} s   max {:.1} s",
        percentile(&waits, 0.5),
        percentile(&waits, 0.99),
        waits[waits.len() - 1]
    );
    println!(
        "  POST /v1/run/tasks while queueing: p50 {:.2} ms   p99 {:.2} ms",
        percentile(&posts, 0.5),
        percentile(&posts, 0.99)
    );
    println!(
        "  GET /v1/runs/{{id}} while the queue drains ({} requests): p50 {:.2} ms   p99 {:.2} ms   max {:.2} ms",
        under_load.len(),
        percentile(&under_load, 0.5),
        percentile(&under_load, 0.99),
        under_load[under_load.len() - 1]
    );
    println!(
        "  baseline, the same request on the idle appliance ({} requests): p50 {:.2} ms   p99 {:.2} ms",
        idle.len(),
        percentile(&idle, 0.5),
        percentile(&idle, 0.99)
    );
    println!(
        "  memory: appliance peak RSS so far {:.0} MiB (with this benchmark's client), Chromium PSS peak {chromium_peak:.0} MiB",
        own_memory_mib("VmHWM:")
    );
    app.stop().await;
}

/// Busy and total jiffies of the whole machine, from `/proc/stat`.
fn machine_jiffies() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap();
    let fields: Vec<f64> =
        stat.lines().next().unwrap().split_whitespace().skip(1).map(|v| v.parse().unwrap()).collect();
    let total: f64 = fields.iter().take(8).sum();
    let idle = fields[3] + fields[4];
    (total - idle, total)
}

/// Cores of the whole machine in use over `during`.
async fn cores_busy<F: std::future::Future>(during: F) -> (f64, F::Output) {
    let cores = std::thread::available_parallelism().unwrap().get() as f64;
    let (busy_before, total_before) = machine_jiffies();
    let output = during.await;
    let (busy_after, total_after) = machine_jiffies();
    (cores * (busy_after - busy_before) / (total_after - total_before), output)
}

/// An agent's pace: an action, then two seconds as if waiting for the model, six times.
fn paced_script() -> Value {
    let mut script = Vec::new();
    for step in 0..6 {
        script.push(json!({"action": "fill", "selector": "#q", "value": format!("step {step}")}));
        script.push(json!({"action": "click", "selector": "#go"}));
        script.push(json!({"action": "wait", "ms": 2000}));
    }
    Value::Array(script)
}

/// Cores and MiB (appliance, Chromium, ffmpeg) that `concurrent` paced runs use, next to the
/// same pool idle.
async fn paced_runs(concurrent: usize) -> [f64; 4] {
    let app = TestApp::spawn_with(|config| config.browser.pool_size = concurrent).await;
    let warm = app.create_script_run("small.html", small_page_script()).await;
    app.wait_until_final(&warm).await;
    let (idle_cores, ()) = cores_busy(tokio::time::sleep(Duration::from_secs(8))).await;
    let idle_mib = appliance_mib(&app);
    let mut ids = Vec::new();
    for _ in 0..concurrent {
        ids.push(app.create_script_run("small.html", paced_script()).await);
    }
    let (busy_cores, busy_mib) = cores_busy(async {
        tokio::time::sleep(Duration::from_secs(6)).await;
        appliance_mib(&app)
    })
    .await;
    for id in &ids {
        let run = app.wait_until_final(id).await;
        assert_eq!(run["status"], "completed", "{run}");
    }
    app.stop().await;
    [idle_cores, busy_cores, idle_mib, busy_mib]
}

pub async fn scale() {
    println!("scale: concurrent runs paced like an agent's (an action, then 2 s waiting), recorded, on a small page:");
    for concurrent in [2, 4, 8] {
        let [idle_cores, busy_cores, idle_mib, busy_mib] = paced_runs(concurrent).await;
        let cores_per_run = busy_cores / concurrent as f64;
        let mib_per_run = busy_mib / concurrent as f64;
        println!(
            "  {concurrent} at once: {busy_cores:.2} cores busy (pool idle: {idle_cores:.2}), {busy_mib:.0} MiB (pool idle: {idle_mib:.0}); per run {cores_per_run:.3} cores, {mib_per_run:.0} MiB: {:.1} runs per core, {:.1} per GB",
            1.0 / cores_per_run,
            1024.0 / mib_per_run
        );
    }
}
