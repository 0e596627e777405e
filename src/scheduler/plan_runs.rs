//! Asking for a plan run: the request is read against the plan's version (parameters typed,
//! defaults filled, the plan's callback and budget inherited, uploaded files that `file_url`
//! parameters name found), stored whole with the version it runs, and queued like any run.

use serde_json::{Map, Value};

use super::Scheduler;
use crate::engine::Secrets;
use crate::ids::{PlanVersionId, RunId};
use crate::plans::{
    Definition, DefinitionError, ParameterKind, PlanRequest, PlanRunRequest, StoredPlan, WorkflowParameterType,
};
use crate::runs::{Engine, NewRun, PlanVersionRef, Run, RunType};
use crate::store::StoreError;

/// Why a plan run could not be queued.
#[derive(Debug, thiserror::Error)]
pub enum PlanRunError {
    /// A field of the request, or a parameter value, is not acceptable.
    #[error(transparent)]
    Invalid(#[from] DefinitionError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The disk has too little free space for a new run.
    #[error(transparent)]
    DiskLow(#[from] crate::retention::DiskLow),
}

/// Who asked for a plan run (Skyvern's `trigger_type`).
#[derive(Debug, Clone)]
pub enum RunOrigin {
    /// Through the API (or the UI).
    Api,
    /// A schedule fired, named by its id.
    Schedule(String),
    /// Through the API, repeating the run named (rerun, retry).
    Rerun(RunId),
}

impl Scheduler {
    /// Queues a run of the plan `body` names (Skyvern's `WorkflowRunRequest`), of its newest
    /// version unless `version` pins one (a retry runs the version of the run it retries).
    pub async fn queue_plan_run(
        &self,
        body: Value,
        version: Option<&PlanVersionId>,
        origin: RunOrigin,
    ) -> Result<Run, PlanRunError> {
        self.check_room().await?;
        let request: PlanRunRequest = serde_json::from_value(body.clone())
            .map_err(|error| DefinitionError { location: Vec::new(), message: error.to_string() })?;
        let plan_id = request.plan_id()?;
        let store = &self.shared.store;
        let stored: StoredPlan = match version {
            Some(version) => store.plan_version(version).await?,
            None => store.plan(&plan_id, None).await?,
        };
        let plan = PlanRequest::from_request(stored.request.clone())?;
        let spec = request.into_spec(&plan)?;
        if let Some(session) = spec.browser_session_id.as_ref().filter(|id| !self.shared.sessions.is_open(id)) {
            let message = format!("browser session {session} is not open");
            return Err(DefinitionError { location: vec!["browser_session_id".into()], message }.into());
        }
        if let Some(profile) = &spec.browser_profile_id {
            match store.profile(profile).await {
                Err(StoreError::NotFound(_)) => {
                    let message = format!("browser profile {profile} does not exist");
                    return Err(DefinitionError { location: vec!["browser_profile_id".into()], message }.into());
                }
                other => other.map(drop)?,
            }
        }
        self.check_named_files(&plan.definition, &spec.parameters).await?;
        let (trigger, schedule, rerun_of) = match origin {
            RunOrigin::Api => ("api", None, None),
            RunOrigin::Schedule(id) => ("scheduled", Some(id), None),
            RunOrigin::Rerun(run_id) => ("api", None, Some(run_id)),
        };
        let mut stored_body = body;
        if let Value::Object(fields) = &mut stored_body {
            fields.insert("trigger_type".into(), Value::from(trigger));
            fields.insert("workflow_schedule_id".into(), schedule.map_or(Value::Null, Value::from));
        }
        let new_run = NewRun {
            id: RunId::generate_plan_run(),
            run_type: RunType::WorkflowRun,
            engine: Engine::Agent,
            title: Some(spec.title),
            prompt: None,
            url: None,
            request: stored_body,
            browser_session_id: spec.browser_session_id.as_ref().map(|id| id.to_string()),
            webhook_url: spec.webhook_url,
            plan: Some(PlanVersionRef { plan_id: stored.plan_id, version_id: stored.version_id }),
            rerun_of,
        };
        let run = store.insert_queued_run(new_run, Vec::new()).await?;
        self.enqueue_with_secrets(&run, Secrets::default());
        tracing::info!(run_id = %run.id, "plan run queued");
        Ok(run)
    }

    /// Refuses a `file_url` parameter value that names an uploaded file which is not kept (a
    /// value naming none of them is a URL of the web, used as it is).
    async fn check_named_files(
        &self,
        definition: &Definition,
        values: &Map<String, Value>,
    ) -> Result<(), PlanRunError> {
        for parameter in &definition.parameters {
            let ParameterKind::Workflow(workflow) = &parameter.kind else { continue };
            if workflow.workflow_parameter_type != WorkflowParameterType::FileUrl {
                continue;
            }
            let Some(text) = values.get(&parameter.key).and_then(Value::as_str) else { continue };
            match self.shared.files.named_by(text).await {
                Ok(_) => {}
                Err(StoreError::NotFound(what)) => {
                    let key = &parameter.key;
                    let message =
                        format!("parameter \"{key}\": {what} not found (upload it with POST /v1/upload_file)");
                    return Err(DefinitionError { location: vec!["parameters".into(), key.clone()], message }.into());
                }
                Err(other) => return Err(other.into()),
            }
        }
        Ok(())
    }
}
