//! Retrying transient provider failures: exponential backoff with full jitter, and the
//! provider's `Retry-After` when it gives one. No wait is longer than `llm.max_retry_wait_seconds`,
//! whatever the provider sends (`1e30`, `inf`, `NaN`, a negative or a huge number).

use std::future::Future;
use std::time::Duration;

use rand::Rng;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use super::{AttemptError, LlmError};
use crate::config::LlmConfig;

pub(super) struct Policy {
    attempts: u32,
    base: Duration,
    /// Longest wait between attempts, whatever the provider asks.
    max_wait: Duration,
}

impl From<&LlmConfig> for Policy {
    fn from(settings: &LlmConfig) -> Policy {
        Policy {
            attempts: settings.max_retries + 1,
            base: Duration::from_millis(settings.retry_base_ms),
            max_wait: Duration::from_secs(settings.max_retry_wait_seconds),
        }
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
                    let wait = failure.retry_after.unwrap_or_else(|| self.backoff(number)).min(self.max_wait);
                    tracing::warn!(error = %failure.error, attempt = number, wait_ms = wait.as_millis() as u64, "model call failed; retrying");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// Full jitter: a random wait between zero and base × 2^(attempt − 1).
    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self.base.saturating_mul(1 << (attempt - 1).min(10)).min(self.max_wait);
        Duration::from_millis(rand::rng().random_range(0..=ceiling.as_millis() as u64))
    }
}

/// `Retry-After` in seconds (the HTTP-date form, and anything else that is not a number of
/// seconds, is read as "soon"); too large a number is read as "as long as you like", which the
/// policy caps.
pub(super) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    match value.parse::<f64>() {
        Ok(seconds) if seconds >= 0.0 => Some(Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX)),
        _ => Some(Duration::from_secs(1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_under_its_growing_ceiling() {
        let policy = Policy { attempts: 5, base: Duration::from_millis(100), max_wait: Duration::from_secs(60) };
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

    fn asked(value: &str) -> Duration {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, value.parse().unwrap());
        retry_after(&headers).unwrap()
    }

    #[test]
    fn absurd_retry_afters_are_read_without_panicking() {
        for huge in ["1e30", "inf", "+Infinity", "99999999999999999999999", "1.8e308"] {
            assert_eq!(asked(huge), Duration::MAX, "{huge}");
        }
        for soon in ["NaN", "-5", "-inf", "Wed, 21 Oct 2015 07:28:00 GMT", "soon"] {
            assert_eq!(asked(soon), Duration::from_secs(1), "{soon}");
        }
        assert_eq!(asked("0.25"), Duration::from_millis(250));
    }

    #[tokio::test]
    async fn a_wait_never_exceeds_the_configured_longest() {
        let policy = Policy { attempts: 2, base: Duration::from_millis(1), max_wait: Duration::from_millis(200) };
        let started = std::time::Instant::now();
        let mut calls = 0;
        let result: Result<(), LlmError> = policy
            .run(|| {
                calls += 1;
                let first = calls == 1;
                async move {
                    if first {
                        Err(AttemptError {
                            error: LlmError::RateLimited("slow down".into()),
                            transient: true,
                            retry_after: Some(Duration::MAX),
                        })
                    } else {
                        Ok(())
                    }
                }
            })
            .await;
        assert!(result.is_ok());
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(200) && waited < Duration::from_secs(5), "{waited:?}");
    }
}
