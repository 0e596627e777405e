//! How a browser profile looks to the outside (Skyvern's `BrowserProfile`, with the session or run
//! it was made from), and how a run's final storage is shown by `include=storage`: cookies with
//! the value of an http-only one masked (`"value": null, "value_masked": true`: page scripts
//! cannot read it either, and it is usually what signs a person in) unless `storage_values` is
//! asked for too; local storage as it is, by origin.

use serde_json::{Value, json};

use super::ORGANIZATION_ID;
use crate::browser::BrowserStorage;
use crate::profiles::BrowserProfile;

pub fn profile_response(profile: &BrowserProfile) -> Value {
    json!({
        "browser_profile_id": profile.id,
        "organization_id": ORGANIZATION_ID,
        "name": profile.name,
        "description": profile.description,
        "source_browser_type": null,
        "proxy_location": null,
        "proxy_session_id": null,
        "is_managed": false,
        "workflow_permanent_id": null,
        "browser_profile_key_digest": null,
        "source_id": profile.source_id,
        "created_at": profile.created_at,
        "modified_at": profile.modified_at,
        "deleted_at": profile.deleted_at,
    })
}

/// A run's final storage; `values` shows the values of http-only cookies too.
pub fn storage_response(storage: &BrowserStorage, values: bool) -> Value {
    let cookies: Vec<Value> = storage
        .cookies
        .iter()
        .map(|cookie| {
            let masked = cookie.http_only && !values;
            json!({
                "name": cookie.name,
                "value": if masked { Value::Null } else { json!(cookie.value) },
                "value_masked": masked,
                "domain": cookie.domain,
                "path": cookie.path,
                "expires": cookie.expires,
                "http_only": cookie.http_only,
                "secure": cookie.secure,
                "same_site": cookie.same_site,
            })
        })
        .collect();
    json!({"cookies": cookies, "local_storage": storage.local_storage})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::browser::StoredCookie;

    fn cookie(name: &str, http_only: bool) -> StoredCookie {
        StoredCookie {
            name: name.into(),
            value: format!("{name}-value"),
            domain: "example.org".into(),
            path: "/".into(),
            expires: None,
            http_only,
            secure: false,
            same_site: None,
        }
    }

    #[test]
    fn an_http_only_cookies_value_is_masked_unless_values_are_asked_for() {
        let storage =
            BrowserStorage { cookies: vec![cookie("token", true), cookie("theme", false)], ..Default::default() };
        let masked = storage_response(&storage, false);
        assert_eq!(
            (&masked["cookies"][0]["value"], &masked["cookies"][0]["value_masked"]),
            (&Value::Null, &json!(true))
        );
        assert_eq!(masked["cookies"][1]["value"], "theme-value");
        assert!(!masked.to_string().contains("token-value"));
        let shown = storage_response(&storage, true);
        assert_eq!(
            (&shown["cookies"][0]["value"], &shown["cookies"][0]["value_masked"]),
            (&json!("token-value"), &json!(false))
        );
    }
}

/// Skyvern's `BrowserProfile`, as `profile_response` makes it.
#[derive(utoipa::ToSchema)]
#[schema(as = BrowserProfile)]
pub struct ProfileBody {
    pub browser_profile_id: String,
    pub organization_id: String,
    pub name: String,
    pub description: Option<String>,
    pub source_browser_type: Option<String>,
    pub proxy_location: Option<Value>,
    pub proxy_session_id: Option<String>,
    pub is_managed: bool,
    pub workflow_permanent_id: Option<String>,
    pub browser_profile_key_digest: Option<String>,
    /// The browser session or run it was made from.
    pub source_id: Option<String>,
    pub created_at: String,
    pub modified_at: String,
    pub deleted_at: Option<String>,
}
