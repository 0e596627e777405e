//! What an engine writes while it works: steps, timeline items and artifacts of one run, each
//! write also counting as activity for the inactivity timeout.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use super::screenshots::ActionScreenshots;
use super::{CodeSource, Interactions, Secrets};
use crate::artifacts::{Artifact, ArtifactError, ArtifactFiles, ArtifactType};
use crate::ids::{RunId, StepId, StepRunId};
use crate::live::LiveRun;
use crate::metrics::RunMetrics;
use crate::runs::{ItemOutcome, ItemStatus, NewTimelineItem, RunStatus, StepPlace, StepStatus, TimelineKind};
use crate::store::{StatusChange, Store, StoreError, Transition};

/// When the run last made progress; the scheduler ends a run idle for too long.
#[derive(Clone)]
pub struct Activity {
    last: Arc<Mutex<Instant>>,
    /// How many waits that do not count as idleness are under way.
    holds: Arc<AtomicUsize>,
}

/// While it lives, the run is not idle; when it drops, the idle time starts again from zero.
pub struct ActivityHold {
    activity: Activity,
}

impl Drop for ActivityHold {
    fn drop(&mut self) {
        self.activity.holds.fetch_sub(1, Ordering::SeqCst);
        self.activity.touch();
    }
}

impl Activity {
    pub fn new() -> Activity {
        Activity { last: Arc::new(Mutex::new(Instant::now())), holds: Arc::default() }
    }

    pub fn touch(&self) {
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
    }

    fn hold(&self) -> ActivityHold {
        self.holds.fetch_add(1, Ordering::SeqCst);
        ActivityHold { activity: self.clone() }
    }

    /// Resolves once no progress was made for `limit` outside a hold.
    pub async fn idle_for(&self, limit: Duration) {
        loop {
            let deadline = *self.last.lock().unwrap_or_else(|p| p.into_inner()) + limit;
            if Instant::now() >= deadline && self.holds.load(Ordering::SeqCst) == 0 {
                return;
            }
            tokio::time::sleep_until(deadline.max(Instant::now() + Duration::from_millis(100))).await;
            if self.holds.load(Ordering::SeqCst) > 0 {
                self.touch();
            }
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
    /// The run's secret values, typed in by actions and redacted from what is recorded.
    pub secrets: Secrets,
    interactions: Interactions,
    pub(super) store: Store,
    pub(super) artifacts: ArtifactFiles,
    activity: Activity,
    pub(super) live: Arc<LiveRun>,
    /// How many times a person held control, for engines to notice a hand-over inside an action.
    hand_overs: Arc<std::sync::atomic::AtomicU64>,
    /// The pictures of the run's actions still being kept (see `screenshots`).
    pub(super) screenshots: ActionScreenshots,
    /// The step that new steps open under, if any.
    parent: Option<StepId>,
    /// Where verification codes come from; without one, a person is asked.
    codes: Option<Arc<dyn CodeSource>>,
    /// The run's first action and step durations, counted for the metrics.
    pub(super) metrics: RunMetrics,
    /// When each open step attempt began, and the step's kind.
    open_steps: Arc<Mutex<HashMap<StepRunId, (Instant, String)>>>,
}

impl RunRecorder {
    pub fn new(
        run_id: RunId,
        secrets: Secrets,
        interactions: Interactions,
        store: Store,
        artifacts: ArtifactFiles,
        activity: Activity,
        live: Arc<LiveRun>,
        metrics: RunMetrics,
    ) -> RunRecorder {
        RunRecorder {
            run_id,
            secrets,
            interactions,
            store,
            artifacts,
            activity,
            live,
            hand_overs: Arc::default(),
            screenshots: ActionScreenshots::default(),
            parent: None,
            codes: None,
            metrics,
            open_steps: Arc::default(),
        }
    }

    /// This recorder, obtaining verification codes from `codes`.
    pub fn with_codes(self, codes: Arc<dyn CodeSource>) -> RunRecorder {
        RunRecorder { codes: Some(codes), ..self }
    }

    /// A safe point, between two actions: if a person asked for control, the run is `paused`
    /// and waits until they hand it back (the inactivity timeout runs meanwhile), then goes on
    /// `running`. The timeline keeps who held control and when. Returns whether it was held.
    pub async fn hand_over_if_asked(&self, step_run_id: &StepRunId) -> Result<bool, StoreError> {
        if self.live.control.requested().is_none() {
            return Ok(false);
        }
        if !matches!(
            self.store.transition(&self.run_id, StatusChange::to(RunStatus::Paused)).await?,
            Transition::Applied(_)
        ) {
            return Ok(false);
        }
        let Some(viewer) = self.live.control.grant() else {
            // The person went away before the hand-over.
            self.store.transition(&self.run_id, StatusChange::to(RunStatus::Running)).await?;
            return Ok(false);
        };
        let detail = serde_json::json!({ "held_by": viewer.name, "viewer_id": viewer.id });
        let label = format!("{} took control", viewer.name);
        let item = self.start_item(step_run_id, TimelineKind::Control, label, detail.clone()).await?;
        self.live.control.until_released().await;
        self.store.transition(&self.run_id, StatusChange::to(RunStatus::Running)).await?;
        self.finish_item(item, ItemOutcome { status: ItemStatus::Completed, detail, screenshot_artifact_id: None })
            .await?;
        self.hand_overs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(true)
    }

    /// Resolves once a person asks for control.
    pub async fn control_requested(&self) {
        self.live.control.until_requested().await
    }

    /// How many times a person has held control so far.
    pub fn hand_overs(&self) -> u64 {
        self.hand_overs.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Asks a person: the run waits in `interaction_required` (its question on the timeline)
    /// until the answer is posted, then goes on `running`. The inactivity timeout still applies.
    pub async fn ask_person(&self, step_run_id: &StepRunId, question: &str) -> Result<String, StoreError> {
        self.ask(step_run_id, question, false).await
    }

    /// Obtains a verification code for `{{verification_code}}`: from the run's source (the run
    /// waits, not idle, as long as the source allows; the wait is on the timeline) or else from
    /// a person. The code joins the run's secrets; the error says why none came.
    pub async fn verification_code(&self, step_run_id: &StepRunId) -> Result<Result<(), String>, StoreError> {
        let Some((codes, from)) = self.codes.as_ref().and_then(|codes| Some((codes, codes.describe()?))) else {
            let question = "The site asks for a verification code (a one-time code sent to you or made by your authenticator app). Please enter it.";
            self.ask(step_run_id, question, true).await?;
            return Ok(Ok(()));
        };
        let detail = serde_json::json!({ "from": from });
        let item = self
            .start_item(step_run_id, TimelineKind::Thought, "Waiting for a verification code".into(), detail.clone())
            .await?;
        let code = {
            let _waiting = self.hold_activity();
            codes.next_code().await
        };
        let (status, result) = match code {
            Ok(code) => {
                self.secrets.add_code(code);
                (ItemStatus::Completed, Ok(()))
            }
            Err(reason) => (ItemStatus::Failed, Err(reason)),
        };
        let mut detail = detail;
        if let Err(reason) = &result {
            detail["error"] = reason.clone().into();
        }
        self.finish_item(item, ItemOutcome { status, detail, screenshot_artifact_id: None }).await?;
        Ok(result)
    }

    /// Asks a person and waits for the answer; a secret answer (a code) joins the run's secrets
    /// before anything records it.
    async fn ask(&self, step_run_id: &StepRunId, question: &str, secret: bool) -> Result<String, StoreError> {
        let detail = serde_json::json!({ "question": question });
        let item = self.start_item(step_run_id, TimelineKind::Thought, "Question for a person".into(), detail).await?;
        let answer = self.interactions.wait_for_answer(&self.run_id);
        let waiting = StatusChange::to(RunStatus::InteractionRequired);
        if !matches!(self.store.transition(&self.run_id, waiting).await?, Transition::Applied(_)) {
            self.interactions.forget(&self.run_id);
            return Err(StoreError::NotFound(format!("run {} in a status that may wait", self.run_id)));
        }
        let answer = answer.await.unwrap_or_default();
        if secret {
            self.secrets.add_code(answer.trim().to_owned());
        }
        self.store.transition(&self.run_id, StatusChange::to(RunStatus::Running)).await?;
        let detail = serde_json::json!({ "question": question, "answer": self.secrets.redact(&answer) });
        self.finish_item(item, ItemOutcome { status: ItemStatus::Completed, detail, screenshot_artifact_id: None })
            .await?;
        Ok(answer)
    }

    /// Opens a step with its first attempt, under the step this recorder works within.
    pub async fn begin_step(&self, label: &str, kind: &str) -> Result<StepRunId, StoreError> {
        let place = StepPlace {
            parent: self.parent.clone(),
            label: label.to_owned(),
            kind: kind.to_owned(),
            ..StepPlace::default()
        };
        Ok(self.begin_placed_step(place).await?.1)
    }

    /// Opens a step at `place` with its first attempt.
    pub async fn begin_placed_step(&self, place: StepPlace) -> Result<(StepId, StepRunId), StoreError> {
        self.activity.touch();
        let kind = place.kind.clone();
        let (step_id, step_run_id) = self.store.begin_step(&self.run_id, place).await?;
        self.step_began(&step_run_id, kind);
        Ok((step_id, step_run_id))
    }

    /// Opens attempt `attempt` of a step of `kind`.
    pub async fn begin_attempt(&self, step_id: &StepId, attempt: i64, kind: &str) -> Result<StepRunId, StoreError> {
        self.activity.touch();
        let step_run_id = self.store.begin_attempt(&self.run_id, step_id, attempt).await?;
        self.step_began(&step_run_id, kind.to_owned());
        Ok(step_run_id)
    }

    fn step_began(&self, step_run_id: &StepRunId, kind: String) {
        let mut open = self.open_steps.lock().unwrap_or_else(|p| p.into_inner());
        open.insert(step_run_id.clone(), (Instant::now(), kind));
    }

    pub async fn finish_step(
        &self,
        step_run_id: &StepRunId,
        status: impl Into<StepStatus>,
        output: Option<Value>,
        failure_reason: Option<String>,
    ) -> Result<(), StoreError> {
        self.activity.touch();
        let status = status.into();
        let began = self.open_steps.lock().unwrap_or_else(|p| p.into_inner()).remove(step_run_id);
        if let Some((at, kind)) = began {
            self.metrics.step_ended(&kind, status, at.elapsed());
        }
        self.store.finish_step_run(step_run_id, status, output, failure_reason).await
    }

    /// The same recorder, whose steps open under `step` (a plan block's agent steps).
    pub fn within(&self, step: StepId) -> RunRecorder {
        RunRecorder { parent: Some(step), ..self.clone() }
    }

    /// Keeps the inactivity timeout from counting while the guard lives (a run waiting for a
    /// reviewer, who has a timeout of their own).
    pub fn hold_activity(&self) -> ActivityHold {
        self.activity.hold()
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

    /// Keeps a file the run downloaded, under its own name.
    pub async fn save_download(
        &self,
        step_run_id: &StepRunId,
        path: &std::path::Path,
    ) -> Result<Artifact, ArtifactError> {
        self.activity.touch();
        let read = tokio::fs::read(path).await;
        let bytes = read.map_err(|source| ArtifactError::Write { path: path.to_owned(), source })?;
        let filename = path.file_name().map(|name| name.to_string_lossy().into_owned());
        let extension = path.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_else(|| "bin".into());
        let written = self
            .artifacts
            .write(&self.run_id, Some(step_run_id), ArtifactType::Download, &extension, filename, bytes)
            .await?;
        let artifact = self.artifacts.record(written).await?;
        let _ = tokio::fs::remove_file(path).await;
        Ok(artifact)
    }

    /// The file on disk of the run's upload named `name`.
    pub async fn upload_file(&self, name: &str) -> Result<Option<std::path::PathBuf>, StoreError> {
        let uploads = self.store.run_artifacts(&self.run_id, vec![ArtifactType::Upload]).await?;
        Ok(uploads.iter().find(|a| a.filename.as_deref() == Some(name)).map(|a| self.artifacts.path_of(a)))
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
