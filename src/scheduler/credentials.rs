//! The stored credentials a task run names: every `{{credential.<id>.<field>}}` in its request
//! is opened from the vault when the run starts (so, unlike secrets given with a run, they
//! survive a restart) and typed where its placeholder stands; the model and every record see
//! only the placeholder.

use std::collections::BTreeSet;

use serde_json::Value;

use super::Scheduler;
use crate::engine::Secrets;
use crate::ids::CredentialId;

/// The `(credential id, field)` pairs of the placeholders in `text`.
fn references(text: &str) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        rest = &rest[start + 2..];
        let Some(end) = rest.find("}}") else { break };
        let inside = rest[..end].trim();
        let mut parts = inside.splitn(3, '.');
        if let (Some("credential"), Some(id), Some(field)) = (parts.next(), parts.next(), parts.next()) {
            found.insert((id.to_owned(), field.to_owned()));
        }
        rest = &rest[end + 2..];
    }
    found
}

impl Scheduler {
    /// Adds the values of the credentials the run's request names to its secrets; why not, as a
    /// reason that fails the run.
    pub(super) async fn add_credentials(&self, request: &Value, secrets: &mut Secrets) -> Result<(), String> {
        for (id, field) in references(&request.to_string()) {
            let credential = CredentialId::parse(&id).map_err(|error| error.to_string())?;
            let values = self.shared.vault.reveal(&credential).await.map_err(|error| error.to_string())?;
            let value = values
                .typed_field(&field)
                .ok_or_else(|| format!("credential {id} has no field `{field}` a run can type"))?;
            secrets.add_credential_value(&id, &field, value, field != "username");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_of_credentials_are_found_and_other_templates_left_alone() {
        let text = r#"{"prompt": "sign in as {{ credential.cred_12.username }}", "v": "{{credential.cred_12.password}}{{secret.pin}}{{x}}"}"#;
        let found: Vec<(String, String)> = references(text).into_iter().collect();
        assert_eq!(found, [("cred_12".into(), "password".into()), ("cred_12".into(), "username".into())]);
    }
}
