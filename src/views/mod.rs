//! How runs, list items, artifacts, uploaded files (`files`), plans (`plans`), schedules
//! (`schedules`), credentials (`credentials`) and browser profiles (`browser_profiles`) look to
//! the outside, in API responses, events and webhook bodies: Skyvern's field names, so the SDK's
//! models parse them, plus this appliance's extensions.

mod browser_profiles;
mod credentials;
mod files;
mod plan_runs;
mod plans;
mod schedules;
mod sessions;

pub use browser_profiles::{ProfileBody, profile_response, storage_response};
pub use credentials::{CredentialBody, PushedCodeBody, VAULT_TYPE, credential_json, pushed_code_json};
pub use files::{UploadForm, UploadedFileBody, uploaded_file_response};
pub use plan_runs::{WorkflowRunBody, nested_timeline, step_tree, workflow_run_item};
pub use plans::{PlanBody, plan_response};
pub use schedules::{
    ListedScheduleBody, ScheduleBody, ScheduleResponseBody, listed_schedule_json, schedule_json, schedule_response,
};
pub use sessions::{SessionBody, SessionState, session_response};

use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::artifacts::{Artifact, ArtifactType};
use crate::ids::FileId;
use crate::runs::{Run, RunType, TimelineItem};

/// The single organisation of a self-hosted appliance, for fields the SDK requires.
pub const ORGANIZATION_ID: &str = "o_local";
/// How many screenshots a run response lists unless `include=screenshots` asks for all.
const RECENT_SCREENSHOTS: usize = 10;

/// Builds absolute links from the appliance's public address.
#[derive(Clone)]
pub struct Links {
    pub base: String,
}

impl Links {
    pub fn artifact(&self, artifact: &Artifact) -> String {
        format!("{}/v1/artifacts/{}/content", self.base, artifact.id)
    }

    pub fn run_page(&self, run: &Run) -> String {
        format!("{}/runs/{}", self.base, run.id)
    }

    /// An uploaded file's content (Skyvern's `presigned_url`; the API key opens it).
    pub fn file_content(&self, id: &FileId) -> String {
        format!("{}/v1/files/{id}/content", self.base)
    }

    /// The id in a link that `file_content` made; `None` for any other text.
    pub fn file_id_in<'a>(&self, link: &'a str) -> Option<&'a str> {
        link.strip_prefix(self.base.as_str())?.strip_prefix("/v1/files/")?.strip_suffix("/content")
    }

    /// Where a run of this type is asked for.
    pub fn run_endpoint(&self, run_type: RunType) -> String {
        let path = match run_type {
            RunType::TaskV1 => "/v1/run/tasks",
            RunType::WorkflowRun => "/v1/run/agents",
        };
        format!("{}{path}", self.base)
    }
}

/// What `include=` adds to a run response.
#[derive(Debug, Clone, Copy, Default)]
pub struct Include {
    pub input: bool,
    pub artifacts: bool,
    pub screenshots: bool,
    /// The run's final cookies and local storage (`storage_response`).
    pub storage: bool,
    /// With `storage`, the values of http-only cookies too.
    pub storage_values: bool,
}

impl Include {
    pub fn parse(text: Option<&str>) -> Result<Include, String> {
        let mut include = Include::default();
        for part in text.unwrap_or_default().split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "input" => include.input = true,
                "artifacts" => include.artifacts = true,
                // The storage a run leaves, with the data it extracted (its artifacts).
                "storage" => (include.artifacts, include.storage) = (true, true),
                "storage_values" => (include.artifacts, include.storage, include.storage_values) = (true, true, true),
                "screenshots" => include.screenshots = true,
                other => {
                    return Err(format!(
                        "include: `{other}` is not one of input, artifacts, screenshots, storage, storage_values"
                    ));
                }
            }
        }
        Ok(include)
    }
}

/// The body `run_response` makes: Skyvern's `TaskRunResponse` (for a plan run its
/// `WorkflowRunResponse`, with `run_with`, `ai_fallback`, `workflow_id` and
/// `workflow_version_id`), and this appliance's extensions (`engine`, `title`, moments, counts,
/// `usage`, `rerun_of`, and what `include=` adds: `input`, `artifacts`, `storage`).
#[derive(ToSchema)]
#[schema(as = RunResponse)]
pub struct RunBody {
    pub run_id: String,
    /// `task_v1` or `workflow_run`.
    pub run_type: String,
    pub status: crate::runs::RunStatus,
    pub engine: String,
    pub title: Option<String>,
    pub output: Option<Value>,
    pub downloaded_files: Vec<FileInfo>,
    pub recording_url: Option<String>,
    /// The newest first; the ten newest unless `include=screenshots`.
    pub screenshot_urls: Vec<String>,
    pub failure_reason: Option<String>,
    pub errors: Option<Vec<Value>>,
    pub created_at: String,
    pub modified_at: String,
    pub queued_at: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// The run's page in the UI.
    pub app_url: String,
    pub browser_session_id: Option<String>,
    pub browser_profile_id: Option<String>,
    /// The run this one repeats.
    pub rerun_of: Option<String>,
    pub step_count: Option<i64>,
    pub action_count: Option<i64>,
    /// Tokens and cost of the model calls.
    pub usage: Option<Value>,
    /// The request as asked (secret values and file contents left out).
    pub run_request: Option<Value>,
    pub run_with: Option<String>,
    pub ai_fallback: Option<bool>,
    pub workflow_id: Option<String>,
    pub workflow_version_id: Option<String>,
    /// With `include=input`: the stored request.
    pub input: Option<Value>,
    /// With `include=artifacts` (or `storage`).
    pub artifacts: Option<Vec<ArtifactBody>>,
    /// With `include=storage`: the cookies and local storage the run left.
    pub storage: Option<Value>,
}

/// A run, as `GET /v1/runs/{id}` and `POST /v1/run/tasks` return it.
pub fn run_response(run: &Run, artifacts: &[Artifact], links: &Links, include: Include) -> Value {
    let mut screenshot_urls: Vec<String> =
        artifacts.iter().rev().filter(|a| a.artifact_type.is_screenshot()).map(|a| links.artifact(a)).collect();
    if !include.screenshots {
        screenshot_urls.truncate(RECENT_SCREENSHOTS);
    }
    let mut body = json!({
        "run_id": run.id,
        "run_type": run.run_type.as_str(),
        "status": run.status,
        "engine": run.engine.as_str(),
        "title": run.title,
        "output": run.output,
        "downloaded_files": downloaded_files(artifacts, links),
        "recording_url": recording_url(artifacts, links),
        "screenshot_urls": screenshot_urls,
        "failure_reason": run.failure_reason,
        "errors": run.errors,
        "created_at": run.created_at,
        "modified_at": run.modified_at,
        "queued_at": run.queued_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "app_url": links.run_page(run),
        "browser_session_id": run.browser_session_id,
        "browser_profile_id": run.request.get("browser_profile_id").cloned().unwrap_or(Value::Null),
        "rerun_of": run.rerun_of,
        "artifacts_removed_at": run.artifacts_removed_at,
        "step_count": run.step_count,
        "action_count": run.action_count,
        "usage": run.usage,
        "run_request": match run.run_type {
            RunType::TaskV1 => run_request(&run.request),
            RunType::WorkflowRun => plan_runs::plan_run_request(run),
        },
    });
    if run.run_type == RunType::WorkflowRun {
        body["run_with"] = json!("agent");
        body["ai_fallback"] = json!(false);
        body["workflow_id"] = json!(run.plan.as_ref().map(|plan| &plan.plan_id));
        body["workflow_version_id"] = json!(run.plan.as_ref().map(|plan| &plan.version_id));
    }
    if include.input {
        body["input"] = run.request.clone();
    }
    if include.artifacts {
        body["artifacts"] = artifacts.iter().map(|a| artifact_response(a, links)).collect();
    }
    body
}

/// The run's video, once it is finished.
pub fn recording_url(artifacts: &[Artifact], links: &Links) -> Option<String> {
    artifacts.iter().rev().find(|a| a.artifact_type == ArtifactType::Recording).map(|a| links.artifact(a))
}

/// Skyvern's `downloaded_files`: the download artifacts among `artifacts`.
pub fn downloaded_files(artifacts: &[Artifact], links: &Links) -> Vec<Value> {
    artifacts
        .iter()
        .filter(|a| a.artifact_type == ArtifactType::Download)
        .map(|a| file_info(links.artifact(a), &a.sha256, a.filename.as_deref(), a.size_bytes, &a.created_at, &a.id))
        .collect()
}

/// Skyvern's `FileInfo`, as `file_info` makes it.
#[derive(ToSchema)]
pub struct FileInfo {
    pub url: String,
    /// The file's SHA-256.
    pub checksum: Option<String>,
    pub filename: Option<String>,
    pub file_size: Option<i64>,
    pub modified_at: Option<String>,
    pub artifact_id: Option<String>,
}

/// Skyvern's `FileInfo`: a file the appliance serves at `url`.
fn file_info(
    url: String,
    sha256: &str,
    filename: Option<&str>,
    size_bytes: i64,
    modified_at: &str,
    id: &crate::ids::ArtifactId,
) -> Value {
    json!({
        "url": url,
        "checksum": sha256,
        "filename": filename,
        "file_size": size_bytes,
        "modified_at": modified_at,
        "artifact_id": id,
    })
}

/// The stored request as Skyvern's `run_request`, whose model requires a `prompt`.
fn run_request(request: &Value) -> Value {
    let mut request = request.clone();
    if let Some(fields) = request.as_object_mut()
        && fields.get("prompt").is_none_or(Value::is_null)
    {
        fields.insert("prompt".into(), Value::String(String::new()));
    }
    request
}

/// The body `list_item` makes (with the caller's `workflow_title` and, from a search,
/// `matches`).
#[derive(ToSchema)]
#[schema(as = RunListItem)]
pub struct ListItemBody {
    pub task_run_id: String,
    pub run_id: String,
    pub task_run_type: String,
    pub status: crate::runs::RunStatus,
    pub title: Option<String>,
    pub engine: String,
    pub url: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub created_at: String,
    pub workflow_permanent_id: Option<String>,
    pub script_run: bool,
    pub prompt: Option<String>,
    pub step_count: Option<i64>,
    pub action_count: Option<i64>,
    pub usage: Option<Value>,
    pub failure_reason: Option<String>,
    pub queued_at: Option<String>,
    pub modified_at: String,
    pub workflow_title: Option<String>,
    /// From a search: where the words were found.
    pub matches: Option<Vec<Value>>,
}

/// A run in `GET /v1/runs`: Skyvern's fields, then this appliance's extensions for the UI's
/// list (the run's goal, counts, usage as the run response gives it, the reason it failed, its
/// other moments). `workflow_title`, its plan's title, is added by the caller, who looks the
/// titles of a page up at once.
pub fn list_item(run: &Run) -> Value {
    json!({
        "task_run_id": run.id,
        "run_id": run.id,
        "task_run_type": run.run_type.as_str(),
        "status": run.status,
        "title": run.title,
        "engine": run.engine.as_str(),
        "url": run.url,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "created_at": run.created_at,
        "workflow_permanent_id": run.plan.as_ref().map(|plan| &plan.plan_id),
        "script_run": run.engine == crate::runs::Engine::Code,
        "prompt": run.prompt,
        "step_count": run.step_count,
        "action_count": run.action_count,
        "usage": run.usage,
        "failure_reason": run.failure_reason,
        "queued_at": run.queued_at,
        "modified_at": run.modified_at,
    })
}

/// Skyvern's `Artifact`, as `artifact_response` makes it.
#[derive(ToSchema)]
#[schema(as = Artifact)]
pub struct ArtifactBody {
    pub artifact_id: String,
    pub artifact_type: ArtifactType,
    /// Where its content is served.
    pub uri: String,
    pub organization_id: String,
    pub run_id: String,
    pub step_id: Option<String>,
    pub content_type: String,
    pub filename: Option<String>,
    pub file_size: i64,
    pub checksum: String,
    pub created_at: String,
    pub modified_at: String,
}

pub fn artifact_response(artifact: &Artifact, links: &Links) -> Value {
    json!({
        "artifact_id": artifact.id,
        "artifact_type": artifact.artifact_type,
        "uri": links.artifact(artifact),
        "organization_id": ORGANIZATION_ID,
        "run_id": artifact.run_id,
        "step_id": artifact.step_run_id,
        "content_type": artifact.content_type,
        "filename": artifact.filename,
        "file_size": artifact.size_bytes,
        "checksum": artifact.sha256,
        "created_at": artifact.created_at,
        "modified_at": artifact.created_at,
    })
}

/// A timeline item as `timeline_item` makes it; a plan run's timeline nests its blocks' items
/// in `children`.
#[derive(ToSchema)]
pub struct TimelineEntry {
    /// `thought`, `block`, `action` or `control`.
    pub r#type: String,
    pub label: Option<String>,
    pub status: Option<String>,
    pub detail: Option<Value>,
    pub created_at: Option<String>,
    pub modified_at: Option<String>,
}

/// A timeline item, with the `type`, `created_at` and `modified_at` that the SDK's timeline model
/// requires next to this appliance's fields.
pub fn timeline_item(item: &TimelineItem) -> Value {
    let mut body = serde_json::to_value(item).unwrap_or_default();
    body["type"] = json!(item.kind);
    body["created_at"] = json!(item.started_at);
    body["modified_at"] = json!(item.finished_at.as_ref().unwrap_or(&item.started_at));
    body
}
