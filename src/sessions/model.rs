//! What a browser session is, as stored, and how a request to open one is read: Skyvern's
//! `CreateBrowserSessionRequest`, its `timeout` in minutes (at least 5, 60 unless given, at most
//! 240: a longer one is cut to 240 and the response says so), the profile it starts from, and
//! whether its storage is kept when it ends.

use serde::Deserialize;
use serde_json::Value;

use crate::ids::{BrowserProfileId, SessionId};

/// The shortest, default and longest lifetimes of a session, in minutes (Skyvern's).
pub const MIN_TIMEOUT_MINUTES: i64 = 5;
pub const DEFAULT_TIMEOUT_MINUTES: i64 = 60;
pub const MAX_TIMEOUT_MINUTES: i64 = 240;

/// Where a session is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStatus {
    /// Open: runs may use it.
    Running,
    /// Closed by a person.
    Closed,
    /// Its timeout passed.
    TimedOut,
    /// Its browser was lost.
    Failed,
    /// The appliance stopped while it was open.
    Interrupted,
}

impl SessionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Running => "running",
            SessionStatus::Closed => "closed",
            SessionStatus::TimedOut => "timed_out",
            SessionStatus::Failed => "failed",
            SessionStatus::Interrupted => "interrupted",
        }
    }

    pub fn parse(text: &str) -> Option<SessionStatus> {
        [
            SessionStatus::Running,
            SessionStatus::Closed,
            SessionStatus::TimedOut,
            SessionStatus::Failed,
            SessionStatus::Interrupted,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }
}

/// A session as stored.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: SessionId,
    pub status: SessionStatus,
    pub timeout_minutes: i64,
    pub url: Option<String>,
    pub browser_profile_id: Option<String>,
    /// Whether its storage is kept when it ends, to make a profile of it later.
    pub generate_browser_profile: bool,
    pub ended_reason: Option<String>,
    pub started_at: Option<String>,
    pub expires_at: Option<String>,
    pub completed_at: Option<String>,
    pub created_at: String,
    pub modified_at: String,
}

/// The body of `POST /v1/browser_sessions`, as the SDK sends it (every field may be `null`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = CreateBrowserSessionRequest)]
pub struct SessionRequest {
    pub url: Option<String>,
    /// Minutes.
    pub timeout: Option<i64>,
    #[schema(value_type = Option<Object>)]
    pub proxy_location: Option<Value>,
    pub browser_profile_id: Option<String>,
    pub generate_browser_profile: Option<bool>,
    pub browser_type: Option<String>,
    #[schema(value_type = Option<Vec<String>>)]
    pub extensions: Option<Value>,
}

/// A checked request to open a session.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionSpec {
    pub url: Option<String>,
    pub timeout_minutes: i64,
    /// The profile its context starts from.
    pub browser_profile_id: Option<BrowserProfileId>,
    pub generate_browser_profile: bool,
    /// Said in the response when the timeout asked for was cut.
    pub warning: Option<String>,
}

/// A field of the request that cannot be taken, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InvalidSession {
    pub field: &'static str,
    pub message: String,
}

impl SessionRequest {
    pub fn into_spec(self) -> Result<SessionSpec, InvalidSession> {
        let invalid = |field, message: String| Err(InvalidSession { field, message });
        if let Some(url) = &self.url
            && let Err(message) = crate::runs::web_url(url)
        {
            return invalid("url", message);
        }
        let browser_profile_id = match &self.browser_profile_id {
            Some(id) => Some(
                BrowserProfileId::parse(id)
                    .map_err(|error| InvalidSession { field: "browser_profile_id", message: error.to_string() })?,
            ),
            None => None,
        };
        let asked = self.timeout.unwrap_or(DEFAULT_TIMEOUT_MINUTES);
        if asked < MIN_TIMEOUT_MINUTES {
            return invalid("timeout", format!("must be at least {MIN_TIMEOUT_MINUTES} minutes"));
        }
        let warning = (asked > MAX_TIMEOUT_MINUTES).then(|| {
            format!("timeout {asked} is over {MAX_TIMEOUT_MINUTES} minutes; the session lasts {MAX_TIMEOUT_MINUTES}")
        });
        Ok(SessionSpec {
            url: self.url,
            timeout_minutes: asked.min(MAX_TIMEOUT_MINUTES),
            browser_profile_id,
            generate_browser_profile: self.generate_browser_profile.unwrap_or(false),
            warning,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn spec(body: Value) -> Result<SessionSpec, InvalidSession> {
        serde_json::from_value::<SessionRequest>(body).unwrap().into_spec()
    }

    #[test]
    fn the_timeout_defaults_to_an_hour_is_at_least_five_minutes_and_is_cut_at_four_hours_with_a_warning() {
        assert_eq!(spec(json!({"timeout": null})).unwrap().timeout_minutes, 60);
        let five = spec(json!({"timeout": 5})).unwrap();
        assert_eq!((five.timeout_minutes, five.warning), (5, None));
        assert_eq!(spec(json!({"timeout": 4})).unwrap_err().field, "timeout");
        let long = spec(json!({"timeout": 600})).unwrap();
        assert_eq!(long.timeout_minutes, 240);
        assert!(long.warning.unwrap().contains("600"));
    }

    #[test]
    fn a_profile_is_named_by_its_bp_id() {
        assert_eq!(spec(json!({"browser_profile_id": "pbs_1"})).unwrap_err().field, "browser_profile_id");
        let from_profile = spec(json!({"browser_profile_id": "bp_12", "generate_browser_profile": true})).unwrap();
        assert_eq!(from_profile.browser_profile_id.unwrap().as_str(), "bp_12");
        assert!(from_profile.generate_browser_profile);
    }

    #[test]
    fn a_url_that_is_not_http_is_refused() {
        assert_eq!(spec(json!({"url": "file:///etc/passwd"})).unwrap_err().field, "url");
        assert_eq!(spec(json!({"url": "https://example.org/"})).unwrap().url.as_deref(), Some("https://example.org/"));
    }
}
