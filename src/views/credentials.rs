//! How credentials and pushed codes look to the outside: Skyvern's `CredentialResponse`, whose
//! `credential` is a `PasswordCredentialResponse` (username, TOTP type and identifier), a
//! `CreditCardCredentialResponse` (last four digits, brand) or a `SecretCredentialResponse`
//! (label), never a value; and Skyvern's `TOTPCode`. The fields of Skyvern's cloud that this
//! appliance has no use for (browser profiles, folders, proxies, credential tests) are `null`.

use serde_json::{Value, json};

use super::ORGANIZATION_ID;
use crate::vault::{Credential, PushedCode, Shown};

/// The only vault of this appliance, as Skyvern names it.
pub const VAULT_TYPE: &str = "skyvern";

/// A credential as `CredentialResponse`.
pub fn credential_json(credential: &Credential) -> Value {
    let shown = match &credential.shown {
        Shown::Password { username, totp_type, totp_identifier } => json!({
            "username": username,
            "totp_type": totp_type.as_str(),
            "totp_identifier": totp_identifier,
        }),
        Shown::CreditCard { last_four, brand } => json!({ "last_four": last_four, "brand": brand }),
        Shown::Secret { secret_label } => json!({ "secret_label": secret_label }),
    };
    json!({
        "credential_id": credential.id,
        "credential": shown,
        "credential_type": credential.shown.credential_type().as_str(),
        "name": credential.name,
        "vault_type": VAULT_TYPE,
        "browser_profile_id": null,
        "tested_url": null,
        "user_context": null,
        "save_browser_session_intent": null,
        "folder_id": null,
        "proxy_location": null,
        "proxy_session_id": null,
        "created_at": credential.created_at,
        "modified_at": credential.modified_at,
    })
}

/// A pushed code as `TOTPCode`, with the message it came in (which is not kept).
pub fn pushed_code_json(code: &PushedCode, content: &str) -> Value {
    json!({
        "totp_code_id": code.id,
        "totp_identifier": code.totp_identifier,
        "task_id": code.task_id,
        "workflow_id": code.workflow_id,
        "workflow_run_id": code.workflow_run_id,
        "source": code.source,
        "content": content,
        "code": code.code.expose(),
        "expired_at": code.expired_at,
        "type": "totp",
        "otp_type": "totp",
        "organization_id": ORGANIZATION_ID,
        "created_at": code.created_at,
        "modified_at": code.modified_at,
    })
}

/// Skyvern's `CredentialResponse`, as `credential_json` makes it: `credential` shows no value.
#[derive(utoipa::ToSchema)]
#[schema(as = CredentialResponse)]
pub struct CredentialBody {
    pub credential_id: String,
    /// A password's username and TOTP settings, a card's last four digits and brand, or a
    /// secret's label.
    pub credential: Value,
    /// `password`, `credit_card` or `secret`.
    pub credential_type: String,
    pub name: String,
    pub vault_type: String,
    pub browser_profile_id: Option<String>,
    pub tested_url: Option<String>,
    pub user_context: Option<String>,
    pub save_browser_session_intent: Option<bool>,
    pub folder_id: Option<String>,
    pub proxy_location: Option<Value>,
    pub proxy_session_id: Option<String>,
    pub created_at: String,
    pub modified_at: String,
}

/// Skyvern's `TOTPCode`, as `pushed_code_json` makes it.
#[derive(utoipa::ToSchema)]
#[schema(as = TOTPCode)]
pub struct PushedCodeBody {
    pub totp_code_id: String,
    pub totp_identifier: String,
    pub task_id: Option<String>,
    pub workflow_id: Option<String>,
    pub workflow_run_id: Option<String>,
    pub source: Option<String>,
    pub content: String,
    pub code: String,
    pub expired_at: Option<String>,
    pub r#type: String,
    pub otp_type: String,
    pub organization_id: String,
    pub created_at: String,
    pub modified_at: String,
}
