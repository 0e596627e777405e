//! Retrying transient provider failures: exponential backoff with full jitter, and the
//! provider's `Retry-After` when it gives one.

use std::future::Future;
use std::time::Duration;

use rand::Rng;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use super::{AttemptError, LlmError};
use crate::config::LlmConfig;

/// Longest wait between attempts, whatever the provider asks.
const MAX_WAIT: Duration = Duration::from_secs(60);

pub(super) struct Policy {
    attempts: u32,
    base: Duration,
}

impl From<&LlmConfig> for Policy {
    fn from(settings: &LlmConfig) -> Policy {
        Policy { attempts: settings.max_retries + 1, base: Duration::from_millis(settings.retry_base_ms) }
    }
}

impl Policy {
    /// Runs `attempt` until it succeeds, fails for good, or the attempts run out.
    pub(super) async fn run<T, F, Fut>(&self, mut attempt: F) -> Result<T, LlmError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, AttemptError>>,
    {
        let mut number = 0;
        loop {
            number += 1;
            match attempt().await {
                Ok(value) => return Ok(value),
                Err(failure) if !failure.transient || number >= self.attempts => return Err(failure.error),
                Err(failure) => {
                    let wait = failure.retry_after.unwrap_or_else(|| self.backoff(number)).min(MAX_WAIT);
                    tracing::warn!(error = %failure.error, attempt = number, wait_ms = wait.as_millis() as u64, "model call failed; retrying");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// Full jitter: a random wait between zero and base × 2^(attempt − 1).
    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self.base.saturating_mul(1 << (attempt - 1).min(10)).min(MAX_WAIT);
        Duration::from_millis(rand::rng().random_range(0..=ceiling.as_millis() as u64))
    }
}

/// `Retry-After` in seconds (the HTTP-date form is read as "soon").
pub(super) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    match value.parse::<f64>() {
        Ok(seconds) if seconds >= 0.0 => Some(Duration::from_secs_f64(seconds)),
        _ => Some(Duration::from_secs(1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_under_its_growing_ceiling() {
        let policy = Policy { attempts: 5, base: Duration::from_millis(100) };
        for attempt in 1..=4 {
            for _ in 0..50 {
                assert!(policy.backoff(attempt) <= Duration::from_millis(100 << (attempt - 1)));
            }
        }
    }

    #[test]
    fn retry_after_is_read_in_seconds() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "2".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }
}
