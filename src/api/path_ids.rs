//! The ids that several routes take in their path, one extractor each: its name and description
//! in the OpenAPI document are written once, here, and it parses into the domain's id or
//! answers 404 (an id of the wrong shape names nothing that exists).

use serde::Deserialize;
use utoipa::IntoParams;

use super::error::ApiError;
use crate::ids::{BrowserProfileId, CredentialId, PlanId, RunId, SessionId};

/// `parsed`, or a 404 naming `what` and the start of the `text` it was read from.
pub(super) fn found<T, E>(parsed: Result<T, E>, what: &str, text: &str) -> Result<T, ApiError> {
    parsed.map_err(|_| ApiError::not_found(format!("{what} {}", text.chars().take(64).collect::<String>())))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(super) struct RunPath {
    /// The run's id (`tsk_…` or `wr_…`)
    pub run_id: String,
}

impl RunPath {
    pub fn id(&self) -> Result<RunId, ApiError> {
        found(RunId::parse(&self.run_id), "run", &self.run_id)
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(super) struct PlanRunPath {
    /// The plan run's id (`wr_…`)
    pub workflow_run_id: String,
}

impl PlanRunPath {
    pub fn id(&self) -> Result<RunId, ApiError> {
        found(RunId::parse(&self.workflow_run_id), "run", &self.workflow_run_id)
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(super) struct PlanPath {
    /// The plan's id (`wpid_…`)
    pub workflow_permanent_id: String,
}

impl PlanPath {
    pub fn id(&self) -> Result<PlanId, ApiError> {
        found(PlanId::parse(&self.workflow_permanent_id), "plan", &self.workflow_permanent_id)
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(super) struct SchedulePath {
    /// The plan's id (`wpid_…`)
    pub workflow_permanent_id: String,
    /// The schedule's id
    pub workflow_schedule_id: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(super) struct SessionPath {
    /// The browser session's id
    pub browser_session_id: String,
}

impl SessionPath {
    pub fn id(&self) -> Result<SessionId, ApiError> {
        found(SessionId::parse(&self.browser_session_id), "browser session", &self.browser_session_id)
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(super) struct CredentialPath {
    /// The credential's id
    pub credential_id: String,
}

impl CredentialPath {
    pub fn id(&self) -> Result<CredentialId, ApiError> {
        found(CredentialId::parse(&self.credential_id), "credential", &self.credential_id)
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(super) struct ProfilePath {
    /// The browser profile's id
    pub profile_id: String,
}

impl ProfilePath {
    pub fn id(&self) -> Result<BrowserProfileId, ApiError> {
        found(BrowserProfileId::parse(&self.profile_id), "browser profile", &self.profile_id)
    }
}
