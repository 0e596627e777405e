//! Backups of a whole data directory, and restoring one.
//!
//! A backup is a directory laid out like the data directory: the database as a consistent copy
//! taken by the store (`VACUUM INTO`, while the appliance writes), then every other file below
//! the data directory (artifacts, session recordings, uploaded files, recordings in progress)
//! copied as it is, and last a manifest (`skyvern-backup.json`) that marks the backup complete.
//! The database is copied first: files are written before the rows that name them, so every file
//! the copied database names is in the backup (a file written later is copied too, unnamed, and
//! harmless). Browser profiles, credentials and everything else kept in rows come with the
//! database, sealed as they are stored.
//!
//! Never copied (`Layout::left_out`): the vault key (kept apart, so a backup alone opens no
//! credential), the lock, the search index (rebuilt from the database), and the working folders
//! the appliance empties at every start (Chromium's profiles, downloads in progress).
//!
//! A restore copies a backup into the data directory: into an empty one, or, when forced, into
//! one whose contents it first removes, keeping the lock and the vault key. The database is copied
//! last, under a temporary name renamed into place, so an interrupted restore leaves no database
//! that looks whole. A vault key given with the backup is put in place beside it; a restore never
//! replaces a vault key that is there. Holding the data directory's lock, and rebuilding the search
//! index, are the caller's.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::clock;
use crate::store::{Store, StoreError};

/// The file that marks a backup complete, written last.
pub const MANIFEST: &str = "skyvern-backup.json";

/// The vault key's permissions: its owner's only.
const KEY_MODE: u32 = 0o600;

/// Where a data directory's parts are, as backups see them.
#[derive(Debug, Clone)]
pub struct Layout {
    pub data_dir: PathBuf,
    /// The database; copied by the store, not as a file.
    pub database: PathBuf,
    /// Where the vault key is (in the data directory or elsewhere); never copied, never replaced.
    pub vault_key: PathBuf,
    /// The lock held by the appliance (and by a restore); never copied, never removed.
    pub lock: PathBuf,
    /// Below the data directory, besides the database, the key and the lock, what no backup holds.
    pub left_out: Vec<PathBuf>,
}

impl Layout {
    /// The database's own files beside it (its write-ahead log and shared memory).
    fn database_files(&self) -> Vec<PathBuf> {
        let name = self.database.file_name().unwrap_or_default().to_string_lossy().into_owned();
        ["", "-wal", "-shm", "-journal"]
            .iter()
            .map(|suffix| self.database.with_file_name(format!("{name}{suffix}")))
            .collect()
    }

    /// Whether `path`, below the data directory, stays out of a backup.
    fn is_left_out(&self, path: &Path) -> bool {
        path == self.vault_key
            || path == self.lock
            || self.left_out.iter().any(|left_out| path == left_out)
            || self.database_files().iter().any(|file| path == file)
    }

    /// The database's name in a backup: the same as in the data directory.
    fn database_name(&self) -> &std::ffi::OsStr {
        self.database.file_name().unwrap_or_default()
    }
}

/// What a backup records about itself.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// The version of the appliance that wrote it.
    pub skyvern_version: String,
    pub created_at: String,
    /// Files copied besides the database, and their bytes.
    pub files: u64,
    pub bytes: u64,
}

/// Files copied, and their bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Copied {
    pub files: u64,
    pub bytes: u64,
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct Restored {
    pub manifest: Manifest,
    pub copied: Copied,
    /// Entries of the data directory removed first (with `force`).
    pub removed: usize,
    /// Whether the vault key given with the backup was put in place (false: it was there already).
    pub vault_key_placed: bool,
}

/// How a restore goes.
#[derive(Debug, Clone, Default)]
pub struct RestoreOptions {
    /// The backup's vault key, to put where the appliance reads it.
    pub vault_key: Option<PathBuf>,
    /// Replace what a non-empty data directory holds.
    pub force: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{path} is not empty: a backup is written into a new or empty directory")]
    TargetNotEmpty { path: PathBuf },
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a complete backup of the appliance: {reason}")]
    NotABackup { path: PathBuf, reason: String },
    #[error(
        "the backup {path} was written by a newer appliance (its database has {migrations}); restore it with that \
         version"
    )]
    Newer { path: PathBuf, migrations: String },
    #[error(
        "the data directory {path} is not empty (it holds {entries}); restore into an empty one, or add --force to \
         replace what it holds"
    )]
    DataDirNotEmpty { path: PathBuf, entries: String },
    #[error("the backup {backup} is inside the data directory it would replace; move it out first")]
    InsideDataDir { backup: PathBuf },
    #[error("{path} is inside the data directory it would copy; write the backup elsewhere")]
    TargetInsideDataDir { path: PathBuf },
    #[error(
        "another vault key is at {path}; a restore never replaces a vault key: move that file away first (it opens \
         what was sealed under it), or restore without --vault-key to keep it"
    )]
    OtherVaultKey { path: PathBuf },
    #[error("the database copy failed: {0}")]
    Store(#[from] StoreError),
    #[error("the copy stopped: {0}")]
    Worker(String),
}

/// Writes a backup of the data directory into `target` (created when missing; refused when it
/// holds anything) while the appliance may run.
pub async fn back_up(layout: &Layout, store: &Store, target: &Path) -> Result<Manifest, BackupError> {
    let existed = target.exists();
    make_empty_dir(target)?;
    let canonical = target.canonicalize().map_err(|source| BackupError::Read { path: target.to_owned(), source })?;
    if canonical.starts_with(&layout.data_dir) {
        if !existed {
            let _ = std::fs::remove_dir(target);
        }
        return Err(BackupError::TargetInsideDataDir { path: target.to_owned() });
    }
    store.backup_to(&target.join(layout.database_name())).await?;
    let (layout, into) = (layout.clone(), target.to_owned());
    let copied =
        blocking(move || copy_tree(&layout.data_dir, &into, &|path| layout.is_left_out(path), Missing::Skip)).await??;
    let manifest = Manifest {
        skyvern_version: env!("CARGO_PKG_VERSION").to_owned(),
        created_at: clock::now(),
        files: copied.files,
        bytes: copied.bytes,
    };
    write_manifest(target, &manifest)?;
    Ok(manifest)
}

/// Restores the backup at `backup` into the data directory; the caller holds its lock.
/// Everything is checked before anything is changed.
pub async fn restore(layout: &Layout, backup: &Path, options: RestoreOptions) -> Result<Restored, BackupError> {
    let manifest = read_manifest(backup)?;
    let database = backup.join(layout.database_name());
    if !database.is_file() {
        return Err(BackupError::NotABackup { path: backup.to_owned(), reason: "it has no database".into() });
    }
    let status = blocking({
        let database = database.clone();
        move || Store::migration_status(&database)
    })
    .await??;
    if !status.unknown.is_empty() {
        return Err(BackupError::Newer { path: backup.to_owned(), migrations: status.unknown.join(", ") });
    }
    let (layout, backup, database) = (layout.clone(), backup.to_owned(), database.clone());
    blocking(move || {
        let backup = backup.canonicalize().map_err(|source| BackupError::Read { path: backup.clone(), source })?;
        if backup.starts_with(&layout.data_dir) {
            return Err(BackupError::InsideDataDir { backup });
        }
        let key_placed = match &options.vault_key {
            Some(key) => !same_key_in_place(key, &layout.vault_key)?,
            None => false,
        };
        let removed = make_room(&layout, options.force)?;
        let not_restored = |path: &Path| {
            path.parent() == Some(&*backup)
                && path.file_name().is_some_and(|name| name == MANIFEST || name == layout.database_name())
        };
        let copied = copy_tree(&backup, &layout.data_dir, &not_restored, Missing::Fail)?;
        copy_database(&database, &layout.database)?;
        if let (Some(key), true) = (&options.vault_key, key_placed) {
            place_key(key, &layout.vault_key)?;
        }
        Ok(Restored { manifest, copied, removed, vault_key_placed: key_placed })
    })
    .await?
}

/// Runs blocking file work off the async threads.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, BackupError> {
    tokio::task::spawn_blocking(work).await.map_err(|join| BackupError::Worker(join.to_string()))
}

/// Creates `target`, or accepts it when it is an empty directory.
fn make_empty_dir(target: &Path) -> Result<(), BackupError> {
    std::fs::create_dir_all(target).map_err(|source| BackupError::Write { path: target.to_owned(), source })?;
    let mut entries =
        std::fs::read_dir(target).map_err(|source| BackupError::Read { path: target.to_owned(), source })?;
    if entries.next().is_some() {
        return Err(BackupError::TargetNotEmpty { path: target.to_owned() });
    }
    Ok(())
}

fn write_manifest(target: &Path, manifest: &Manifest) -> Result<(), BackupError> {
    let path = target.join(MANIFEST);
    let text = serde_json::to_vec_pretty(manifest).expect("a manifest serializes");
    let write = |source| BackupError::Write { path: path.clone(), source };
    let mut file = File::create(&path).map_err(write)?;
    file.write_all(&text).and_then(|()| file.sync_all()).map_err(write)
}

fn read_manifest(backup: &Path) -> Result<Manifest, BackupError> {
    let path = backup.join(MANIFEST);
    let not_a_backup = |reason: String| BackupError::NotABackup { path: backup.to_owned(), reason };
    let text = std::fs::read(&path).map_err(|error| match error.kind() {
        ErrorKind::NotFound => not_a_backup(format!("{MANIFEST} is missing (a backup writes it last)")),
        _ => BackupError::Read { path: path.clone(), source: error },
    })?;
    serde_json::from_slice(&text).map_err(|error| not_a_backup(format!("{MANIFEST} does not read: {error}")))
}

/// Whether the key at `wanted` is already at `place`: true when the same bytes are there, false
/// when nothing is; another key there is refused.
fn same_key_in_place(wanted: &Path, place: &Path) -> Result<bool, BackupError> {
    let read = |path: &Path| {
        std::fs::read(path).map(Zeroizing::new).map_err(|source| BackupError::Read { path: path.to_owned(), source })
    };
    let wanted = read(wanted)?;
    if !place.exists() {
        return Ok(false);
    }
    if read(place)? == wanted { Ok(true) } else { Err(BackupError::OtherVaultKey { path: place.to_owned() }) }
}

/// Writes the key at `from` to `to`, private to its owner, never over a file.
fn place_key(from: &Path, to: &Path) -> Result<(), BackupError> {
    let key = std::fs::read(from)
        .map(Zeroizing::new)
        .map_err(|source| BackupError::Read { path: from.to_owned(), source })?;
    let write = |source| BackupError::Write { path: to.to_owned(), source };
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(write)?;
    }
    let mut file = OpenOptions::new().write(true).create_new(true).mode(KEY_MODE).open(to).map_err(write)?;
    file.write_all(&key).and_then(|()| file.sync_all()).map_err(write)
}

/// Empties the data directory of all but its lock and vault key, when `force` allows it; returns
/// how many entries were removed.
fn make_room(layout: &Layout, force: bool) -> Result<usize, BackupError> {
    let dir = &layout.data_dir;
    let read = |source| BackupError::Read { path: dir.clone(), source };
    let mut present = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read)? {
        let path = entry.map_err(read)?.path();
        if path != layout.lock && path != layout.vault_key {
            present.push(path);
        }
    }
    if present.is_empty() {
        return Ok(0);
    }
    if !force {
        let mut names: Vec<String> =
            present.iter().filter_map(|path| Some(path.file_name()?.to_string_lossy().into_owned())).collect();
        names.sort();
        return Err(BackupError::DataDirNotEmpty { path: dir.clone(), entries: names.join(", ") });
    }
    for path in &present {
        let removed = if path.is_dir() && !path.is_symlink() {
            std::fs::remove_dir_all(path)
        } else {
            std::fs::remove_file(path)
        };
        removed.map_err(|source| BackupError::Write { path: path.clone(), source })?;
    }
    Ok(present.len())
}

/// Copies the database to a temporary name beside its place, then renames it into place.
fn copy_database(from: &Path, to: &Path) -> Result<(), BackupError> {
    let partial = to.with_extension("db.restoring");
    let write = |source| BackupError::Write { path: to.to_owned(), source };
    std::fs::copy(from, &partial).map_err(|source| BackupError::Read { path: from.to_owned(), source })?;
    File::open(&partial).and_then(|file| file.sync_all()).map_err(write)?;
    std::fs::rename(&partial, to).map_err(write)
}

/// What to do with a file that vanishes while it is copied.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Missing {
    /// The appliance removed it while a backup was taken: it is not needed.
    Skip,
    Fail,
}

/// Copies the regular files and directories below `from` into `to`, leaving out the paths
/// `left_out` names (and anything below them). Links, sockets and other special files are not
/// copied: the appliance writes none that need keeping.
fn copy_tree(
    from: &Path,
    to: &Path,
    left_out: &dyn Fn(&Path) -> bool,
    missing: Missing,
) -> Result<Copied, BackupError> {
    let mut copied = Copied::default();
    let mut pending = vec![(from.to_owned(), to.to_owned())];
    while let Some((source_dir, target_dir)) = pending.pop() {
        let entries = match std::fs::read_dir(&source_dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == ErrorKind::NotFound && missing == Missing::Skip => continue,
            Err(source) => return Err(BackupError::Read { path: source_dir, source }),
        };
        std::fs::create_dir_all(&target_dir)
            .map_err(|source| BackupError::Write { path: target_dir.clone(), source })?;
        for entry in entries {
            let entry = entry.map_err(|source| BackupError::Read { path: source_dir.clone(), source })?;
            let path = entry.path();
            if left_out(&path) {
                continue;
            }
            let target = target_dir.join(entry.file_name());
            let file_type = match entry.file_type() {
                Ok(file_type) => file_type,
                Err(error) if error.kind() == ErrorKind::NotFound && missing == Missing::Skip => continue,
                Err(source) => return Err(BackupError::Read { path, source }),
            };
            if file_type.is_dir() {
                pending.push((path, target));
            } else if file_type.is_file() {
                match std::fs::copy(&path, &target) {
                    Ok(bytes) => {
                        copied.files += 1;
                        copied.bytes += bytes;
                    }
                    Err(error) if error.kind() == ErrorKind::NotFound && missing == Missing::Skip => {}
                    Err(source) => return Err(BackupError::Write { path: target, source }),
                }
            }
        }
    }
    Ok(copied)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(data_dir: &Path) -> Layout {
        Layout {
            data_dir: data_dir.to_owned(),
            database: data_dir.join("skyvern.db"),
            vault_key: data_dir.join("vault.key"),
            lock: data_dir.join("skyvern.lock"),
            left_out: vec![data_dir.join("search-index")],
        }
    }

    #[test]
    fn a_tree_is_copied_without_what_is_left_out() {
        let (from, to) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let layout = layout(from.path());
        for (path, bytes) in [
            ("artifacts/tsk_1/a_1.png", &b"png"[..]),
            ("uploads/file_1/report.pdf", b"pdf"),
            ("search-index/meta.json", b"{}"),
            ("vault.key", b"key"),
            ("skyvern.lock", b"1"),
            ("skyvern.db-wal", b"wal"),
        ] {
            let path = from.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        let copied = copy_tree(from.path(), to.path(), &|path| layout.is_left_out(path), Missing::Fail).unwrap();
        assert_eq!(copied, Copied { files: 2, bytes: 6 });
        assert_eq!(std::fs::read(to.path().join("artifacts/tsk_1/a_1.png")).unwrap(), b"png");
        assert_eq!(std::fs::read(to.path().join("uploads/file_1/report.pdf")).unwrap(), b"pdf");
        for left_out in ["search-index", "vault.key", "skyvern.lock", "skyvern.db-wal"] {
            assert!(!to.path().join(left_out).exists(), "{left_out} was copied");
        }
    }

    #[test]
    fn room_is_made_only_when_forced_and_keeps_the_lock_and_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let layout = layout(dir.path());
        std::fs::write(&layout.lock, b"1").unwrap();
        std::fs::write(&layout.vault_key, b"key").unwrap();
        assert_eq!(make_room(&layout, false).unwrap(), 0, "the lock and the key alone leave it empty");
        std::fs::create_dir_all(dir.path().join("artifacts/tsk_1")).unwrap();
        std::fs::write(&layout.database, b"db").unwrap();
        let refused = make_room(&layout, false).unwrap_err().to_string();
        assert!(refused.contains("artifacts, skyvern.db") && refused.contains("--force"), "{refused}");
        assert_eq!(make_room(&layout, true).unwrap(), 2);
        assert!(layout.lock.exists() && layout.vault_key.exists());
        assert!(!layout.database.exists() && !dir.path().join("artifacts").exists());
    }

    #[test]
    fn a_vault_key_is_placed_privately_and_never_over_another() {
        let dir = tempfile::tempdir().unwrap();
        let (given, place) = (dir.path().join("given.key"), dir.path().join("data/vault.key"));
        std::fs::write(&given, [7u8; 32]).unwrap();
        assert!(!same_key_in_place(&given, &place).unwrap(), "nothing in place yet");
        place_key(&given, &place).unwrap();
        assert_eq!(std::fs::read(&place).unwrap(), [7u8; 32]);
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&place).unwrap().permissions().mode() & 0o777, KEY_MODE);
        assert!(same_key_in_place(&given, &place).unwrap(), "the same key is in place");
        std::fs::write(&given, [8u8; 32]).unwrap();
        let refused = same_key_in_place(&given, &place).unwrap_err();
        assert!(matches!(refused, BackupError::OtherVaultKey { .. }), "{refused}");
    }
}
