//! How a browser session looks to the outside: Skyvern's `BrowserSessionResponse`, with the run
//! using it now and, when its timeout was cut, a `warning`.

use serde_json::{Value, json};

use super::{Links, ORGANIZATION_ID};
use crate::ids::RunId;
use crate::sessions::Session;

pub fn session_response(session: &Session, current_run: Option<&RunId>, links: &Links, warning: Option<&str>) -> Value {
    let mut body = json!({
        "browser_session_id": session.id,
        "organization_id": ORGANIZATION_ID,
        "status": session.status.as_str(),
        "runnable_type": current_run.map(|run| if run.as_str().starts_with("wr_") { "workflow_run" } else { "task" }),
        "runnable_id": current_run,
        "timeout": session.timeout_minutes,
        "browser_address": null,
        "app_url": format!("{}/browser_sessions/{}", links.base, session.id),
        "browser_profile_id": session.browser_profile_id,
        "generate_browser_profile": session.generate_browser_profile,
        "vnc_streaming_supported": false,
        "downloaded_files": [],
        "recordings": [],
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
