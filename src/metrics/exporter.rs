//! The scrape: figures read when Prometheus asks, then every family written out.
//!
//! Runs by status come from the store at each scrape, so they are right after a restart and
//! never drift from what the API answers. The data directory is walked at most once per
//! `DISK_FRESH` (a directory with many artifacts takes a while); scrapes in between reuse the
//! last walk. Scrapes take turns, so a walk is never made twice at once and the encoders' CPU
//! counter takes each increase once.

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use super::{Metrics, RunLabels};
use crate::browser::BrowserPool;
use crate::data_dir::DiskUsage;
use crate::recording::Recorder;
use crate::runs::{RunStatus, RunType};
use crate::scheduler::Scheduler;
use crate::store::{Store, StoreError};

/// The `Content-Type` of the text exposition format (version 0.0.4).
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// How long one walk of the data directory is reused.
const DISK_FRESH: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the data directory's disk could not be measured: {0}")]
    Disk(String),
    #[error("a scrape's work off the async threads stopped: {0}")]
    Worker(String),
    #[error("the metrics could not be written: {0}")]
    Encode(#[from] std::fmt::Error),
}

/// Where the figures read at scrape time come from.
pub struct Sources {
    pub store: Store,
    pub scheduler: Scheduler,
    pub pool: BrowserPool,
    pub recorder: Recorder,
    pub data_dir: PathBuf,
}

/// Answers scrapes.
pub struct Exporter {
    metrics: Metrics,
    sources: Sources,
    /// The last walk of the data directory, and when it was made; held for a whole scrape.
    last_walk: Mutex<Option<(Instant, DiskUsage)>>,
}

impl Exporter {
    pub fn new(metrics: Metrics, sources: Sources) -> Exporter {
        Exporter { metrics, sources, last_walk: Mutex::new(None) }
    }

    /// Reads what is, then writes every family in the text exposition format.
    pub async fn render(&self) -> Result<String, MetricsError> {
        let mut last_walk = self.last_walk.lock().await;
        let families = &self.metrics.families;
        let counts = self.sources.store.count_runs_by_type_and_status().await?;
        for run_type in [RunType::TaskV1, RunType::WorkflowRun] {
            for status in RunStatus::ALL {
                let count = counts.iter().find(|(t, s, _)| *t == run_type && *s == status).map_or(0, |(_, _, n)| *n);
                let labels = RunLabels { run_type: run_type.as_str(), status: status.as_str() };
                families.runs.get_or_create(&labels).set(gauge_value(count));
            }
        }
        families.queue_depth.set(gauge_value(self.sources.scheduler.queue_depth() as u64));
        let pool = self.sources.pool.stats().await;
        families.slots.set(gauge_value(pool.slots as u64));
        families.slots_in_use.set(gauge_value(pool.slots.saturating_sub(pool.free_slots) as u64));

        let recorder = self.sources.recorder.clone();
        let cpu = tokio::task::spawn_blocking(move || recorder.encoder_cpu_seconds())
            .await
            .map_err(|join| MetricsError::Worker(join.to_string()))?;
        // A counter only grows: it takes the difference since the last scrape.
        families.encoder_cpu.inc_by((cpu - families.encoder_cpu.get()).max(0.0));

        let disk = self.disk_usage(&mut last_walk).await?;
        families.disk_used.set(gauge_value(disk.used_bytes));
        families.disk_free.set(gauge_value(disk.free_bytes));

        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &families.registry)?;
        Ok(text)
    }

    /// The data directory's use: the last walk if it is fresh, else a new one.
    async fn disk_usage(&self, last: &mut Option<(Instant, DiskUsage)>) -> Result<DiskUsage, MetricsError> {
        if let Some((at, usage)) = *last
            && at.elapsed() < DISK_FRESH
        {
            return Ok(usage);
        }
        let data_dir = self.sources.data_dir.clone();
        let usage = tokio::task::spawn_blocking(move || crate::data_dir::disk_usage(&data_dir))
            .await
            .map_err(|join| MetricsError::Worker(join.to_string()))?
            .map_err(|error| MetricsError::Disk(error.to_string()))?;
        *last = Some((Instant::now(), usage));
        Ok(usage)
    }
}

fn gauge_value(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
