//! What a browser profile is, as stored, and how the requests that make and change one are read:
//! Skyvern's `CreateBrowserProfileRequest` and `UpdateBrowserProfileRequest`.

use serde::Deserialize;
use serde_json::Value;

use crate::ids::{BrowserProfileId, RunId, SessionId};

/// The longest name or description taken.
const MAX_TEXT: usize = 1000;

/// A profile as stored, without its storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserProfile {
    pub id: BrowserProfileId,
    pub name: String,
    pub description: Option<String>,
    /// The session or run it was made from; none for a blank profile.
    pub source_id: Option<String>,
    pub created_at: String,
    pub modified_at: String,
    pub deleted_at: Option<String>,
}

/// Where a new profile's storage comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileSource {
    Blank,
    Session(SessionId),
    Run(RunId),
}

impl ProfileSource {
    /// The field of the request that named the source.
    pub fn field(&self) -> &'static str {
        match self {
            ProfileSource::Blank => "name",
            ProfileSource::Session(_) => "browser_session_id",
            ProfileSource::Run(_) => "workflow_run_id",
        }
    }
}

/// A field of a request that cannot be taken, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InvalidProfile {
    pub field: &'static str,
    pub message: String,
}

fn invalid<T>(field: &'static str, message: impl Into<String>) -> Result<T, InvalidProfile> {
    Err(InvalidProfile { field, message: message.into() })
}

/// The body of `POST /v1/browser_profiles`, as the SDK sends it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[schema(as = CreateBrowserProfileRequest)]
pub struct CreateProfileRequest {
    pub name: String,
    pub description: Option<String>,
    pub browser_session_id: Option<String>,
    /// A plan run (`wr_…`) or, on this appliance, a task run (`tsk_…`) too.
    pub workflow_run_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub proxy_location: Option<Value>,
    pub proxy_session_id: Option<String>,
}

/// A checked request to make a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProfile {
    pub name: String,
    pub description: Option<String>,
    pub source: ProfileSource,
}

fn checked_name(name: &str) -> Result<String, InvalidProfile> {
    let name = name.trim();
    if name.is_empty() {
        return invalid("name", "must not be empty");
    }
    if name.len() > MAX_TEXT {
        return invalid("name", format!("longer than {MAX_TEXT} bytes"));
    }
    Ok(name.to_owned())
}

fn checked_description(description: Option<String>) -> Result<Option<String>, InvalidProfile> {
    match description {
        Some(text) if text.len() > MAX_TEXT => invalid("description", format!("longer than {MAX_TEXT} bytes")),
        other => Ok(other),
    }
}

fn no_proxy(location: Option<&Value>) -> Result<(), InvalidProfile> {
    match location {
        Some(location) if !(location.is_null() || location == "NONE") => {
            invalid("proxy_location", "this appliance has no proxies; use null or \"NONE\"")
        }
        _ => Ok(()),
    }
}

impl CreateProfileRequest {
    pub fn into_new_profile(self) -> Result<NewProfile, InvalidProfile> {
        let name = checked_name(&self.name)?;
        let description = checked_description(self.description)?;
        no_proxy(self.proxy_location.as_ref())?;
        let source = match (self.browser_session_id, self.workflow_run_id) {
            (Some(_), Some(_)) => {
                return invalid("workflow_run_id", "name either a browser_session_id or a workflow_run_id, not both");
            }
            (Some(session), None) => ProfileSource::Session(
                SessionId::parse(&session).or_else(|error| invalid("browser_session_id", error.to_string()))?,
            ),
            (None, Some(run)) => {
                ProfileSource::Run(RunId::parse(&run).or_else(|error| invalid("workflow_run_id", error.to_string()))?)
            }
            (None, None) => ProfileSource::Blank,
        };
        Ok(NewProfile { name, description, source })
    }
}

/// The body of `PATCH /v1/browser_profiles/{id}`: what is left out stays.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = UpdateBrowserProfileRequest)]
pub struct UpdateProfileRequest {
    pub name: Option<String>,
    pub description: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub proxy_location: Option<Value>,
    pub proxy_session_id: Option<String>,
    pub rotate_proxy_session_id: Option<bool>,
}

/// A checked change of a profile's name and description.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileChange {
    pub name: Option<String>,
    pub description: Option<String>,
}

impl UpdateProfileRequest {
    pub fn into_change(self) -> Result<ProfileChange, InvalidProfile> {
        no_proxy(self.proxy_location.as_ref())?;
        let name = self.name.as_deref().map(checked_name).transpose()?;
        Ok(ProfileChange { name, description: checked_description(self.description)? })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn new_profile(body: Value) -> Result<NewProfile, InvalidProfile> {
        serde_json::from_value::<CreateProfileRequest>(body).unwrap().into_new_profile()
    }

    #[test]
    fn a_profile_is_blank_or_made_from_one_session_or_one_run() {
        assert_eq!(new_profile(json!({"name": " Shop "})).unwrap().source, ProfileSource::Blank);
        assert_eq!(new_profile(json!({"name": "Shop"})).unwrap().name, "Shop");
        let from_session = new_profile(json!({"name": "a", "browser_session_id": "pbs_1"})).unwrap();
        assert!(matches!(from_session.source, ProfileSource::Session(_)));
        for run in ["wr_1", "tsk_2"] {
            let from_run = new_profile(json!({"name": "a", "workflow_run_id": run})).unwrap();
            assert!(matches!(from_run.source, ProfileSource::Run(_)), "{run}");
        }
    }

    #[test]
    fn bad_values_are_refused_naming_the_field() {
        let cases = [
            (json!({"name": "  "}), "name"),
            (json!({"name": "a", "browser_session_id": "tsk_1"}), "browser_session_id"),
            (json!({"name": "a", "workflow_run_id": "pbs_1"}), "workflow_run_id"),
            (json!({"name": "a", "browser_session_id": "pbs_1", "workflow_run_id": "wr_1"}), "workflow_run_id"),
            (json!({"name": "a", "proxy_location": "RESIDENTIAL"}), "proxy_location"),
        ];
        for (body, field) in cases {
            assert_eq!(new_profile(body.clone()).unwrap_err().field, field, "{body}");
        }
        let renamed = serde_json::from_value::<UpdateProfileRequest>(json!({"name": ""})).unwrap().into_change();
        assert_eq!(renamed.unwrap_err().field, "name");
    }
}
