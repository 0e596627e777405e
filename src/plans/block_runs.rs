//! Skyvern's one-block runs: `POST /v1/run/tasks/login` (`LoginRequest`) signs in with a stored
//! credential, `POST /v1/run/tasks/download_files` (`DownloadFilesRequest`) downloads what its
//! goal describes. As in Skyvern, each request becomes a plan of one block (a `login` block with
//! a `credential` parameter, or a `file_download` block), saved like any plan and run once; the
//! answer is that plan run. The run options (`webhook_url`, `browser_session_id`, headers,
//! `totp_*`) go with the run.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::DefinitionError;
use crate::ids::CredentialId;

/// Credential stores Skyvern's login reaches that this appliance does not.
const OTHER_STORES: [&str; 3] = ["bitwarden", "1password", "azure_vault"];

/// A plan to save and the run of it to ask for (without the plan's id, known once saved).
#[derive(Debug, Clone, PartialEq)]
pub struct BlockRun {
    /// A plan's create request (`title` and `workflow_definition`).
    pub plan: Value,
    /// The run request, as `POST /v1/run/agents` takes it, less `agent_id`.
    pub run: Map<String, Value>,
    /// The stored credential the run signs in with (a login).
    pub credential: Option<CredentialId>,
}

/// The options every one-block request shares with a run.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
struct RunOptions {
    url: Option<String>,
    webhook_url: Option<Value>,
    proxy_location: Option<Value>,
    totp_identifier: Option<Value>,
    totp_url: Option<Value>,
    browser_session_id: Option<Value>,
    browser_profile_id: Option<Value>,
    browser_address: Option<Value>,
    extra_http_headers: Option<Value>,
}

/// Skyvern's `LoginRequest`: a run of one login block.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    #[serde(flatten)]
    options: RunOptions,
    credential_type: Option<String>,
    prompt: Option<String>,
    credential_id: Option<String>,
}

/// Skyvern's `DownloadFilesRequest`: a run of one file download block.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DownloadFilesRequest {
    #[serde(flatten)]
    options: RunOptions,
    navigation_goal: Option<String>,
    download_suffix: Option<String>,
    download_timeout: Option<f64>,
    max_steps_per_run: Option<u32>,
}

fn refused<T>(field: &str, message: impl Into<String>) -> Result<T, DefinitionError> {
    Err(DefinitionError { location: vec![field.to_owned()], message: message.into() })
}

fn read<T: serde::de::DeserializeOwned>(body: Value) -> Result<T, DefinitionError> {
    serde_json::from_value(body).map_err(|error| DefinitionError { location: Vec::new(), message: error.to_string() })
}

impl RunOptions {
    /// The run request: every option given, and the title shown in lists.
    fn run(self, title: &str) -> Map<String, Value> {
        let mut run = Map::new();
        run.insert("title".into(), json!(title));
        for (key, value) in [
            ("webhook_url", self.webhook_url),
            ("proxy_location", self.proxy_location),
            ("totp_identifier", self.totp_identifier),
            ("totp_url", self.totp_url),
            ("browser_session_id", self.browser_session_id),
            ("browser_profile_id", self.browser_profile_id),
            ("browser_address", self.browser_address),
            ("extra_http_headers", self.extra_http_headers),
        ] {
            if let Some(value) = value.filter(|value| !value.is_null()) {
                run.insert(key.into(), value);
            }
        }
        run
    }
}

/// The plan and run of a `LoginRequest`.
pub fn login(body: Value) -> Result<BlockRun, DefinitionError> {
    let request: LoginRequest = read(body)?;
    match request.credential_type.as_deref() {
        Some("skyvern") => {}
        Some(other) if OTHER_STORES.contains(&other) => {
            return refused(
                "credential_type",
                format!(
                    "credential_type `{other}` is not supported by this appliance: store the credential in its vault (POST /v1/credentials) and use credential_type `skyvern`"
                ),
            );
        }
        Some(other) => return refused("credential_type", format!("unknown credential_type `{other}`")),
        None => return refused("credential_type", "field required"),
    }
    let Some(credential_id) = request.credential_id.filter(|id| !id.trim().is_empty()) else {
        return refused("credential_id", "field required: the credential (cred_…) to sign in with");
    };
    let credential = match CredentialId::parse(&credential_id) {
        Ok(credential) => credential,
        Err(error) => return refused("credential_id", error.to_string()),
    };
    let mut block = json!({
        "block_type": "login", "label": "login", "parameter_keys": ["credential"],
    });
    for (key, value) in [("url", request.options.url.clone()), ("navigation_goal", request.prompt)] {
        if let Some(value) = value.filter(|value| !value.trim().is_empty()) {
            block[key] = json!(value);
        }
    }
    let plan = json!({
        "title": "Login",
        "workflow_definition": {
            "parameters": [{"parameter_type": "credential", "key": "credential", "credential_id": credential_id}],
            "blocks": [block]
        }
    });
    Ok(BlockRun { plan, run: request.options.run("Login"), credential: Some(credential) })
}

/// The plan and run of a `DownloadFilesRequest`.
pub fn download_files(body: Value) -> Result<BlockRun, DefinitionError> {
    let request: DownloadFilesRequest = read(body)?;
    let Some(goal) = request.navigation_goal.filter(|goal| !goal.trim().is_empty()) else {
        return refused("navigation_goal", "field required: what to download");
    };
    let mut block = json!({"block_type": "file_download", "label": "download_files", "navigation_goal": goal});
    if let Some(url) = request.options.url.clone().filter(|url| !url.trim().is_empty()) {
        block["url"] = json!(url);
    }
    if let Some(suffix) = request.download_suffix {
        block["download_suffix"] = json!(suffix);
    }
    if let Some(timeout) = request.download_timeout {
        block["download_timeout"] = json!(timeout);
    }
    if let Some(steps) = request.max_steps_per_run {
        block["max_steps_per_run"] = json!(steps);
    }
    let plan = json!({
        "title": "Download files",
        "workflow_definition": {"parameters": [], "blocks": [block]}
    });
    Ok(BlockRun { plan, run: request.options.run("Download files"), credential: None })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plans::PlanRequest;

    #[test]
    fn a_login_is_a_plan_of_one_login_block_with_its_credential_and_the_run_keeps_the_options() {
        let body = json!({"credential_type": "skyvern", "credential_id": "cred_7", "url": "https://example.org/login",
            "prompt": null, "webhook_url": "https://hooks.example.org/", "totp_identifier": "ada@example.org",
            "browser_session_id": null, "bitwarden_item_id": null});
        let BlockRun { plan, run, credential } = login(body).unwrap();
        assert_eq!(credential.map(|id| id.to_string()).as_deref(), Some("cred_7"));
        let plan = PlanRequest::from_request(plan).expect("a valid plan");
        assert_eq!(plan.title, "Login");
        assert_eq!(plan.definition.blocks.len(), 1);
        assert_eq!(run["webhook_url"], "https://hooks.example.org/");
        assert_eq!(run["totp_identifier"], "ada@example.org");
        assert!(!run.contains_key("browser_session_id"), "nulls are left out");
    }

    #[test]
    fn other_credential_stores_and_a_missing_credential_are_refused_by_field() {
        for (body, field, words) in [
            (json!({"credential_type": "bitwarden", "bitwarden_item_id": "x"}), "credential_type", "vault"),
            (json!({"credential_type": "azure_vault"}), "credential_type", "not supported"),
            (json!({"credential_type": "keepass"}), "credential_type", "unknown"),
            (json!({}), "credential_type", "required"),
            (json!({"credential_type": "skyvern", "url": "https://example.org"}), "credential_id", "required"),
        ] {
            let error = login(body.clone()).unwrap_err();
            assert_eq!(error.location, [field], "{body}");
            assert!(error.message.contains(words), "{body}: {error}");
        }
    }

    #[test]
    fn a_download_is_a_plan_of_one_file_download_block_and_needs_its_goal() {
        let body = json!({"navigation_goal": "Download the March invoice", "url": "https://example.org/billing",
            "download_suffix": "march.pdf", "max_steps_per_run": 8});
        let BlockRun { plan, .. } = download_files(body).unwrap();
        let plan = PlanRequest::from_request(plan).expect("a valid plan");
        assert_eq!(plan.title, "Download files");
        let error = download_files(json!({"url": "https://example.org"})).unwrap_err();
        assert_eq!(error.location, ["navigation_goal"]);
    }
}
