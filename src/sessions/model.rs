//! What a browser session is, as stored, and how a request to open one is read: Skyvern's
//! `CreateBrowserSessionRequest`, its `timeout` in minutes (at least 5, 60 unless given, at most
//! 240: a longer one is cut to 240 and the response says so).

use serde::Deserialize;
use serde_json::Value;

use crate::ids::SessionId;

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
    pub ended_reason: Option<String>,
    pub started_at: Option<String>,
    pub expires_at: Option<String>,
    pub completed_at: Option<String>,
    pub created_at: String,
    pub modified_at: String,
}

/// The body of `POST /v1/browser_sessions`, as the SDK sends it (every field may be `null`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SessionRequest {
    pub url: Option<String>,
    pub timeout: Option<i64>,
    pub proxy_location: Option<Value>,
    pub browser_profile_id: Option<String>,
    pub browser_type: Option<String>,
    pub extensions: Option<Value>,
}

/// A checked request to open a session.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionSpec {
    pub url: Option<String>,
    pub timeout_minutes: i64,
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
        if let Some(profile) = &self.browser_profile_id {
            return invalid("browser_profile_id", format!("browser profile `{profile}` does not exist"));
        }
        let asked = self.timeout.unwrap_or(DEFAULT_TIMEOUT_MINUTES);
        if asked < MIN_TIMEOUT_MINUTES {
            return invalid("timeout", format!("must be at least {MIN_TIMEOUT_MINUTES} minutes"));
        }
        let warning = (asked > MAX_TIMEOUT_MINUTES).then(|| {
            format!("timeout {asked} is over {MAX_TIMEOUT_MINUTES} minutes; the session lasts {MAX_TIMEOUT_MINUTES}")
        });
        Ok(SessionSpec { url: self.url, timeout_minutes: asked.min(MAX_TIMEOUT_MINUTES), warning })
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
        assert_eq!(spec(json!({"timeout": 5})).unwrap(), SessionSpec { url: None, timeout_minutes: 5, warning: None });
        assert_eq!(spec(json!({"timeout": 4})).unwrap_err().field, "timeout");
        let long = spec(json!({"timeout": 600})).unwrap();
        assert_eq!(long.timeout_minutes, 240);
        assert!(long.warning.unwrap().contains("600"));
    }

    #[test]
    fn a_url_that_is_not_http_is_refused() {
        assert_eq!(spec(json!({"url": "file:///etc/passwd"})).unwrap_err().field, "url");
        assert_eq!(spec(json!({"url": "https://example.org/"})).unwrap().url.as_deref(), Some("https://example.org/"));
    }
}
