//! Room for new runs: while the data directory's file system has less than
//! `retention.min_free_gb` free, no new run is started; runs already going on go on.

use std::path::PathBuf;

use crate::config::RetentionConfig;

/// Whether there is room on the data directory's disk for a new run; cheap to clone.
#[derive(Debug, Clone)]
pub struct DiskRoom {
    data_dir: PathBuf,
    min_free_bytes: u64,
}

/// Too little free space for a new run.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "new runs are refused: the disk of the appliance's data directory has {} free, less than \
     retention.min_free_gb ({}). Free space on that disk (delete other files there, or let retention \
     remove old runs: set retention.max_age_days or retention.max_disk_gb), or lower \
     retention.min_free_gb. Runs already going on continue.",
    gigabytes(*.free_bytes),
    gigabytes(*.min_free_bytes)
)]
pub struct DiskLow {
    pub free_bytes: u64,
    pub min_free_bytes: u64,
}

fn gigabytes(bytes: u64) -> String {
    format!("{:.2} GB", bytes as f64 / 1e9)
}

impl DiskRoom {
    pub fn new(data_dir: PathBuf, min_free_gb: f64) -> DiskRoom {
        DiskRoom { data_dir, min_free_bytes: RetentionConfig::bytes(min_free_gb) }
    }

    pub fn min_free_bytes(&self) -> u64 {
        self.min_free_bytes
    }

    /// What is short when the disk has `free_bytes` left, if anything.
    pub fn shortage(&self, free_bytes: u64) -> Option<DiskLow> {
        (free_bytes < self.min_free_bytes).then_some(DiskLow { free_bytes, min_free_bytes: self.min_free_bytes })
    }

    /// Reads the free space now (off the async threads). A disk whose free space cannot be read
    /// lets the run through: writing its files then says what is wrong.
    pub async fn check(&self) -> Result<(), DiskLow> {
        if self.min_free_bytes == 0 {
            return Ok(());
        }
        let data_dir = self.data_dir.clone();
        match tokio::task::spawn_blocking(move || crate::data_dir::free_bytes(&data_dir)).await {
            Ok(Ok(free_bytes)) => self.shortage(free_bytes).map_or(Ok(()), Err),
            Ok(Err(error)) => {
                tracing::warn!(%error, "the data directory's free space cannot be read");
                Ok(())
            }
            Err(join) => {
                tracing::warn!(error = %join, "the data directory's free space could not be read");
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_disk_with_less_free_space_than_asked_refuses_and_says_what_to_free() {
        let dir = tempfile::tempdir().unwrap();
        assert!(DiskRoom::new(dir.path().to_owned(), 0.0).check().await.is_ok(), "0 turns the check off");
        let refused = DiskRoom::new(dir.path().to_owned(), 1e9).check().await.unwrap_err();
        assert_eq!(refused.min_free_bytes, 1_000_000_000_000_000_000);
        let message = refused.to_string();
        assert!(message.contains("retention.min_free_gb (1000000000.00 GB)"), "{message}");
        assert!(message.contains("Free space on that disk"), "{message}");
    }
}
