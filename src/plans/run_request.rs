//! The plan run request: Skyvern's `POST /v1/run/agents` body (`WorkflowRunRequest`), read into a
//! typed `PlanRunSpec` against the plan it names, so a run that starts has every parameter value
//! it needs, typed, and knows its time budget and where its webhooks go.
//!
//! Every optional field accepts `null` (the SDK sends them all); unknown fields are ignored, so
//! newer SDKs keep working.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{Block, BlockKind, DefinitionError, PlanRequest, run_parameters};
use crate::ids::{BrowserProfileId, PlanId, SessionId};
use crate::runs::TotpSettings;

/// The body as Skyvern's SDK sends it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = WorkflowRunRequest)]
pub struct PlanRunRequest {
    /// The plan's permanent id (`wpid_…`), Skyvern's current name for it.
    pub agent_id: Option<String>,
    /// The same, as older SDKs name it.
    pub workflow_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub parameters: Option<Map<String, Value>>,
    pub title: Option<String>,
    pub proxy_location: Option<Value>,
    pub webhook_url: Option<String>,
    pub totp_url: Option<String>,
    pub totp_identifier: Option<String>,
    pub browser_session_id: Option<String>,
    pub browser_profile_id: Option<String>,
    pub max_screenshot_scrolls: Option<i64>,
    pub max_elapsed_time_minutes: Option<i64>,
    pub extra_http_headers: Option<BTreeMap<String, Option<String>>>,
    pub cdp_connect_headers: Option<BTreeMap<String, Option<String>>>,
    pub browser_address: Option<String>,
    pub ai_fallback: Option<bool>,
    pub run_with: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub run_metadata: Option<Map<String, Value>>,
}

/// A valid plan run request, typed against its plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRunSpec {
    /// Every workflow parameter's value, read as its type.
    pub parameters: Map<String, Value>,
    pub title: String,
    /// The run's own `webhook_url`, else the plan's `webhook_callback_url`.
    pub webhook_url: Option<String>,
    /// The run's `max_elapsed_time_minutes`, else the plan's; `None`: the appliance's default.
    pub time_budget: Option<Duration>,
    /// The plan's headers, with the run's over them.
    pub extra_http_headers: BTreeMap<String, String>,
    pub browser_address: Option<String>,
    /// The browser session the run drives, instead of a context of its own.
    pub browser_session_id: Option<SessionId>,
    /// The browser profile the run's own context starts from.
    pub browser_profile_id: Option<BrowserProfileId>,
    pub run_metadata: Map<String, Value>,
    /// Where the run's verification codes come from: the run's `totp_identifier` and `totp_url`,
    /// else those of the first block that gives them.
    pub totp: TotpSettings,
}

/// Skyvern's bounds of `max_elapsed_time_minutes`.
const ELAPSED_MINUTES: std::ops::RangeInclusive<i64> = 1..=480;

fn refused(field: &str, message: impl Into<String>) -> DefinitionError {
    DefinitionError { location: vec![field.to_owned()], message: message.into() }
}

impl PlanRunRequest {
    /// The plan the request names: `agent_id`, or `workflow_id` as older SDKs send it.
    pub fn plan_id(&self) -> Result<PlanId, DefinitionError> {
        let (field, text) = match (&self.agent_id, &self.workflow_id) {
            (Some(id), _) => ("agent_id", id),
            (None, Some(id)) => ("workflow_id", id),
            (None, None) => return Err(refused("agent_id", "field required: the plan to run (wpid_…)")),
        };
        PlanId::parse(text).map_err(|error| refused(field, error.to_string()))
    }

    /// Checks the request against `plan`: parameter values, bounds, URLs.
    pub fn into_spec(self, plan: &PlanRequest) -> Result<PlanRunSpec, DefinitionError> {
        let browser_session_id = match &self.browser_session_id {
            Some(id) => Some(SessionId::parse(id).map_err(|error| refused("browser_session_id", error.to_string()))?),
            None => None,
        };
        let browser_profile_id = match &self.browser_profile_id {
            Some(id) => {
                Some(BrowserProfileId::parse(id).map_err(|error| refused("browser_profile_id", error.to_string()))?)
            }
            None => None,
        };
        if browser_profile_id.is_some() && browser_session_id.is_some() {
            let message = "a run on a browser session has the session's storage: name a session or a profile, not both";
            return Err(refused("browser_profile_id", message));
        }
        let parameters = run_parameters(&plan.definition, self.parameters.as_ref())?;
        let webhook_url = self.webhook_url.or_else(|| plan.webhook_callback_url.clone());
        if let Some(url) = &webhook_url {
            crate::runs::webhook_url(url).map_err(|message| refused("webhook_url", message))?;
        }
        if let Some(address) = &self.browser_address {
            crate::runs::cdp_address(address).map_err(|message| refused("browser_address", message))?;
        }
        let minutes = self.max_elapsed_time_minutes.or(plan.max_elapsed_time_minutes);
        if let Some(minutes) = minutes.filter(|m| !ELAPSED_MINUTES.contains(m)) {
            return Err(refused("max_elapsed_time_minutes", format!("{minutes} is not between 1 and 480")));
        }
        let from_blocks = blocks_totp(&plan.definition.blocks);
        let totp = TotpSettings::parse(
            self.totp_identifier.or(from_blocks.totp_identifier),
            self.totp_url.or(from_blocks.totp_url),
        )
        .map_err(|invalid| refused(invalid.field, invalid.message))?;
        let mut extra_http_headers = plan.extra_http_headers.clone().unwrap_or_default();
        extra_http_headers.extend(
            self.extra_http_headers.into_iter().flatten().filter_map(|(name, value)| value.map(|value| (name, value))),
        );
        Ok(PlanRunSpec {
            parameters,
            title: self.title.filter(|t| !t.trim().is_empty()).unwrap_or_else(|| plan.title.clone()),
            webhook_url,
            time_budget: minutes.map(|m| Duration::from_secs(m.unsigned_abs() * 60)),
            extra_http_headers,
            browser_address: self.browser_address,
            browser_session_id,
            browser_profile_id,
            run_metadata: self.run_metadata.unwrap_or_default(),
            totp,
        })
    }
}

/// The `totp_identifier` and `totp_verification_url` of the first block (loops' blocks
/// included) that gives either.
fn blocks_totp(blocks: &[Block]) -> TotpSettings {
    blocks
        .iter()
        .map(|block| match &block.kind {
            BlockKind::Task(task)
            | BlockKind::Navigation(task)
            | BlockKind::Extraction(task)
            | BlockKind::Action(task)
            | BlockKind::FileDownload(task)
            | BlockKind::Login(task) => TotpSettings {
                totp_identifier: task.totp_identifier.clone(),
                totp_url: task.totp_verification_url.clone(),
            },
            BlockKind::TaskV2(task) => TotpSettings {
                totp_identifier: task.totp_identifier.clone(),
                totp_url: task.totp_verification_url.clone(),
            },
            BlockKind::ForLoop(for_loop) => blocks_totp(&for_loop.loop_blocks),
            _ => TotpSettings::default(),
        })
        .find(|totp| *totp != TotpSettings::default())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn plan() -> PlanRequest {
        PlanRequest::from_request(json!({
            "title": "Invoices",
            "webhook_callback_url": "https://hooks.example.org/plans",
            "max_elapsed_time_minutes": 30,
            "extra_http_headers": {"x-team": "billing", "x-env": "prod"},
            "workflow_definition": {"parameters": [
                {"parameter_type": "workflow", "key": "count", "workflow_parameter_type": "integer", "default_value": 1}
            ], "blocks": [{"block_type": "wait", "label": "pause", "wait_sec": 0}]}
        }))
        .unwrap()
    }

    fn request(body: Value) -> PlanRunRequest {
        serde_json::from_value(body).unwrap()
    }

    #[test]
    fn the_sdks_request_with_every_optional_field_null_reads_with_the_plans_defaults() {
        let body = json!({"agent_id": "wpid_1", "parameters": null, "title": null, "webhook_url": null,
            "browser_session_id": null, "max_elapsed_time_minutes": null, "extra_http_headers": null, "run_metadata": null});
        let request = request(body);
        assert_eq!(request.plan_id().unwrap().as_str(), "wpid_1");
        let spec = request.into_spec(&plan()).unwrap();
        assert_eq!(spec.parameters, json!({"count": 1}).as_object().unwrap().clone());
        assert_eq!(spec.title, "Invoices");
        assert_eq!(spec.webhook_url.as_deref(), Some("https://hooks.example.org/plans"), "the plan's callback");
        assert_eq!(spec.time_budget, Some(Duration::from_secs(30 * 60)));
        assert_eq!(spec.extra_http_headers["x-team"], "billing");
    }

    #[test]
    fn the_runs_own_values_win_over_the_plans() {
        let body = json!({"workflow_id": "wpid_2", "parameters": {"count": "4"}, "title": "March",
            "webhook_url": "https://hooks.example.org/run", "max_elapsed_time_minutes": 5,
            "extra_http_headers": {"x-env": "staging"}});
        let request = request(body);
        assert_eq!(request.plan_id().unwrap().as_str(), "wpid_2", "older SDKs name it workflow_id");
        let spec = request.into_spec(&plan()).unwrap();
        assert_eq!(spec.parameters["count"], 4);
        assert_eq!(spec.title, "March");
        assert_eq!(spec.webhook_url.as_deref(), Some("https://hooks.example.org/run"));
        assert_eq!(spec.time_budget, Some(Duration::from_secs(5 * 60)));
        assert_eq!(
            (spec.extra_http_headers["x-env"].as_str(), spec.extra_http_headers["x-team"].as_str()),
            ("staging", "billing")
        );
    }

    #[test]
    fn bad_values_are_refused_naming_the_field() {
        let cases = [
            (json!({}), "agent_id"),
            (json!({"agent_id": "tsk_1"}), "agent_id"),
            (json!({"agent_id": "wpid_1", "max_elapsed_time_minutes": 481}), "max_elapsed_time_minutes"),
            (json!({"agent_id": "wpid_1", "webhook_url": "https://user:pw@example.org/"}), "webhook_url"),
            (json!({"agent_id": "wpid_1", "browser_session_id": "tsk_1"}), "browser_session_id"),
            (json!({"agent_id": "wpid_1", "browser_profile_id": "pbs_1"}), "browser_profile_id"),
            (
                json!({"agent_id": "wpid_1", "browser_profile_id": "bp_1", "browser_session_id": "pbs_1"}),
                "browser_profile_id",
            ),
            (json!({"agent_id": "wpid_1", "browser_address": "localhost:9222"}), "browser_address"),
            (json!({"agent_id": "wpid_1", "parameters": {"count": "many"}}), "parameters"),
        ];
        for (body, field) in cases {
            let request = request(body.clone());
            let error = request.plan_id().and_then(|_| request.into_spec(&plan())).unwrap_err();
            assert_eq!(error.location.first().map(String::as_str), Some(field), "{body}: {error}");
        }
    }
}
