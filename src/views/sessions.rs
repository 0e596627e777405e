//! How a browser session looks to the outside: Skyvern's `BrowserSessionResponse`, with the run
//! using it now, its recordings and its runs' downloads (as `FileInfo`), its CDP address when it
//! exposes one and, when its timeout was cut, a `warning`.

use serde_json::{Value, json};

use super::{Links, ORGANIZATION_ID, file_info};
use crate::artifacts::{Artifact, SessionRecording};
use crate::ids::{RunId, SessionId};
use crate::sessions::Session;

/// What a session has besides its stored fields.
pub struct SessionState<'a> {
    /// The run holding its turn.
    pub current_run: Option<&'a RunId>,
    pub recordings: &'a [SessionRecording],
    /// The files its runs downloaded.
    pub downloads: &'a [Artifact],
    /// The token of its CDP endpoint, while it is open and exposes one.
    pub cdp_token: Option<&'a str>,
}

impl Links {
    pub fn session_recording(&self, recording: &SessionRecording) -> String {
        format!("{}/v1/browser_sessions/{}/recordings/{}", self.base, recording.session_id, recording.id)
    }

    /// Where the session's downloads are listed.
    pub fn session_downloads(&self, id: &SessionId) -> String {
        format!("{}/v1/browser_sessions/{id}/downloads", self.base)
    }

    /// The WebSocket that leads to the session's browser over CDP.
    pub fn session_cdp(&self, id: &SessionId, token: &str) -> String {
        let base = self.base.replacen("https://", "wss://", 1).replacen("http://", "ws://", 1);
        format!("{base}/cdp/{id}/{token}")
    }
}

/// A session's recording as Skyvern's `FileInfo`.
fn recording_info(recording: &SessionRecording, links: &Links) -> Value {
    let filename = recording.relative_path.rsplit('/').next();
    file_info(
        links.session_recording(recording),
        &recording.sha256,
        filename,
        recording.size_bytes,
        &recording.created_at,
        &recording.id,
    )
}

pub fn session_response(session: &Session, state: &SessionState<'_>, links: &Links, warning: Option<&str>) -> Value {
    let current_run = state.current_run;
    let mut body = json!({
        "browser_session_id": session.id,
        "organization_id": ORGANIZATION_ID,
        "status": session.status.as_str(),
        "runnable_type": current_run.map(|run| if run.as_str().starts_with("wr_") { "workflow_run" } else { "task" }),
        "runnable_id": current_run,
        "timeout": session.timeout_minutes,
        "browser_address": state.cdp_token.map(|token| links.session_cdp(&session.id, token)),
        "app_url": format!("{}/browser_sessions/{}", links.base, session.id),
        "browser_profile_id": session.browser_profile_id,
        "generate_browser_profile": session.generate_browser_profile,
        "vnc_streaming_supported": false,
        "download_path": links.session_downloads(&session.id),
        "downloaded_files": super::downloaded_files(state.downloads, links),
        "recordings": state.recordings.iter().map(|recording| recording_info(recording, links)).collect::<Vec<_>>(),
        "url": session.url,
        "expires_at": session.expires_at,
        "ended_reason": session.ended_reason,
        "started_at": session.started_at,
        "completed_at": session.completed_at,
        "created_at": session.created_at,
        "modified_at": session.modified_at,
        "deleted_at": null,
    });
    if let Some(warning) = warning {
        body["warning"] = json!(warning);
    }
    body
}

/// Skyvern's `BrowserSessionResponse`, as `session_response` makes it.
#[derive(utoipa::ToSchema)]
#[schema(as = BrowserSessionResponse)]
pub struct SessionBody {
    pub browser_session_id: String,
    pub organization_id: String,
    pub status: String,
    pub runnable_type: Option<String>,
    pub runnable_id: Option<String>,
    /// Minutes.
    pub timeout: Option<i64>,
    /// The session's CDP endpoint (`ws://…/cdp/{id}/{token}`) while it is open.
    pub browser_address: Option<String>,
    pub app_url: String,
    pub browser_profile_id: Option<String>,
    pub generate_browser_profile: bool,
    pub vnc_streaming_supported: bool,
    pub download_path: String,
    pub downloaded_files: Vec<super::FileInfo>,
    pub recordings: Vec<super::FileInfo>,
    pub url: Option<String>,
    pub expires_at: Option<String>,
    pub ended_reason: Option<String>,
    pub started_at: Option<String>,
    pub completed_at: Option<String>,
    pub created_at: String,
    pub modified_at: String,
    pub deleted_at: Option<String>,
    /// Something the appliance changed in what was asked.
    pub warning: Option<String>,
}
