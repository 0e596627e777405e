//! API keys: made here, stored only as SHA-256 hashes, checked in constant time.
//!
//! A key is `skv_` followed by 40 random alphanumeric characters (about 238 bits). The store
//! keeps its hash and its first characters, so a listing can show which key is which without
//! being able to reproduce any. `ui_sessions` turns a key into a sign-in of the UI.
//!
//! Any valid key may revoke any key, the one it is using included: the appliance has one
//! organisation and no roles, and locking oneself out is a choice the UI warns about rather
//! than one the API refuses.

pub mod ui_sessions;

use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::Secret;
use crate::ids::ApiKeyId;
use crate::store::{ApiKeyRecord, Store, StoreError};

const KEY_PREFIX: &str = "skv_";
const KEY_RANDOM_CHARS: usize = 40;
/// How the key from the configuration is named where a key's name is shown.
const CONFIGURED_KEY_NAME: &str = "configured key";
/// How many characters of a key are kept in clear to recognise it.
const SHOWN_PREFIX: usize = 10;
/// The longest name a key may have.
pub const MAX_KEY_NAME_CHARS: usize = 100;

pub fn hash_key(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// Makes a new random key.
pub fn generate_key() -> String {
    let random: String = rand::rng().sample_iter(&Alphanumeric).take(KEY_RANDOM_CHARS).map(char::from).collect();
    format!("{KEY_PREFIX}{random}")
}

/// Checks presented keys against the configured key and the store's active keys.
#[derive(Clone)]
pub struct KeyChecker {
    store: Store,
    configured: Option<[u8; 32]>,
}

impl KeyChecker {
    pub fn new(store: Store, configured: &Secret) -> KeyChecker {
        let configured = (!configured.is_empty()).then(|| hash_key(configured.expose()));
        KeyChecker { store, configured }
    }

    /// The name of the valid key `presented` (the configured key is `configured key`), or `None`.
    pub async fn identify(&self, presented: &str) -> Result<Option<String>, StoreError> {
        Ok(self.identify_key(presented).await?.map(|key| key.name))
    }

    /// Which valid key `presented` is, or `None`. Every candidate hash is compared, each in
    /// constant time, so the time taken says nothing about which bytes matched.
    pub async fn identify_key(&self, presented: &str) -> Result<Option<KeyIdentity>, StoreError> {
        let presented = hash_key(presented);
        let stored = self.store.active_api_key_hashes().await?;
        let mut found = None;
        if self.configured.is_some_and(|hash| bool::from(hash.ct_eq(&presented))) {
            found = Some(KeyIdentity { id: None, name: CONFIGURED_KEY_NAME.to_owned() });
        }
        for (hash, id, name) in stored {
            if bool::from(hash.as_slice().ct_eq(&presented)) {
                found = Some(KeyIdentity { id: Some(id), name });
            }
        }
        Ok(found)
    }

    /// The hash of the configured key, if one is set.
    pub(crate) fn configured_hash(&self) -> Option<[u8; 32]> {
        self.configured
    }
}

/// A valid key, without the key: its id (`None` for the configured key) and name.
#[derive(Debug, Clone)]
pub struct KeyIdentity {
    pub id: Option<ApiKeyId>,
    pub name: String,
}

/// Why a name cannot be a key's name.
#[derive(Debug, thiserror::Error)]
pub enum InvalidKeyName {
    #[error("a name is required")]
    Empty,
    #[error("at most {MAX_KEY_NAME_CHARS} characters")]
    TooLong,
}

/// A key's name, trimmed: not empty, at most `MAX_KEY_NAME_CHARS` characters.
pub fn key_name(name: &str) -> Result<String, InvalidKeyName> {
    let name = name.trim();
    if name.is_empty() {
        Err(InvalidKeyName::Empty)
    } else if name.chars().count() > MAX_KEY_NAME_CHARS {
        Err(InvalidKeyName::TooLong)
    } else {
        Ok(name.to_owned())
    }
}

/// Why a key was not revoked.
#[derive(Debug, thiserror::Error)]
pub enum RevokeError {
    #[error("API key {0} not found")]
    NotFound(ApiKeyId),
    #[error("API key {} is already revoked (at {})", .0.id, .0.revoked_at.as_deref().unwrap_or_default())]
    AlreadyRevoked(Box<ApiKeyRecord>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Revokes a key (requests with it are refused at once, its UI sessions end); returns its record.
pub async fn revoke_key(store: &Store, id: &ApiKeyId) -> Result<ApiKeyRecord, RevokeError> {
    let known = |error| match error {
        StoreError::NotFound(_) => RevokeError::NotFound(id.clone()),
        other => RevokeError::Store(other),
    };
    let record = store.api_key(id).await.map_err(known)?;
    if record.revoked_at.is_some() {
        return Err(RevokeError::AlreadyRevoked(Box::new(record)));
    }
    match store.revoke_api_key(id).await {
        // Revoked by another request in between.
        Err(StoreError::NotFound(_)) => return Err(RevokeError::AlreadyRevoked(Box::new(store.api_key(id).await?))),
        other => other?,
    }
    Ok(store.api_key(id).await?)
}

/// Creates and stores a key; returns the key (to show once) and its record.
pub async fn create_key(store: &Store, name: &str) -> Result<(String, ApiKeyRecord), StoreError> {
    let key = generate_key();
    let record = store.insert_api_key(name, hash_key(&key), &key[..SHOWN_PREFIX]).await?;
    Ok((key, record))
}

/// On a first start with no key anywhere, creates one so the appliance is never open.
pub async fn ensure_a_key_exists(store: &Store, configured: &Secret) -> Result<Option<String>, StoreError> {
    if !configured.is_empty() || !store.active_api_key_hashes().await?.is_empty() {
        return Ok(None);
    }
    let (key, _) = create_key(store, "initial").await?;
    Ok(Some(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_and_prefixed() {
        let (a, b) = (generate_key(), generate_key());
        assert_ne!(a, b);
        assert!(a.starts_with(KEY_PREFIX));
        assert_eq!(a.len(), KEY_PREFIX.len() + KEY_RANDOM_CHARS);
        assert_ne!(hash_key(&a), hash_key(&b));
    }

    #[test]
    fn key_names_are_trimmed_required_and_bounded() {
        assert_eq!(key_name("  ci  ").unwrap(), "ci");
        assert!(matches!(key_name("   "), Err(InvalidKeyName::Empty)));
        assert!(key_name(&"é".repeat(MAX_KEY_NAME_CHARS)).is_ok());
        assert!(matches!(key_name(&"a".repeat(MAX_KEY_NAME_CHARS + 1)), Err(InvalidKeyName::TooLong)));
    }
}
