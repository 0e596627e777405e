//! Metrics in Prometheus' text exposition format: the only module that speaks
//! `prometheus-client`.
//!
//! Two kinds of figures. What happens is counted as it happens, through the small typed API of
//! `Metrics` (a cheap handle each part keeps): queue waits, run and step durations, the first
//! action's latency, model calls, tokens and cost, webhook attempts, live viewers. What *is* is
//! read when Prometheus scrapes (`Exporter`, in `exporter`): runs by status (from the store, so
//! it is right after a restart), the queue, the browser pool, the recordings' CPU time, the data
//! directory's disk. No type of the client crate leaves this module.

mod exporter;

use std::sync::Arc;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::{Family, MetricConstructor};
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use tokio::time::Instant;

pub use exporter::{CONTENT_TYPE, Exporter, MetricsError, Sources};

use crate::runs::{RunStatus, RunType, StepStatus};

/// Upper bounds of the buckets, in seconds: from a quick start to an hour.
const WAIT_BUCKETS: [f64; 14] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 600.0, 1800.0, 3600.0];
/// A run lasts from seconds to its time budget (an hour by default, more if asked).
const RUN_BUCKETS: [f64; 12] = [1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0];
/// A step: an action script, an agent's observe/decide/act, a plan block.
const STEP_BUCKETS: [f64; 12] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0];
/// From `running` to the first action: opening the browser context, the recording, and for an
/// agent without a start page, the model's first answer.
const FIRST_ACTION_BUCKETS: [f64; 11] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 60.0, 120.0];

type Histograms<L> = Family<L, Histogram, Buckets>;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RunTypeLabels {
    run_type: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RunLabels {
    run_type: &'static str,
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StepLabels {
    kind: String,
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ModelLabels {
    model: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ModelCallLabels {
    model: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TokenLabels {
    model: String,
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ViewerLabels {
    of: &'static str,
}

/// Every family, registered once.
struct Families {
    registry: Registry,
    // Counted as it happens.
    queue_wait: Histograms<RunTypeLabels>,
    run_duration: Histograms<RunLabels>,
    step_duration: Histograms<StepLabels>,
    first_action: Histograms<RunTypeLabels>,
    model_calls: Family<ModelCallLabels, Counter>,
    model_tokens: Family<TokenLabels, Counter>,
    model_cost: Family<ModelLabels, Counter<f64, std::sync::atomic::AtomicU64>>,
    webhook_deliveries: Family<OutcomeLabels, Counter>,
    live_viewers: Family<ViewerLabels, Gauge>,
    // Read at each scrape (`exporter`).
    runs: Family<RunLabels, Gauge>,
    queue_depth: Gauge,
    slots: Gauge,
    slots_in_use: Gauge,
    encoder_cpu: Counter<f64, std::sync::atomic::AtomicU64>,
    disk_used: Gauge,
    disk_free: Gauge,
}

/// Makes each labelled histogram of a family with the family's buckets.
#[derive(Clone, Copy)]
struct Buckets(&'static [f64]);

impl MetricConstructor<Histogram> for Buckets {
    fn new_metric(&self) -> Histogram {
        Histogram::new(self.0.iter().copied())
    }
}

fn histograms<L: Clone + std::hash::Hash + Eq>(buckets: &'static [f64]) -> Histograms<L> {
    Family::new_with_constructor(Buckets(buckets))
}

impl Families {
    fn new() -> Families {
        let mut families = Families {
            registry: Registry::with_prefix("skyvern"),
            queue_wait: histograms(&WAIT_BUCKETS),
            run_duration: histograms(&RUN_BUCKETS),
            step_duration: histograms(&STEP_BUCKETS),
            first_action: histograms(&FIRST_ACTION_BUCKETS),
            model_calls: Family::default(),
            model_tokens: Family::default(),
            model_cost: Family::default(),
            webhook_deliveries: Family::default(),
            live_viewers: Family::default(),
            runs: Family::default(),
            queue_depth: Gauge::default(),
            slots: Gauge::default(),
            slots_in_use: Gauge::default(),
            encoder_cpu: Counter::default(),
            disk_used: Gauge::default(),
            disk_free: Gauge::default(),
        };
        families.register();
        // Known label values are there from the start, at zero, so a query never finds them absent.
        for watched in [Watched::Run, Watched::Session] {
            let _ = families.live_viewers.get_or_create(&ViewerLabels { of: watched.label() });
        }
        for outcome in
            [DeliveryOutcome::Delivered, DeliveryOutcome::Retried, DeliveryOutcome::Failed, DeliveryOutcome::Refused]
        {
            let _ = families.webhook_deliveries.get_or_create(&OutcomeLabels { outcome: outcome.label() });
        }
        families
    }

    fn register(&mut self) {
        let registry = &mut self.registry;
        registry.register("runs", "Runs in the store, by status and run type", self.runs.clone());
        registry.register("queue_depth", "Runs waiting in the queue for a browser slot", self.queue_depth.clone());
        registry.register_with_unit(
            "queue_wait",
            "Time from queued to running, by run type",
            Unit::Seconds,
            self.queue_wait.clone(),
        );
        registry.register("browser_slots", "Browser slots of the pool (browser.pool_size)", self.slots.clone());
        registry.register(
            "browser_slots_in_use",
            "Browser slots held by runs and browser sessions",
            self.slots_in_use.clone(),
        );
        registry.register_with_unit(
            "run_duration",
            "Time from running to a final status, by run type and final status",
            Unit::Seconds,
            self.run_duration.clone(),
        );
        registry.register_with_unit(
            "step_duration",
            "Time of one step attempt, by step kind and status",
            Unit::Seconds,
            self.step_duration.clone(),
        );
        registry.register_with_unit(
            "first_action_latency",
            "Time from running to the start of the run's first browser action, by run type",
            Unit::Seconds,
            self.first_action.clone(),
        );
        registry.register("model_calls", "Model calls, by model and outcome", self.model_calls.clone());
        registry.register(
            "model_tokens",
            "Model tokens, by model and kind (input counts cached tokens too)",
            self.model_tokens.clone(),
        );
        registry.register(
            "model_cost_usd",
            "Cost of model calls in US dollars, by model (from the prices table)",
            self.model_cost.clone(),
        );
        registry.register(
            "webhook_deliveries",
            "Webhook delivery attempts, by outcome",
            self.webhook_deliveries.clone(),
        );
        registry.register(
            "live_viewers",
            "Connected live-view viewers, of runs and of sessions",
            self.live_viewers.clone(),
        );
        registry.register_with_unit(
            "recording_encoder_cpu",
            "CPU time used by the recordings' ffmpeg encoders",
            Unit::Seconds,
            self.encoder_cpu.clone(),
        );
        registry.register_with_unit(
            "data_dir_used",
            "Size of the files below the data directory",
            Unit::Bytes,
            self.disk_used.clone(),
        );
        registry.register_with_unit(
            "data_dir_free",
            "Room left on the data directory's file system for the appliance's user",
            Unit::Bytes,
            self.disk_free.clone(),
        );
    }
}

/// The appliance's metrics; a clone is a handle on the same figures.
#[derive(Clone)]
pub struct Metrics {
    families: Arc<Families>,
}

/// What came of one model call (after the provider client's own retries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelOutcome {
    /// An answer that could be used.
    Answered,
    /// An answer that could not be read or did not fit (the model may be asked again).
    Unusable,
    /// No answer: the provider failed or refused.
    Failed,
}

/// The tokens of one model call, as the provider counted them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tokens {
    /// Every prompt token, the cached ones included.
    pub input: u64,
    pub cached: u64,
    pub output: u64,
}

/// What came of one webhook attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Delivered,
    /// Failed, and tried again later.
    Retried,
    /// Failed, and given up.
    Failed,
    /// Not sent: the address is internal and not allowed.
    Refused,
}

/// What a live viewer watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watched {
    Run,
    Session,
}

impl DeliveryOutcome {
    fn label(self) -> &'static str {
        match self {
            DeliveryOutcome::Delivered => "delivered",
            DeliveryOutcome::Retried => "retried",
            DeliveryOutcome::Failed => "failed",
            DeliveryOutcome::Refused => "refused",
        }
    }
}

impl Watched {
    fn label(self) -> &'static str {
        match self {
            Watched::Run => "run",
            Watched::Session => "session",
        }
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        Metrics { families: Arc::new(Families::new()) }
    }

    /// A run started after waiting `waited` in the queue.
    pub fn run_started(&self, run_type: RunType, waited: Duration) {
        let labels = RunTypeLabels { run_type: run_type.as_str() };
        self.families.queue_wait.get_or_create(&labels).observe(waited.as_secs_f64());
    }

    /// A run that was running reached `status` after `took`.
    pub fn run_ended(&self, run_type: RunType, status: RunStatus, took: Duration) {
        let labels = RunLabels { run_type: run_type.as_str(), status: status.as_str() };
        self.families.run_duration.get_or_create(&labels).observe(took.as_secs_f64());
    }

    /// The figures of one run, which it records as it goes; `started` is when it became running.
    pub fn for_run(&self, run_type: RunType, started: Instant) -> RunMetrics {
        RunMetrics { metrics: self.clone(), run_type, started, acted: Arc::default() }
    }

    /// One model call, its tokens, and its cost in US dollars.
    pub fn model_call(&self, model: &str, outcome: ModelOutcome, tokens: Tokens, cost_usd: f64) {
        let families = &self.families;
        let outcome = match outcome {
            ModelOutcome::Answered => "answered",
            ModelOutcome::Unusable => "unusable",
            ModelOutcome::Failed => "failed",
        };
        families.model_calls.get_or_create(&ModelCallLabels { model: model.to_owned(), outcome }).inc();
        for (kind, count) in [("input", tokens.input), ("cached", tokens.cached), ("output", tokens.output)] {
            families.model_tokens.get_or_create(&TokenLabels { model: model.to_owned(), kind }).inc_by(count);
        }
        if cost_usd > 0.0 && cost_usd.is_finite() {
            families.model_cost.get_or_create(&ModelLabels { model: model.to_owned() }).inc_by(cost_usd);
        }
    }

    /// One webhook attempt.
    pub fn webhook_attempt(&self, outcome: DeliveryOutcome) {
        self.families.webhook_deliveries.get_or_create(&OutcomeLabels { outcome: outcome.label() }).inc();
    }

    /// A live viewer connected; counted until the guard drops.
    pub fn viewer_connected(&self, watched: Watched) -> ViewerGuard {
        let gauge = self.families.live_viewers.get_or_create_owned(&ViewerLabels { of: watched.label() });
        gauge.inc();
        ViewerGuard { gauge }
    }
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

/// One run's figures: its first action's latency and its steps' durations.
#[derive(Clone)]
pub struct RunMetrics {
    metrics: Metrics,
    run_type: RunType,
    started: Instant,
    acted: Arc<std::sync::atomic::AtomicBool>,
}

impl RunMetrics {
    /// An action begins; the first one's latency from the run's start is recorded.
    pub fn action_begins(&self) {
        if !self.acted.swap(true, std::sync::atomic::Ordering::Relaxed) {
            let labels = RunTypeLabels { run_type: self.run_type.as_str() };
            self.metrics.families.first_action.get_or_create(&labels).observe(self.started.elapsed().as_secs_f64());
        }
    }

    /// A step attempt of `kind` ended with `status` after `took`.
    pub fn step_ended(&self, kind: &str, status: StepStatus, took: Duration) {
        let labels = StepLabels { kind: kind.to_owned(), status: status.as_str() };
        self.metrics.families.step_duration.get_or_create(&labels).observe(took.as_secs_f64());
    }
}

/// Counts one live viewer while it lives.
pub struct ViewerGuard {
    gauge: Gauge,
}

impl Drop for ViewerGuard {
    fn drop(&mut self) {
        self.gauge.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrape(metrics: &Metrics) -> String {
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &metrics.families.registry).unwrap();
        text
    }

    #[test]
    fn names_carry_the_prefix_and_units_and_counters_end_in_total() {
        let metrics = Metrics::new();
        metrics.run_ended(RunType::TaskV1, RunStatus::Completed, Duration::from_millis(1500));
        metrics.model_call("gpt", ModelOutcome::Answered, Tokens { input: 100, cached: 40, output: 7 }, 0.25);
        metrics.webhook_attempt(DeliveryOutcome::Retried);
        let text = scrape(&metrics);
        for line in [
            "skyvern_run_duration_seconds_count{run_type=\"task_v1\",status=\"completed\"} 1",
            "skyvern_run_duration_seconds_bucket{run_type=\"task_v1\",status=\"completed\",le=\"2.5\"} 1",
            "skyvern_run_duration_seconds_bucket{run_type=\"task_v1\",status=\"completed\",le=\"1\"} 0",
            "skyvern_model_calls_total{model=\"gpt\",outcome=\"answered\"} 1",
            "skyvern_model_tokens_total{model=\"gpt\",kind=\"cached\"} 40",
            "skyvern_model_cost_usd_total{model=\"gpt\"} 0.25",
            "skyvern_webhook_deliveries_total{outcome=\"retried\"} 1",
            "# TYPE skyvern_data_dir_free_bytes gauge",
            "# TYPE skyvern_recording_encoder_cpu_seconds_total counter",
        ] {
            assert!(text.lines().any(|l| l == line), "no `{line}` in:\n{text}");
        }
    }

    #[test]
    fn only_the_first_action_of_a_run_counts_for_its_latency() {
        let metrics = Metrics::new();
        let run = metrics.for_run(RunType::WorkflowRun, Instant::now());
        run.action_begins();
        run.clone().action_begins();
        let text = scrape(&metrics);
        let line = "skyvern_first_action_latency_seconds_count{run_type=\"workflow_run\"} 1";
        assert!(text.lines().any(|l| l == line), "{text}");
    }

    #[test]
    fn a_viewer_counts_until_its_guard_drops() {
        let metrics = Metrics::new();
        let first = metrics.viewer_connected(Watched::Run);
        let second = metrics.viewer_connected(Watched::Run);
        drop(first);
        assert!(scrape(&metrics).contains("skyvern_live_viewers{of=\"run\"} 1"));
        drop(second);
        assert!(scrape(&metrics).contains("skyvern_live_viewers{of=\"run\"} 0"));
    }
}
