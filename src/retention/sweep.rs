//! One retention pass: old runs removed whole, then the data directory brought under its quota,
//! files first.

use std::path::{Path, PathBuf};
use std::time::Duration;

use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;

use crate::artifacts::{ArtifactFiles, remove_folder};
use crate::clock;
use crate::config::RetentionConfig;
use crate::data_dir::bytes_below;
use crate::ids::RunId;
use crate::search::SearchIndex;
use crate::store::{FinishedRuns, RemovalReason, Store, StoreError};

/// Finished runs read from the store at once.
const BATCH: usize = 100;
/// Runs removed whole for the quota between two measurements of the data directory: rows leave
/// free pages in the database, not a smaller file, so only a measurement tells what they freed.
const WHOLE_RUNS_PER_MEASURE: usize = 10;

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PassOutcome {
    /// Runs removed whole (they answer 410 from now on).
    pub runs_removed: usize,
    /// Runs whose files were removed (they still read, with `artifacts_removed_at`).
    pub runs_with_files_removed: usize,
    /// The files' bytes removed.
    pub bytes_freed: u64,
    /// What the data directory held when the pass measured it (with a quota only).
    pub used_bytes: Option<u64>,
}

impl PassOutcome {
    pub fn changed_anything(&self) -> bool {
        self.runs_removed > 0 || self.runs_with_files_removed > 0
    }
}

/// Makes retention passes; owned by the retention task.
pub struct Sweeper {
    store: Store,
    search: SearchIndex,
    artifacts: ArtifactFiles,
    data_dir: PathBuf,
    /// The warm browsers' working profiles, below the data directory: they come and go with the
    /// browsers and retention cannot free them, so the quota leaves them out.
    browser_profiles: PathBuf,
    max_age: Option<Duration>,
    max_disk_bytes: Option<u64>,
    stopping: CancellationToken,
}

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("measuring the data directory failed: {0}")]
    Measure(String),
}

/// The parts a sweeper works with.
pub struct SweeperParts {
    pub store: Store,
    pub search: SearchIndex,
    pub artifacts: ArtifactFiles,
    pub data_dir: PathBuf,
    pub browser_profiles: PathBuf,
}

impl Sweeper {
    pub fn new(parts: SweeperParts, config: &RetentionConfig) -> Sweeper {
        let SweeperParts { store, search, artifacts, data_dir, browser_profiles } = parts;
        Sweeper {
            store,
            search,
            artifacts,
            data_dir,
            browser_profiles,
            max_age: (config.max_age_days > 0.0).then(|| Duration::from_secs_f64(config.max_age_days * 86_400.0)),
            max_disk_bytes: Some(RetentionConfig::bytes(config.max_disk_gb)).filter(|bytes| *bytes > 0),
            stopping: CancellationToken::new(),
        }
    }

    /// Whether no limit is set, so a pass would never remove anything.
    pub fn is_off(&self) -> bool {
        self.max_age.is_none() && self.max_disk_bytes.is_none()
    }

    /// Cancelled when the appliance stops: a pass then ends after the removal it is making.
    pub fn stopping(&self) -> CancellationToken {
        self.stopping.clone()
    }

    pub async fn pass(&self) -> Result<PassOutcome, SweepError> {
        let mut outcome = PassOutcome::default();
        if let Some(max_age) = self.max_age {
            let cutoff = clock::format(OffsetDateTime::now_utc() - max_age);
            self.remove_old(&cutoff, &mut outcome).await?;
        }
        if let Some(quota) = self.max_disk_bytes {
            self.fit(quota, &mut outcome).await?;
        }
        Ok(outcome)
    }

    /// Removes the folders of runs whose files the store no longer keeps (removed whole, or their
    /// files removed): the store forgets them first, so a stop before their folder went leaves
    /// it behind. How many were removed.
    pub async fn remove_leftovers(&self) -> Result<usize, SweepError> {
        let leftovers = self.store.runs_without_files(self.artifacts.runs_with_folders().await).await?;
        for run_id in &leftovers {
            remove_folder(&self.artifacts.run_dir(run_id)).await;
        }
        Ok(leftovers.len())
    }

    /// Removes every finished run that ended before `cutoff`.
    async fn remove_old(&self, cutoff: &str, outcome: &mut PassOutcome) -> Result<(), SweepError> {
        loop {
            let runs = self.store.finished_runs(FinishedRuns::Removable { ended_before: Some(cutoff) }, BATCH).await?;
            if self.remove_whole(&runs, RemovalReason::MaxAge, outcome).await? < BATCH {
                return Ok(());
            }
        }
    }

    /// Brings the data directory under `quota`: finished runs' files first, oldest end first,
    /// then finished runs whole.
    async fn fit(&self, quota: u64, outcome: &mut PassOutcome) -> Result<(), SweepError> {
        let mut used = self.used_bytes().await?;
        outcome.used_bytes = Some(used);
        while used > quota && !self.stopping.is_cancelled() {
            let runs = self.store.finished_runs(FinishedRuns::WithFiles, BATCH).await?;
            let mut stripped = 0;
            for run_id in &runs {
                if used <= quota || self.stopping.is_cancelled() {
                    break;
                }
                if let Some(bytes) = self.remove_files(run_id).await? {
                    (used, stripped) = (used.saturating_sub(bytes), stripped + 1);
                    outcome.runs_with_files_removed += 1;
                    outcome.bytes_freed += bytes;
                }
            }
            if stripped == 0 {
                break;
            }
        }
        while used > quota && !self.stopping.is_cancelled() {
            let runs = self
                .store
                .finished_runs(FinishedRuns::Removable { ended_before: None }, WHOLE_RUNS_PER_MEASURE)
                .await?;
            if self.remove_whole(&runs, RemovalReason::MaxDisk, outcome).await? == 0 {
                break;
            }
            used = self.used_bytes().await?;
        }
        Ok(())
    }

    /// Removes a finished run's files; their bytes, or `None` if it had none to remove.
    async fn remove_files(&self, run_id: &RunId) -> Result<Option<u64>, SweepError> {
        let folder = self.artifacts.run_dir(run_id);
        let bytes = measure(&folder).await?;
        if !self.store.remove_run_artifacts(run_id).await? {
            return Ok(None);
        }
        remove_folder(&folder).await;
        Ok(Some(bytes))
    }

    /// Removes `runs` whole, each with its files; how many were removed (a run that cannot be
    /// removed now is passed over, and the next pass looks again).
    async fn remove_whole(
        &self,
        runs: &[RunId],
        reason: RemovalReason,
        outcome: &mut PassOutcome,
    ) -> Result<usize, SweepError> {
        let mut removed = Vec::new();
        for run_id in runs {
            if self.stopping.is_cancelled() {
                break;
            }
            let folder = self.artifacts.run_dir(run_id);
            let bytes = measure(&folder).await?;
            if self.store.remove_run(run_id, reason).await? {
                remove_folder(&folder).await;
                outcome.runs_removed += 1;
                outcome.bytes_freed += bytes;
                removed.push(run_id.clone());
            }
        }
        let count = removed.len();
        if count > 0 {
            self.search.forget(removed);
        }
        Ok(count)
    }

    /// What the data directory holds now: its files, without the browsers' working profiles,
    /// less the database's free pages (which it fills again before it grows), after writing the
    /// database's log back into it (the log keeps its largest size until then).
    async fn used_bytes(&self) -> Result<u64, SweepError> {
        self.store.checkpoint().await?;
        let reusable = self.store.reusable_bytes().await?;
        let (data_dir, browser_profiles) = (self.data_dir.clone(), self.browser_profiles.clone());
        let files =
            tokio::task::spawn_blocking(move || bytes_below(&data_dir).saturating_sub(bytes_below(&browser_profiles)))
                .await
                .map_err(|join| SweepError::Measure(join.to_string()))?;
        Ok(files.saturating_sub(reusable))
    }
}

/// The bytes of the files below `folder`, read off the async threads.
async fn measure(folder: &Path) -> Result<u64, SweepError> {
    let folder = folder.to_owned();
    tokio::task::spawn_blocking(move || bytes_below(&folder))
        .await
        .map_err(|join| SweepError::Measure(join.to_string()))
}
