//! What an engine writes while it works: steps, timeline items and artifacts of one run, each
//! write also counting as activity for the inactivity timeout.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use crate::artifacts::{Artifact, ArtifactError, ArtifactFiles, ArtifactType};
use crate::ids::{RunId, StepRunId};
use crate::runs::{ItemOutcome, ItemStatus, NewTimelineItem, TimelineKind};
use crate::store::{Store, StoreError};

/// When the run last made progress; the scheduler ends a run idle for too long.
#[derive(Clone)]
pub struct Activity {
    last: Arc<Mutex<Instant>>,
}

impl Activity {
    pub fn new() -> Activity {
        Activity { last: Arc::new(Mutex::new(Instant::now())) }
    }

    pub fn touch(&self) {
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
    }

    /// Resolves once no progress was made for `limit`.
    pub async fn idle_for(&self, limit: Duration) {
        loop {
            let deadline = *self.last.lock().unwrap_or_else(|p| p.into_inner()) + limit;
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline).await;
        }
    }
}

impl Default for Activity {
    fn default() -> Self {
        Activity::new()
    }
}

/// Records one run's progress.
#[derive(Clone)]
pub struct RunRecorder {
    pub run_id: RunId,
    store: Store,
    artifacts: ArtifactFiles,
    activity: Activity,
}

impl RunRecorder {
    pub fn new(run_id: RunId, store: Store, artifacts: ArtifactFiles, activity: Activity) -> RunRecorder {
        RunRecorder { run_id, store, artifacts, activity }
    }

    pub async fn begin_step(&self, label: &str, kind: &str) -> Result<StepRunId, StoreError> {
        self.activity.touch();
        self.store.begin_step(&self.run_id, label, kind).await
    }

    pub async fn finish_step(
        &self,
        step_run_id: &StepRunId,
        status: ItemStatus,
        output: Option<Value>,
        failure_reason: Option<String>,
    ) -> Result<(), StoreError> {
        self.store.finish_step_run(step_run_id, status.as_str(), output, failure_reason).await
    }

    /// Starts a timeline item; returns its id.
    pub async fn start_item(
        &self,
        step_run_id: &StepRunId,
        kind: TimelineKind,
        label: String,
        detail: Value,
    ) -> Result<i64, StoreError> {
        self.activity.touch();
        let item = NewTimelineItem {
            run_id: self.run_id.clone(),
            step_run_id: Some(step_run_id.clone()),
            kind,
            label,
            detail,
        };
        Ok(self.store.start_timeline_item(item).await?.id)
    }

    pub async fn finish_item(&self, id: i64, outcome: ItemOutcome) -> Result<(), StoreError> {
        self.activity.touch();
        self.store.finish_timeline_item(id, outcome).await?;
        Ok(())
    }

    pub async fn save_artifact(
        &self,
        step_run_id: &StepRunId,
        artifact_type: ArtifactType,
        extension: &str,
        bytes: Vec<u8>,
    ) -> Result<Artifact, ArtifactError> {
        self.activity.touch();
        self.artifacts.save(&self.run_id, Some(step_run_id), artifact_type, extension, bytes).await
    }
}
