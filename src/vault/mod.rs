//! The credential vault: logins (with TOTP seeds), payment cards and other secrets that runs use
//! and nobody reads back.
//!
//! A credential's values are sealed (`seal`: XChaCha20-Poly1305, a random nonce per sealing, the
//! credential's id as associated data) under one key, 32 random bytes in a file of their own
//! (`key_file`: `vault.key` in the data directory, mode 0600, made at the first start). The
//! database keeps the sealed values and the parts responses show (`values::Shown`: a username, a
//! card's brand and last four digits, a secret's label); the key is never in it, so a copy of
//! the database, or a backup of it, opens nothing.
//!
//! Values live in memory as `values::SecretText`, which prints as `<redacted>` and is wiped
//! when dropped; responses, logs and error messages never carry one.
//!
//! Browser profiles and runs' final storage are sealed the same way (`Vault::seal_blob`), each
//! with its own id as associated data.
//!
//! Runs use the vault through two calls: `Vault::reveal` (a credential's values, opened) and
//! `Vault::totp_code` (the code its seed makes now, and how long it lasts); a code pushed by a
//! person or a mail relay (`pushed`) is kept with `Vault::push_code`, which wakes the runs
//! waiting in `Vault::wait_for_pushed_code`; each code is taken once.

mod key_file;
mod pushed;
mod seal;
mod totp;
mod values;

use std::path::Path;
use std::sync::Arc;

use tokio::sync::Notify;
use zeroize::Zeroizing;

pub use key_file::KeyFileError;
pub use pushed::{CodeWanted, InvalidPushedCode, PUSHED_CODE_LIFESPAN, PushedCode, PushedCodeRequest};
pub use seal::Sealed;
pub use totp::{InvalidSeed, TotpSeed};
pub use values::{
    BillingAddress, CardValues, CredentialType, CredentialValues, InvalidValue, PasswordValues, SecretText,
    SecretValues, Shown, TYPED_FIELDS, TotpType,
};

use self::seal::VaultKey;
use crate::ids::CredentialId;
use crate::store::{CredentialFilter, Store, StoreError};

/// A stored credential, without its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub id: CredentialId,
    pub name: String,
    pub shown: Shown,
    pub created_at: String,
    pub modified_at: String,
}

/// What a vault operation can fail with. No message quotes a value.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error(transparent)]
    KeyFile(#[from] KeyFileError),
    #[error(
        "the values of credential {0} do not open with this appliance's vault key: they were sealed under \
         another key (put that key's file back and restart) or are damaged"
    )]
    DoesNotOpen(CredentialId),
    #[error(
        "what is stored for {0} does not open with this appliance's vault key: it was sealed under another key \
         or is damaged"
    )]
    BlobDoesNotOpen(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The vault: its key and the store that keeps what it sealed. Cheap to clone.
#[derive(Clone)]
pub struct Vault {
    key: Arc<VaultKey>,
    store: Store,
    /// Woken each time a code is pushed.
    code_pushed: Arc<Notify>,
}

impl Vault {
    /// Opens the vault with the key in `key_file`, made there if the file is missing. A new key
    /// beside credentials sealed under another one is said in the log: those stay sealed until
    /// their key's file is put back.
    pub async fn open(key_file: &Path, store: Store) -> Result<Vault, VaultError> {
        let loaded = key_file::load_or_create(key_file)?;
        if loaded.created {
            let sealed_before = store.count_credentials().await?;
            if sealed_before > 0 {
                tracing::warn!(
                    credentials = sealed_before,
                    path = %key_file.display(),
                    "a new vault key was made, but the database holds credentials sealed under another key: they \
                     cannot be used until that key's file is put back (then restart)"
                );
            }
        }
        Ok(Vault { key: Arc::new(loaded.key), store, code_pushed: Arc::default() })
    }

    /// Seals and saves a new credential.
    pub async fn create(&self, name: &str, values: &CredentialValues) -> Result<Credential, VaultError> {
        let id = CredentialId::generate();
        let sealed = self.seal(&id, values);
        Ok(self.store.insert_credential(&id, name, &values.shown(), sealed).await?)
    }

    /// Overwrites a credential's name and values; its id stays.
    pub async fn update(
        &self,
        id: &CredentialId,
        name: &str,
        values: &CredentialValues,
    ) -> Result<Credential, VaultError> {
        let sealed = self.seal(id, values);
        Ok(self.store.replace_credential(id, name, &values.shown(), sealed).await?)
    }

    /// A credential, without its values.
    pub async fn credential(&self, id: &CredentialId) -> Result<Credential, VaultError> {
        Ok(self.store.credential(id).await?)
    }

    /// A page of credentials, without their values, newest first.
    pub async fn list(&self, filter: CredentialFilter) -> Result<Vec<Credential>, VaultError> {
        Ok(self.store.list_credentials(filter).await?)
    }

    /// Deletes a credential and drops its sealed values.
    pub async fn delete(&self, id: &CredentialId) -> Result<(), VaultError> {
        Ok(self.store.delete_credential(id).await?)
    }

    /// A credential's values, opened: for a run to type them, never to show them.
    pub async fn reveal(&self, id: &CredentialId) -> Result<CredentialValues, VaultError> {
        let sealed = self.store.sealed_credential(id).await?;
        let plaintext = self.key.open(id.as_str(), &sealed).map_err(|_| VaultError::DoesNotOpen(id.clone()))?;
        // serde's message could quote a value: it is dropped.
        serde_json::from_slice(&plaintext).map_err(|_| VaultError::DoesNotOpen(id.clone()))
    }

    /// The code a login's seed makes now and the seconds it stays valid; `None` when the
    /// credential has no seed.
    pub async fn totp_code(&self, id: &CredentialId) -> Result<Option<(String, u64)>, VaultError> {
        Ok(self.reveal(id).await?.totp_seed().map(TotpSeed::current_code))
    }

    /// Keeps a pushed code and wakes the runs waiting for one.
    pub async fn push_code(&self, code: &PushedCode) -> Result<(), VaultError> {
        self.store.insert_pushed_code(code).await?;
        self.code_pushed.notify_waiters();
        Ok(())
    }

    /// Takes the pushed code `wanted` describes, waiting until one is pushed if there is none.
    pub async fn wait_for_pushed_code(&self, wanted: &CodeWanted) -> Result<PushedCode, VaultError> {
        loop {
            let pushed = self.code_pushed.notified();
            tokio::pin!(pushed);
            pushed.as_mut().enable();
            if let Some(code) = self.store.take_pushed_code(wanted).await? {
                return Ok(code);
            }
            pushed.await;
        }
    }

    fn seal(&self, id: &CredentialId, values: &CredentialValues) -> Sealed {
        let plaintext =
            Zeroizing::new(serde_json::to_vec(values).expect("credential values always serialise: string keys only"));
        self.key.seal(id.as_str(), &plaintext)
    }

    /// Seals a blob that belongs to `owner` (a browser profile, a run's final storage), with
    /// `owner`'s id as associated data, as a credential's values are.
    pub fn seal_blob(&self, owner: &str, plaintext: &[u8]) -> Sealed {
        self.key.seal(owner, plaintext)
    }

    /// Opens a blob sealed for `owner`.
    pub fn open_blob(&self, owner: &str, sealed: &Sealed) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        self.key.open(owner, sealed).map_err(|_| VaultError::BlobDoesNotOpen(owner.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SEED: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    async fn a_vault(dir: &Path) -> (Vault, Store) {
        let store = Store::open(&dir.join("skyvern.db")).unwrap();
        (Vault::open(&dir.join("vault.key"), store.clone()).await.unwrap(), store)
    }

    fn login(password: &str, totp: Option<&str>) -> CredentialValues {
        CredentialValues::Password(
            serde_json::from_value(json!({"username": "ada@example.org", "password": password, "totp": totp})).unwrap(),
        )
    }

    fn password_of(values: &CredentialValues) -> &str {
        match values {
            CredentialValues::Password(login) => login.password.expose(),
            other => panic!("not a login: {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_credential_is_revealed_as_it_was_given_and_after_an_update_as_updated() {
        let dir = tempfile::tempdir().unwrap();
        let (vault, _store) = a_vault(dir.path()).await;
        let created = vault.create("Example", &login("correct horse", None)).await.unwrap();
        assert!(created.id.as_str().starts_with("cred_"));
        assert_eq!(
            created.shown,
            Shown::Password { username: "ada@example.org".into(), totp_type: TotpType::None, totp_identifier: None }
        );
        assert_eq!(password_of(&vault.reveal(&created.id).await.unwrap()), "correct horse");

        let updated = vault.update(&created.id, "Example (new)", &login("battery staple", None)).await.unwrap();
        assert_eq!((updated.id.clone(), updated.name.as_str()), (created.id.clone(), "Example (new)"));
        assert_eq!(password_of(&vault.reveal(&created.id).await.unwrap()), "battery staple");
    }

    #[tokio::test]
    async fn a_deleted_or_unknown_credential_reveals_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (vault, _store) = a_vault(dir.path()).await;
        let created = vault.create("Example", &login("pw", None)).await.unwrap();
        vault.delete(&created.id).await.unwrap();
        assert!(matches!(vault.reveal(&created.id).await, Err(VaultError::Store(StoreError::NotFound(_)))));
        assert!(matches!(vault.credential(&created.id).await, Err(VaultError::Store(StoreError::NotFound(_)))));
        let unknown = CredentialId::generate();
        assert!(matches!(vault.totp_code(&unknown).await, Err(VaultError::Store(StoreError::NotFound(_)))));
    }

    #[tokio::test]
    async fn the_totp_code_is_the_seeds_code_now_and_none_without_a_seed() {
        let dir = tempfile::tempdir().unwrap();
        let (vault, _store) = a_vault(dir.path()).await;
        let with_seed = vault.create("2FA", &login("pw", Some(SEED))).await.unwrap();
        let without = vault.create("plain", &login("pw", None)).await.unwrap();

        let (code, seconds_remaining) = vault.totp_code(&with_seed.id).await.unwrap().unwrap();
        let expected = TotpSeed::parse(SEED).unwrap().current_code();
        // The two readings may straddle a 30-second boundary: then the next reading agrees.
        let agrees = (code.clone(), seconds_remaining) == expected
            || vault.totp_code(&with_seed.id).await.unwrap().unwrap() == TotpSeed::parse(SEED).unwrap().current_code();
        assert!(agrees, "{code} ({seconds_remaining} s) against {expected:?}");
        assert!((1..=30).contains(&seconds_remaining) && code.len() == 6);
        assert_eq!(vault.totp_code(&without.id).await.unwrap(), None);
    }

    #[tokio::test]
    async fn with_another_key_the_stored_values_do_not_open() {
        let dir = tempfile::tempdir().unwrap();
        let (vault, store) = a_vault(dir.path()).await;
        let created = vault.create("Example", &login("correct horse", Some(SEED))).await.unwrap();

        let elsewhere = tempfile::tempdir().unwrap();
        let other = Vault::open(&elsewhere.path().join("vault.key"), store).await.unwrap();
        assert!(matches!(other.reveal(&created.id).await, Err(VaultError::DoesNotOpen(_))));
        let refused = other.totp_code(&created.id).await.unwrap_err().to_string();
        assert!(!refused.contains("correct horse") && refused.contains(created.id.as_str()), "{refused}");
    }
}
