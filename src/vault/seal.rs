//! Sealing values with the vault key: XChaCha20-Poly1305 (RustCrypto), a fresh random 24-byte
//! nonce for every sealing, and the id of what it belongs to (a credential, a browser profile, a
//! run's final storage) as associated data, so a sealed value copied onto another row does not open.

use std::fmt;

use chacha20poly1305::aead::{Aead, Generate, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

/// The length of a vault key, in bytes.
pub const KEY_BYTES: usize = 32;

/// A sealed value: its nonce and its ciphertext (with the 16-byte tag at its end).
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sealed({} bytes)", self.ciphertext.len())
    }
}

/// A sealed value that does not open: sealed under another key, for another credential, or damaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the sealed value does not open with this vault key")]
pub struct DoesNotOpen;

/// The key that seals every credential's values. `Debug` prints nothing of it; its memory is
/// wiped when it is dropped.
pub struct VaultKey {
    cipher: XChaCha20Poly1305,
}

impl VaultKey {
    pub fn from_bytes(bytes: &[u8; KEY_BYTES]) -> VaultKey {
        VaultKey { cipher: XChaCha20Poly1305::new(&Key::from(*bytes)) }
    }

    /// A new random key's bytes, from the operating system's generator.
    pub fn random_bytes() -> Zeroizing<[u8; KEY_BYTES]> {
        Zeroizing::new(Key::generate().into())
    }

    /// Seals `plaintext` for what has the id `owner`.
    pub fn seal(&self, owner: &str, plaintext: &[u8]) -> Sealed {
        let nonce = XNonce::generate();
        let ciphertext = self
            .cipher
            .encrypt(&nonce, Payload { msg: plaintext, aad: owner.as_bytes() })
            .expect("XChaCha20-Poly1305 seals any value that fits in memory");
        Sealed { nonce: nonce.to_vec(), ciphertext }
    }

    /// Opens what was sealed for `owner`.
    pub fn open(&self, owner: &str, sealed: &Sealed) -> Result<Zeroizing<Vec<u8>>, DoesNotOpen> {
        let nonce = XNonce::try_from(sealed.nonce.as_slice()).map_err(|_| DoesNotOpen)?;
        let payload = Payload { msg: sealed.ciphertext.as_slice(), aad: owner.as_bytes() };
        self.cipher.decrypt(&nonce, payload).map(Zeroizing::new).map_err(|_| DoesNotOpen)
    }
}

impl fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VaultKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::CredentialId;

    fn a_key() -> VaultKey {
        VaultKey::from_bytes(&VaultKey::random_bytes())
    }

    #[test]
    fn a_sealed_value_opens_with_its_key_for_its_credential_only() {
        let (key, id) = (a_key(), CredentialId::generate());
        let id = id.as_str();
        let sealed = key.seal(id, b"correct horse battery staple");
        assert_eq!(key.open(id, &sealed).unwrap().as_slice(), b"correct horse battery staple");
        assert_eq!(a_key().open(id, &sealed), Err(DoesNotOpen), "another key");
        assert_eq!(key.open(CredentialId::generate().as_str(), &sealed), Err(DoesNotOpen), "another credential");
        let mut damaged = sealed.clone();
        damaged.ciphertext[0] ^= 1;
        assert_eq!(key.open(id, &damaged), Err(DoesNotOpen), "a changed byte");
    }

    #[test]
    fn sealing_twice_uses_two_nonces_and_never_shows_the_plaintext() {
        let (key, id) = (a_key(), CredentialId::generate());
        let (first, second) = (key.seal(id.as_str(), b"hunter2hunter2"), key.seal(id.as_str(), b"hunter2hunter2"));
        assert_eq!(first.nonce.len(), 24);
        assert_ne!(first.nonce, second.nonce);
        assert_ne!(first.ciphertext, second.ciphertext);
        assert!(!first.ciphertext.windows(7).any(|window| window == b"hunter2"));
        assert!(!format!("{key:?} {first:?}").contains("hunter2"));
    }
}
