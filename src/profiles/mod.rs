//! Browser profiles (`bp_…`): the cookies and local storage (see `browser::BrowserStorage`) a
//! session or a finished run left, kept to start later sessions and runs from.
//!
//! A profile is made blank, from an open session (its storage now), from a session that ended
//! keeping its storage (`generate_browser_profile`, or started from a profile itself), or from a
//! finished run: every run's storage is kept when it ends (its **final storage**, also shown by
//! `GET /v1/runs/{id}?include=storage`). Profiles and final storage are sealed by the vault, each
//! with its own id as associated data, so the database alone reveals no cookie.

mod model;

pub use model::{
    BrowserProfile, CreateProfileRequest, InvalidProfile, NewProfile, ProfileChange, ProfileSource,
    UpdateProfileRequest,
};

use zeroize::Zeroizing;

use crate::browser::{BrowserStorage, RunBrowser};
use crate::ids::BrowserProfileId;
use crate::store::{Store, StoreError};
use crate::vault::{Vault, VaultError};

/// How long capturing a browser's storage at the end of a run or session may take.
const CAPTURE_PATIENCE: std::time::Duration = std::time::Duration::from_secs(3);

/// Why a profile could not be made, changed or read.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("a browser profile named `{0}` already exists")]
    NameTaken(String),
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Profiles and final storage, sealed by the vault. Cheap to clone.
#[derive(Clone)]
pub struct Profiles {
    store: Store,
    vault: Vault,
}

impl Profiles {
    pub fn new(store: Store, vault: Vault) -> Profiles {
        Profiles { store, vault }
    }

    /// Saves a new profile holding `storage`; its name must be free.
    pub async fn create(&self, new: NewProfile, storage: &BrowserStorage) -> Result<BrowserProfile, ProfileError> {
        if self.store.profile_named(&new.name).await?.is_some() {
            return Err(ProfileError::NameTaken(new.name));
        }
        let id = BrowserProfileId::generate();
        let sealed = self.vault.seal_blob(id.as_str(), &serialized(storage));
        let source_id = match &new.source {
            ProfileSource::Blank => None,
            ProfileSource::Session(session) => Some(session.to_string()),
            ProfileSource::Run(run) => Some(run.to_string()),
        };
        Ok(self.store.insert_profile(&id, new.name, new.description, source_id, sealed).await?)
    }

    /// Renames a profile or changes its description; a new name must be free.
    pub async fn change(&self, id: &BrowserProfileId, change: ProfileChange) -> Result<BrowserProfile, ProfileError> {
        if let Some(name) = &change.name
            && self.store.profile_named(name).await?.is_some_and(|holder| holder != *id)
        {
            return Err(ProfileError::NameTaken(name.clone()));
        }
        Ok(self.store.update_profile(id, change).await?)
    }

    /// A profile's storage, opened.
    pub async fn storage(&self, id: &BrowserProfileId) -> Result<BrowserStorage, ProfileError> {
        let sealed = self.store.sealed_profile(id).await?;
        self.opened(id.as_str(), &self.vault.open_blob(id.as_str(), &sealed)?)
    }

    /// Keeps the storage a run or session (`owner`) has at its end.
    /// Captures what `browser` holds now and keeps it as `owner`'s final storage; a browser that
    /// is gone or does not answer within `CAPTURE_PATIENCE` leaves nothing, which is logged.
    pub async fn keep_final_storage_of(&self, owner: &str, browser: &RunBrowser) {
        if !browser.is_alive() {
            return;
        }
        let kept = match tokio::time::timeout(CAPTURE_PATIENCE, browser.page.storage()).await {
            Ok(Ok(storage)) => self.keep_final_storage(owner, &storage).await.map_err(|e| e.to_string()),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err(format!("the browser did not answer within {} s", CAPTURE_PATIENCE.as_secs())),
        };
        if let Err(error) = kept {
            tracing::warn!(owner, %error, "the storage a run or session left could not be kept");
        }
    }

    pub async fn keep_final_storage(&self, owner: &str, storage: &BrowserStorage) -> Result<(), ProfileError> {
        let sealed = self.vault.seal_blob(owner, &serialized(storage));
        Ok(self.store.keep_final_storage(owner, sealed).await?)
    }

    /// The storage a run or session had at its end, if it was kept.
    pub async fn final_storage(&self, owner: &str) -> Result<Option<BrowserStorage>, ProfileError> {
        match self.store.final_storage(owner).await? {
            Some(sealed) => Ok(Some(self.opened(owner, &self.vault.open_blob(owner, &sealed)?)?)),
            None => Ok(None),
        }
    }

    fn opened(&self, owner: &str, plaintext: &[u8]) -> Result<BrowserStorage, ProfileError> {
        // serde's message could quote a value: it is dropped.
        serde_json::from_slice(plaintext).map_err(|_| VaultError::BlobDoesNotOpen(owner.to_owned()).into())
    }
}

fn serialized(storage: &BrowserStorage) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(serde_json::to_vec(storage).expect("browser storage always serialises: string keys only"))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::browser::StoredCookie;
    use crate::ids::RunId;

    async fn profiles(dir: &std::path::Path) -> Profiles {
        let store = Store::open(&dir.join("skyvern.db")).unwrap();
        let vault = Vault::open(&dir.join("vault.key"), store.clone()).await.unwrap();
        Profiles::new(store, vault)
    }

    fn signed_in() -> BrowserStorage {
        let cookie = StoredCookie {
            name: "sid".into(),
            value: "s3cr3t-cookie-value".into(),
            domain: "example.org".into(),
            path: "/".into(),
            expires: None,
            http_only: true,
            secure: true,
            same_site: Some("Lax".into()),
        };
        let items = BTreeMap::from([("theme".to_owned(), "dark".to_owned())]);
        BrowserStorage { cookies: vec![cookie], local_storage: BTreeMap::from([("https://example.org".into(), items)]) }
    }

    #[tokio::test]
    async fn a_profile_gives_back_the_storage_it_was_made_with_and_its_name_is_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let profiles = profiles(dir.path()).await;
        let new = NewProfile { name: "Shop".into(), description: None, source: ProfileSource::Blank };
        let made = profiles.create(new.clone(), &signed_in()).await.unwrap();
        assert!(made.id.as_str().starts_with("bp_"));
        assert_eq!(profiles.storage(&made.id).await.unwrap(), signed_in());
        assert!(matches!(profiles.create(new, &signed_in()).await, Err(ProfileError::NameTaken(_))));
        let other = NewProfile { name: "Bank".into(), description: None, source: ProfileSource::Blank };
        let other = profiles.create(other, &BrowserStorage::default()).await.unwrap();
        let taken = ProfileChange { name: Some("Shop".into()), description: None };
        assert!(matches!(profiles.change(&other.id, taken).await, Err(ProfileError::NameTaken(_))));
    }

    #[tokio::test]
    async fn final_storage_is_kept_per_owner_and_opens_for_that_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let profiles = profiles(dir.path()).await;
        let run = RunId::generate();
        assert_eq!(profiles.final_storage(run.as_str()).await.unwrap(), None);
        profiles.keep_final_storage(run.as_str(), &signed_in()).await.unwrap();
        assert_eq!(profiles.final_storage(run.as_str()).await.unwrap(), Some(signed_in()));

        let sealed = profiles.store.final_storage(run.as_str()).await.unwrap().unwrap();
        assert!(!sealed.ciphertext.windows(6).any(|window| window == b"s3cr3t"));
        let elsewhere = RunId::generate();
        profiles.store.keep_final_storage(elsewhere.as_str(), sealed).await.unwrap();
        assert!(profiles.final_storage(elsewhere.as_str()).await.is_err(), "copied onto another run, it does not open");
    }
}
