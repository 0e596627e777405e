//! API keys: made here, stored only as SHA-256 hashes, checked in constant time.
//!
//! A key is `skv_` followed by 40 random alphanumeric characters (about 238 bits). The store
//! keeps its hash and its first characters, so a listing can show which key is which without
//! being able to reproduce any.

use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::Secret;
use crate::store::{ApiKeyRecord, Store, StoreError};

const KEY_PREFIX: &str = "skv_";
const KEY_RANDOM_CHARS: usize = 40;
/// How the key from the configuration is named where a key's name is shown.
const CONFIGURED_KEY_NAME: &str = "configured key";
/// How many characters of a key are kept in clear to recognise it.
const SHOWN_PREFIX: usize = 10;

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

    /// Whether `presented` is a valid key.
    pub async fn is_valid(&self, presented: &str) -> Result<bool, StoreError> {
        Ok(self.identify(presented).await?.is_some())
    }

    /// The name of the valid key `presented` (the configured key is `configured key`), or
    /// `None`. Every candidate hash is compared, each in constant time, so the time taken says
    /// nothing about which bytes matched.
    pub async fn identify(&self, presented: &str) -> Result<Option<String>, StoreError> {
        let presented = hash_key(presented);
        let stored = self.store.active_api_key_hashes().await?;
        let mut name = None;
        if self.configured.is_some_and(|hash| bool::from(hash.ct_eq(&presented))) {
            name = Some(CONFIGURED_KEY_NAME.to_owned());
        }
        for (hash, key_name) in stored {
            if bool::from(hash.as_slice().ct_eq(&presented)) {
                name = Some(key_name);
            }
        }
        Ok(name)
    }
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
}
