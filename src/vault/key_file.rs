//! The vault key's file: 32 random bytes, readable and writable by the appliance's user only
//! (mode 0600), made at the first start when it is missing. A file that exists but is open to
//! others, unreadable, or of another size stops the start-up with a message that says what to
//! do: a wrong key would leave every credential sealed, and a key others can read protects
//! nothing.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::seal::{KEY_BYTES, VaultKey};

/// The only permissions a key file may have: read and write by its owner (or less).
const PRIVATE_MODE: u32 = 0o600;

/// Why the key file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("cannot read the vault key file {path}: {source}")]
    Unreadable { path: PathBuf, source: std::io::Error },
    #[error("the vault key file {path} is not a file")]
    NotAFile { path: PathBuf },
    #[error("cannot create the vault key file {path}: {source}")]
    NotCreated { path: PathBuf, source: std::io::Error },
    #[error(
        "the vault key file {path} holds {length} bytes, not 32: it is not a vault key; put the right \
         file back, or set vault.key_file to it"
    )]
    WrongSize { path: PathBuf, length: u64 },
    #[error("the vault key file {path} is open to others (mode {mode:04o}); make it private with `chmod 600 {path}`")]
    OpenToOthers { path: PathBuf, mode: u32 },
}

/// A key read from its file, and whether it was made just now.
#[derive(Debug)]
pub struct LoadedKey {
    pub key: VaultKey,
    pub created: bool,
}

/// Reads the key at `path`, or makes one there if there is no file.
pub fn load_or_create(path: &Path) -> Result<LoadedKey, KeyFileError> {
    match File::open(path) {
        Ok(file) => Ok(LoadedKey { key: read_key(path, file)?, created: false }),
        Err(error) if error.kind() == ErrorKind::NotFound => create(path),
        Err(source) => Err(KeyFileError::Unreadable { path: path.to_owned(), source }),
    }
}

fn read_key(path: &Path, mut file: File) -> Result<VaultKey, KeyFileError> {
    let unreadable = |source| KeyFileError::Unreadable { path: path.to_owned(), source };
    let metadata = file.metadata().map_err(unreadable)?;
    if !metadata.is_file() {
        return Err(KeyFileError::NotAFile { path: path.to_owned() });
    }
    let mode = metadata.permissions().mode() & 0o777;
    if mode & !PRIVATE_MODE != 0 {
        return Err(KeyFileError::OpenToOthers { path: path.to_owned(), mode });
    }
    if metadata.len() != KEY_BYTES as u64 {
        return Err(KeyFileError::WrongSize { path: path.to_owned(), length: metadata.len() });
    }
    let mut bytes = Zeroizing::new([0u8; KEY_BYTES]);
    file.read_exact(bytes.as_mut()).map_err(unreadable)?;
    Ok(VaultKey::from_bytes(&bytes))
}

/// Writes a new random key to `path`, created with mode 0600 (never replacing a file that
/// appeared meanwhile) and synced, so a key that sealed a value is never lost to a crash.
fn create(path: &Path) -> Result<LoadedKey, KeyFileError> {
    let not_created = |source| KeyFileError::NotCreated { path: path.to_owned(), source };
    let bytes = VaultKey::random_bytes();
    let mut file =
        OpenOptions::new().write(true).create_new(true).mode(PRIVATE_MODE).open(path).map_err(not_created)?;
    file.write_all(bytes.as_ref()).and_then(|()| file.sync_all()).map_err(not_created)?;
    if let Some(directory) = path.parent().and_then(|parent| File::open(parent).ok()) {
        directory.sync_all().map_err(not_created)?;
    }
    tracing::info!(
        path = %path.display(),
        "a new vault key was made; keep a copy of this file apart from the database's backups"
    );
    Ok(LoadedKey { key: VaultKey::from_bytes(&bytes), created: true })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::CredentialId;

    #[test]
    fn a_missing_key_file_is_made_private_and_read_back_as_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.key");
        let made = load_or_create(&path).unwrap();
        assert!(made.created);
        let metadata = std::fs::metadata(&path).unwrap();
        assert_eq!(metadata.permissions().mode() & 0o777, 0o600);
        assert_eq!(metadata.len(), 32);

        let again = load_or_create(&path).unwrap();
        assert!(!again.created);
        let id = CredentialId::generate();
        let sealed = made.key.seal(id.as_str(), b"value");
        assert_eq!(again.key.open(id.as_str(), &sealed).unwrap().as_slice(), b"value", "the same key");
    }

    #[test]
    fn a_key_file_open_to_others_is_refused_with_the_command_that_fixes_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.key");
        load_or_create(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let refused = load_or_create(&path).unwrap_err();
        assert!(matches!(refused, KeyFileError::OpenToOthers { mode: 0o640, .. }), "{refused:?}");
        assert!(refused.to_string().contains(&format!("chmod 600 {}", path.display())), "{refused}");

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        assert!(load_or_create(&path).is_ok(), "narrower than 0600 is fine");
    }

    #[test]
    fn a_key_file_of_another_size_is_refused_and_left_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.key");
        std::fs::write(&path, b"too short").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let refused = load_or_create(&path).unwrap_err();
        assert!(matches!(refused, KeyFileError::WrongSize { length: 9, .. }), "{refused:?}");
        assert_eq!(std::fs::read(&path).unwrap(), b"too short");
    }

    #[test]
    fn a_directory_where_the_key_file_should_be_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.key");
        std::fs::create_dir(&path).unwrap();
        let refused = load_or_create(&path).unwrap_err();
        assert!(matches!(refused, KeyFileError::NotAFile { .. }), "{refused:?}");
    }
}
