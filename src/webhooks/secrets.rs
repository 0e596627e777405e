//! The signing secret. A secret set in the configuration (`webhooks.signing_secret`) is the only
//! one. Without it, the appliance makes a `whsec_…` secret at its first start and keeps it in its
//! database; `skyvern webhook-secret rotate` makes a new one, and the one it replaces keeps
//! signing beside it for `webhooks.rotation_overlap_hours`, so receivers can move over without
//! losing a delivery. Secrets are never logged. `current` and `rotate_if_not_configured` are
//! what the CLI (`skyvern webhook-secret`) and the API (`/v1/webhook_secret`) both call.

use std::time::Duration;

use base64::Engine as _;
use rand::RngCore;
use time::OffsetDateTime;

use super::signing::SigningKeys;
use crate::config::{Secret, WebhooksConfig};
use crate::store::{Store, StoreError};

/// How many random bytes a made secret holds.
const SECRET_BYTES: usize = 32;

/// A secret the appliance made, as the store keeps it.
#[derive(Debug, Clone)]
pub struct StoredSecret {
    pub secret: Secret,
    /// When a rotation replaced it.
    pub retired_at: Option<String>,
}

/// A secret that signs now, and until when (`None`: until the next rotation).
#[derive(Debug, Clone)]
pub struct ActiveSecret {
    pub secret: Secret,
    pub signs_until: Option<String>,
}

/// A new random secret in Standard Webhooks' form: `whsec_` and the base64 of its bytes.
pub fn generate() -> Secret {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    Secret::new(format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(bytes)))
}

/// Without a configured secret, makes one on the first start.
pub async fn ensure_one_exists(store: &Store, config: &WebhooksConfig) -> Result<(), StoreError> {
    if !is_configured(config) && store.webhook_secrets().await?.is_empty() {
        store.add_webhook_secret(generate()).await?;
        tracing::info!("a webhook signing secret was made; `skyvern webhook-secret show` prints it");
    }
    Ok(())
}

/// Makes a new secret; the ones it replaces keep signing until their overlap ends.
pub async fn rotate(store: &Store) -> Result<Secret, StoreError> {
    let secret = generate();
    store.add_webhook_secret(secret.clone()).await?;
    Ok(secret)
}

/// Why the secret was not rotated.
#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    #[error("webhooks.signing_secret is set in the configuration; change it there to rotate it")]
    Configured,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whether the secret comes from the configuration (`webhooks.signing_secret`).
pub fn is_configured(config: &WebhooksConfig) -> bool {
    !config.signing_secret.is_empty()
}

/// The secrets that sign now, oldest first, making the first one if none exists yet.
pub async fn current(store: &Store, config: &WebhooksConfig) -> Result<Vec<ActiveSecret>, StoreError> {
    ensure_one_exists(store, config).await?;
    active(store, config).await
}

/// Rotates the stored secret, refused when the configuration sets it; returns the secrets that
/// sign after the rotation, oldest first.
pub async fn rotate_if_not_configured(
    store: &Store,
    config: &WebhooksConfig,
) -> Result<Vec<ActiveSecret>, RotateError> {
    if is_configured(config) {
        return Err(RotateError::Configured);
    }
    rotate(store).await?;
    Ok(active(store, config).await?)
}

/// The secrets that sign now, oldest first.
pub async fn active(store: &Store, config: &WebhooksConfig) -> Result<Vec<ActiveSecret>, StoreError> {
    if is_configured(config) {
        return Ok(vec![ActiveSecret { secret: config.signing_secret.clone(), signs_until: None }]);
    }
    let overlap = Duration::from_secs(config.rotation_overlap_hours * 3600);
    Ok(still_signing(&store.webhook_secrets().await?, overlap, OffsetDateTime::now_utc()))
}

/// The keys that sign an attempt made now; `None` before any secret exists.
pub async fn signing_keys(store: &Store, config: &WebhooksConfig) -> Result<Option<SigningKeys>, StoreError> {
    let secrets = active(store, config).await?;
    Ok(SigningKeys::new(secrets.into_iter().map(|active| active.secret).collect()))
}

/// Of the stored secrets (oldest first), those not retired and those still in their overlap.
fn still_signing(stored: &[StoredSecret], overlap: Duration, now: OffsetDateTime) -> Vec<ActiveSecret> {
    stored
        .iter()
        .filter_map(|stored| {
            let Some(retired_at) = &stored.retired_at else {
                return Some(ActiveSecret { secret: stored.secret.clone(), signs_until: None });
            };
            let until = crate::clock::parse(retired_at)? + overlap;
            (until > now)
                .then(|| ActiveSecret { secret: stored.secret.clone(), signs_until: Some(crate::clock::format(until)) })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_secrets_are_standard_webhooks_secrets_of_32_random_bytes() {
        let (a, b) = (generate(), generate());
        assert_ne!(a.expose(), b.expose());
        let encoded = a.expose().strip_prefix("whsec_").unwrap();
        assert_eq!(base64::engine::general_purpose::STANDARD.decode(encoded).unwrap().len(), 32);
    }

    #[test]
    fn a_replaced_secret_signs_until_its_overlap_ends() {
        let now = OffsetDateTime::now_utc();
        let hours_ago = |hours: i64| Some(crate::clock::format(now - time::Duration::hours(hours)));
        let stored = |name: &str, retired_at| StoredSecret { secret: Secret::new(name), retired_at };
        let secrets = [stored("oldest", hours_ago(30)), stored("old", hours_ago(2)), stored("new", None)];
        let signing = still_signing(&secrets, Duration::from_secs(24 * 3600), now);
        let names: Vec<&str> = signing.iter().map(|active| active.secret.expose()).collect();
        assert_eq!(names, ["old", "new"]);
        assert!(signing[0].signs_until.is_some() && signing[1].signs_until.is_none());
    }
}
