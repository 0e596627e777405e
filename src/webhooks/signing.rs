//! Signing a delivery two ways at once, so a receiver written for either can check it:
//!
//! - Skyvern's: `x-skyvern-signature` is the hex HMAC-SHA256 of the exact body, keyed with the
//!   secret's text as it is written (`whsec_…` included), and `x-skyvern-timestamp` the Unix
//!   seconds of the attempt. The header holds one signature.
//! - Standard Webhooks': `webhook-id` (the delivery's id, the same on every retry),
//!   `webhook-timestamp`, and `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`,
//!   keyed with the bytes that the base64 after `whsec_` stands for. A secret that is not
//!   `whsec_…` is used as its UTF-8 bytes; a Standard Webhooks library then verifies with
//!   `whsec_` + base64 of that text. Several signatures, separated by spaces, while an old secret
//!   is still in its overlap after a rotation.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::Secret;

const STANDARD_PREFIX: &str = "whsec_";

/// The secrets that sign at one moment.
#[derive(Debug, Clone)]
pub struct SigningKeys {
    /// Oldest first; never empty.
    secrets: Vec<Secret>,
}

impl SigningKeys {
    /// The secrets in their order of creation, oldest first; `None` if there is none.
    pub fn new(secrets: Vec<Secret>) -> Option<SigningKeys> {
        (!secrets.is_empty()).then_some(SigningKeys { secrets })
    }

    /// Skyvern's header holds one signature: the oldest secret still signing, so receivers keep
    /// verifying with the old one until the overlap after a rotation ends.
    fn skyvern_secret(&self) -> &Secret {
        &self.secrets[0]
    }

    /// The headers of one attempt at `timestamp` (Unix seconds).
    pub fn headers(&self, delivery_id: &str, timestamp: i64, body: &str) -> Vec<(&'static str, String)> {
        let signatures: Vec<String> = self
            .secrets
            .iter()
            .rev()
            .map(|secret| standard_signature(&standard_key(secret), delivery_id, timestamp, body))
            .collect();
        vec![
            ("content-type", "application/json".to_owned()),
            ("x-skyvern-signature", skyvern_signature(self.skyvern_secret(), body)),
            ("x-skyvern-timestamp", timestamp.to_string()),
            ("webhook-id", delivery_id.to_owned()),
            ("webhook-timestamp", timestamp.to_string()),
            ("webhook-signature", signatures.join(" ")),
        ]
    }
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Skyvern's `x-skyvern-signature`.
fn skyvern_signature(secret: &Secret, body: &str) -> String {
    hex::encode(hmac_sha256(secret.expose().as_bytes(), &[body.as_bytes()]))
}

/// The key bytes Standard Webhooks uses for `secret`.
fn standard_key(secret: &Secret) -> Vec<u8> {
    let text = secret.expose();
    text.strip_prefix(STANDARD_PREFIX)
        .and_then(|encoded| BASE64.decode(encoded).ok())
        .unwrap_or_else(|| text.as_bytes().to_vec())
}

/// One `v1,…` entry of `webhook-signature`.
fn standard_signature(key: &[u8], delivery_id: &str, timestamp: i64, body: &str) -> String {
    let timestamp = timestamp.to_string();
    let mac = hmac_sha256(key, &[delivery_id.as_bytes(), b".", timestamp.as_bytes(), b".", body.as_bytes()]);
    format!("v1,{}", BASE64.encode(mac))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header<'a>(headers: &'a [(&str, String)], name: &str) -> &'a str {
        headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str()).unwrap()
    }

    #[test]
    fn standard_webhooks_published_vector_verifies() {
        let keys = SigningKeys::new(vec![Secret::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")]).unwrap();
        let body = r#"{"email":"test@example.com","username":"test_user"}"#;
        let headers = keys.headers("msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1649367553, body);
        assert_eq!(header(&headers, "webhook-signature"), "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=");
        assert_eq!(header(&headers, "webhook-id"), "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk");
        assert_eq!(header(&headers, "webhook-timestamp"), "1649367553");
    }

    #[test]
    fn skyverns_signature_is_the_hex_hmac_of_the_body_keyed_with_the_secrets_text() {
        // RFC 4231's second case: key "Jefe", data "what do ya want for nothing?".
        let keys = SigningKeys::new(vec![Secret::new("Jefe")]).unwrap();
        let headers = keys.headers("msg_1", 1, "what do ya want for nothing?");
        assert_eq!(
            header(&headers, "x-skyvern-signature"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(header(&headers, "x-skyvern-timestamp"), "1");
    }

    #[test]
    fn a_secret_that_is_not_whsec_signs_standard_webhooks_with_its_text() {
        let plain = SigningKeys::new(vec![Secret::new("my-shared-secret")]).unwrap();
        let prefixed =
            SigningKeys::new(vec![Secret::new(format!("whsec_{}", BASE64.encode("my-shared-secret")))]).unwrap();
        let signature = |keys: &SigningKeys| header(&keys.headers("msg_1", 5, "{}"), "webhook-signature").to_owned();
        assert_eq!(signature(&plain), signature(&prefixed));
    }

    #[test]
    fn during_an_overlap_both_secrets_sign_the_standard_header_and_the_oldest_signs_skyverns() {
        let (old, new) = (Secret::new("whsec_b2xk"), Secret::new("whsec_bmV3"));
        let both = SigningKeys::new(vec![old.clone(), new.clone()]).unwrap();
        let headers = both.headers("msg_1", 5, "{}");
        let only = |secret: &Secret| SigningKeys::new(vec![secret.clone()]).unwrap().headers("msg_1", 5, "{}");
        let expected =
            format!("{} {}", header(&only(&new), "webhook-signature"), header(&only(&old), "webhook-signature"));
        assert_eq!(header(&headers, "webhook-signature"), expected, "the newest first");
        assert_eq!(header(&headers, "x-skyvern-signature"), header(&only(&old), "x-skyvern-signature"));
    }
}
