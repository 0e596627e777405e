//! Sign-ins to the UI: a session opened with an API key, held in the browser's cookie.
//!
//! The session id is 256 random bits, given to the browser once and stored only as its SHA-256.
//! Each session has a CSRF token that the page reads from a second cookie and sends back in
//! `x-csrf-token` with every request that changes something (the same-site cookie already keeps
//! other sites out; the token is the second lock). A session lasts `ui.session_hours` from its
//! sign-in, whether used or not, and ends sooner at sign-out or when its key stops being valid:
//! a stored key revoked, or `auth.api_key` changed or removed. Each use checks all of this.

use std::time::Duration;

use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

use super::KeyChecker;
use crate::clock;
use crate::store::{NewUiSession, Store, StoreError, UiSessionRecord};

/// Random bytes in a session id and in a CSRF token.
const RANDOM_BYTES: usize = 32;
/// How stale `last_seen_at` may get before a use writes it again (one write per request would
/// make every read a write).
const TOUCH_EVERY: time::Duration = time::Duration::minutes(1);

/// A session just opened: the values for the browser's two cookies, shown only now.
#[derive(Debug, Clone)]
pub struct OpenedSession {
    pub id: String,
    pub csrf_token: String,
    pub key_name: String,
    pub expires_at: String,
}

/// A session that is valid now.
#[derive(Debug, Clone)]
pub struct ActiveSession {
    pub key_name: String,
    pub csrf_token: String,
    pub expires_at: String,
}

impl ActiveSession {
    /// Whether `presented` is this session's CSRF token (compared in constant time).
    pub fn csrf_matches(&self, presented: Option<&str>) -> bool {
        presented.is_some_and(|token| bool::from(token.as_bytes().ct_eq(self.csrf_token.as_bytes())))
    }
}

/// Opens, checks and ends UI sessions; cheap to clone.
#[derive(Clone)]
pub struct UiSessions {
    store: Store,
    keys: KeyChecker,
    lifetime: Duration,
}

impl UiSessions {
    pub fn new(store: Store, keys: KeyChecker, lifetime: Duration) -> UiSessions {
        UiSessions { store, keys, lifetime }
    }

    /// How long a session lasts from its sign-in.
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// Opens a session with `presented`, or `None` when it is not a valid key.
    pub async fn open(&self, presented: &str) -> Result<Option<OpenedSession>, StoreError> {
        let Some(key) = self.keys.identify_key(presented).await? else { return Ok(None) };
        let id = random_token();
        let id_hash = hash(&id);
        let configured_key_check = match (&key.id, self.keys.configured_hash()) {
            (None, Some(configured)) => Some(configured_key_check(&id, &configured)),
            _ => None,
        };
        let expires_at = clock::format(OffsetDateTime::now_utc() + self.lifetime);
        let new = NewUiSession {
            id_hash,
            api_key_id: key.id,
            key_name: key.name,
            configured_key_check,
            csrf_token: random_token(),
            expires_at,
        };
        let stored = self.store.insert_ui_session(new).await?;
        Ok(Some(OpenedSession {
            id,
            csrf_token: stored.csrf_token,
            key_name: stored.key_name,
            expires_at: stored.expires_at,
        }))
    }

    /// The session of the cookie value `id` if it is valid now; `None` if it is unknown, ended,
    /// expired, or its key is no longer valid.
    pub async fn check(&self, id: &str) -> Result<Option<ActiveSession>, StoreError> {
        let id_hash = hash(id);
        let Some(record) = self.store.ui_session(id_hash).await? else { return Ok(None) };
        let now = OffsetDateTime::now_utc();
        if !self.still_valid(id, &record, now) {
            return Ok(None);
        }
        if clock::parse(&record.last_seen_at).is_none_or(|seen| now - seen > TOUCH_EVERY) {
            self.store.touch_ui_session(id_hash).await?;
        }
        Ok(Some(ActiveSession {
            key_name: record.key_name,
            csrf_token: record.csrf_token,
            expires_at: record.expires_at,
        }))
    }

    fn still_valid(&self, id: &str, record: &UiSessionRecord, now: OffsetDateTime) -> bool {
        let unexpired = clock::parse(&record.expires_at).is_some_and(|expires| now < expires);
        let key_valid = match &record.api_key_id {
            Some(_) => !record.key_revoked,
            // Opened with the configured key: only while that same key is configured.
            None => match (self.keys.configured_hash(), &record.configured_key_check) {
                (Some(configured), Some(check)) => bool::from(configured_key_check(id, &configured).ct_eq(check)),
                _ => false,
            },
        };
        record.ended_at.is_none() && unexpired && key_valid
    }

    /// Ends the session of the cookie value `id` (sign-out).
    pub async fn end(&self, id: &str) -> Result<(), StoreError> {
        self.store.end_ui_session(hash(id)).await
    }
}

/// 256 random bits, as hex.
fn random_token() -> String {
    let mut bytes = [0u8; RANDOM_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn hash(id: &str) -> [u8; 32] {
    Sha256::digest(id.as_bytes()).into()
}

/// Ties a session to the configured key's hash; a copy of the database, without the session
/// id, says nothing about the key.
fn configured_key_check(id: &str, configured_hash: &[u8; 32]) -> [u8; 32] {
    let mut digest = Sha256::new();
    digest.update(b"skyvern ui session\0");
    digest.update(id.as_bytes());
    digest.update(b"\0");
    digest.update(configured_hash);
    digest.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_are_256_random_bits_and_stored_only_hashed() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(hex::decode(&a).unwrap().len(), RANDOM_BYTES);
        assert_ne!(hash(&a).to_vec(), a.as_bytes());
    }

    #[test]
    fn a_csrf_token_must_match_exactly() {
        let session = ActiveSession { key_name: "k".into(), csrf_token: "abc".into(), expires_at: String::new() };
        assert!(session.csrf_matches(Some("abc")));
        assert!(!session.csrf_matches(Some("abd")) && !session.csrf_matches(Some("")) && !session.csrf_matches(None));
    }
}
