//! The data directory, held by one appliance at a time.
//!
//! `skyvern serve` works on the directory's canonical path (absolute, links resolved), so two
//! appliances started from different working directories never take each other's relative path
//! for their own. It holds an OS lock (`flock`) on `<data_dir>/skyvern.lock` for as long as it
//! runs: a second `skyvern serve` on the same directory is refused, and the kernel releases the
//! lock when the process ends, however it ends (`kill -9` included), so a restart never waits for
//! a stale lock. `skyvern reindex` and `skyvern restore` take the same lock, so they never work
//! beside an appliance. The other commands (`api-key`, `backup`) take no lock: they work beside a
//! running appliance, through SQLite's own locking. `skyvern doctor` only asks whether the lock is held
//! (`holder`). `disk_usage` says how much the directory holds and how much room its file system
//! has left.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

const LOCK_FILE: &str = "skyvern.lock";

/// What the data directory holds and the room around it, in bytes.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct DiskUsage {
    /// The sizes of the files below the directory (links are not followed).
    pub used_bytes: u64,
    /// What the file system has left for the appliance's user.
    pub free_bytes: u64,
    pub total_bytes: u64,
}

/// Walks the directory and asks its file system; blocking, so called off the async threads.
/// Files that vanish during the walk (a run's temporary files) are skipped.
pub fn disk_usage(path: &Path) -> std::io::Result<DiskUsage> {
    let stats = fs4::statvfs(path)?;
    Ok(DiskUsage {
        used_bytes: bytes_below(path),
        free_bytes: stats.available_space(),
        total_bytes: stats.total_space(),
    })
}

/// What the file system holding `path` has left for the appliance's user.
pub fn free_bytes(path: &Path) -> std::io::Result<u64> {
    Ok(fs4::statvfs(path)?.available_space())
}

/// The sizes of the files below `dir` (links are not followed; none if it does not exist).
pub fn bytes_below(dir: &Path) -> u64 {
    let mut total = 0;
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            match entry.metadata() {
                Ok(meta) if meta.is_dir() => pending.push(entry.path()),
                Ok(meta) if meta.is_file() => total += meta.len(),
                _ => {}
            }
        }
    }
    total
}

#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    #[error("cannot use the data directory {path}: {source}")]
    Unusable { path: PathBuf, source: std::io::Error },
    #[error(
        "the data directory {path} is already used by another `skyvern serve`{holder}; stop it, or give this one another storage.data_dir"
    )]
    InUse { path: PathBuf, holder: String },
}

/// Creates the data directory if it is missing; returns its canonical path.
pub fn canonical(path: &Path) -> Result<PathBuf, DataDirError> {
    let unusable = |source| DataDirError::Unusable { path: path.to_owned(), source };
    std::fs::create_dir_all(path).map_err(unusable)?;
    path.canonicalize().map_err(unusable)
}

/// The lock file of a data directory.
pub fn lock_path(data_dir: &Path) -> PathBuf {
    data_dir.join(LOCK_FILE)
}

/// The lock on a data directory; released when dropped or when the process ends.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    /// Takes the lock on `data_dir` (canonical), or says which process holds it.
    pub fn acquire(data_dir: &Path) -> Result<DataDirLock, DataDirError> {
        let unusable = |source| DataDirError::Unusable { path: data_dir.to_owned(), source };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(lock_path(data_dir))
            .map_err(unusable)?;
        match file.try_lock() {
            Ok(()) => {
                // The holder's process id, for the message of the one refused.
                file.set_len(0).and_then(|()| file.rewind()).map_err(unusable)?;
                writeln!(file, "{}", std::process::id()).map_err(unusable)?;
                Ok(DataDirLock { _file: file })
            }
            Err(TryLockError::WouldBlock) => {
                let mut pid = String::new();
                let _ = file.read_to_string(&mut pid);
                let holder = match pid.trim() {
                    "" => String::new(),
                    pid => format!(" (process {pid})"),
                };
                Err(DataDirError::InUse { path: data_dir.to_owned(), holder })
            }
            Err(TryLockError::Error(source)) => Err(unusable(source)),
        }
    }
}

/// Whether a `skyvern serve` holds `data_dir`, and its process id if it wrote one, without taking
/// the lock: the lock file is opened read-only (never created) and locked shared for as long as
/// the question takes. A `serve` starting in that very instant would be refused once.
pub fn holder(data_dir: &Path) -> Result<Option<String>, DataDirError> {
    let unusable = |source| DataDirError::Unusable { path: data_dir.to_owned(), source };
    let mut file = match File::open(lock_path(data_dir)) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(unusable(error)),
    };
    match file.try_lock_shared() {
        Ok(()) => Ok(None),
        Err(TryLockError::WouldBlock) => {
            let mut pid = String::new();
            let _ = file.read_to_string(&mut pid);
            Ok(Some(pid.trim().to_owned()))
        }
        Err(TryLockError::Error(source)) => Err(unusable(source)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_is_held_until_dropped_and_names_its_holder() {
        let dir = tempfile::tempdir().unwrap();
        let dir = canonical(dir.path()).unwrap();
        let held = DataDirLock::acquire(&dir).unwrap();
        let refused = DataDirLock::acquire(&dir).unwrap_err().to_string();
        assert!(refused.contains(&*dir.to_string_lossy()), "{refused}");
        assert!(refused.contains(&format!("process {}", std::process::id())), "{refused}");
        drop(held);
        assert!(DataDirLock::acquire(&dir).is_ok(), "free again once dropped");
    }

    #[test]
    fn the_holder_is_named_without_taking_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let dir = canonical(dir.path()).unwrap();
        assert_eq!(holder(&dir).unwrap(), None, "no lock file yet");
        assert!(!dir.join(LOCK_FILE).exists(), "asking creates nothing");
        let held = DataDirLock::acquire(&dir).unwrap();
        assert_eq!(holder(&dir).unwrap(), Some(std::process::id().to_string()));
        assert!(DataDirLock::acquire(&dir).is_err(), "still held by the first");
        drop(held);
        assert_eq!(holder(&dir).unwrap(), None);
        let again = DataDirLock::acquire(&dir);
        assert!(again.is_ok(), "asking left no lock behind");
    }

    #[test]
    fn a_relative_data_directory_becomes_absolute_and_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/../b/data");
        let path = canonical(&nested).unwrap();
        assert!(path.is_absolute() && path.is_dir());
        assert_eq!(path, dir.path().canonicalize().unwrap().join("b/data"));
    }
}
