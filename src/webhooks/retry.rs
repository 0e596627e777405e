//! What an answer means for a delivery, and when a failed one is tried again.
//!
//! 2xx delivers. Connection errors, timeouts, 5xx, 403, 408, 425 and 429 are worth another try:
//! the receiver may be restarting, overloaded or briefly misconfigured. Every other answer (other
//! 4xx, and 3xx, since redirects are not followed) will not change by retrying, so the delivery
//! fails at once. Waits grow exponentially from `first_retry_ms`, each a random share of its
//! bound ("full jitter", so receivers that came back are not hit by every sender at once), or as
//! long as the receiver's `Retry-After` asks; never longer than `max_retry_wait_seconds`, and
//! never past `retry_horizon_hours` after the delivery was made.

use std::time::{Duration, SystemTime};

use rand::Rng;
use time::OffsetDateTime;

use crate::config::WebhooksConfig;

/// What an attempt's result means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Delivered,
    /// Worth another try, after the receiver's `Retry-After` if it gave one.
    TryAgain {
        retry_after: Option<Duration>,
    },
    /// Retrying would not change the answer.
    Final,
}

/// The verdict on an answer with `status`, or on no answer at all (`None`).
pub fn verdict(status: Option<u16>, retry_after: Option<Duration>) -> Verdict {
    match status {
        Some(200..=299) => Verdict::Delivered,
        None | Some(403 | 408 | 425 | 429 | 500..) => Verdict::TryAgain { retry_after },
        Some(_) => Verdict::Final,
    }
}

/// A `Retry-After` header: seconds, or an HTTP date.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or_default())
}

/// When failed deliveries are tried again.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    first: Duration,
    max_wait: Duration,
    horizon: Duration,
}

impl RetryPolicy {
    pub fn from_config(config: &WebhooksConfig) -> RetryPolicy {
        RetryPolicy {
            first: Duration::from_millis(config.first_retry_ms),
            max_wait: Duration::from_secs(config.max_retry_wait_seconds),
            horizon: Duration::from_secs(config.retry_horizon_hours * 3600),
        }
    }

    /// When to try again after the `attempts`-th failed attempt of a delivery made at
    /// `created_at`; `None` when that would be past the horizon.
    pub fn next_attempt(
        &self,
        attempts: u32,
        retry_after: Option<Duration>,
        created_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Option<OffsetDateTime> {
        let wait = retry_after.unwrap_or_else(|| self.jittered(attempts)).min(self.max_wait);
        let at = now + wait;
        (at <= created_at + self.horizon).then_some(at)
    }

    /// A random wait up to `first * 2^(attempts - 1)`, capped at the longest wait.
    fn jittered(&self, attempts: u32) -> Duration {
        let doubling = 2u32.saturating_pow(attempts.saturating_sub(1).min(30));
        let bound = self.first.saturating_mul(doubling).min(self.max_wait);
        let millis = u64::try_from(bound.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::rng().random_range(0..=millis))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_worth_another_try_are_errors_5xx_403_408_425_and_429() {
        for status in [None, Some(403), Some(408), Some(425), Some(429), Some(500), Some(503)] {
            assert!(matches!(verdict(status, None), Verdict::TryAgain { .. }), "{status:?}");
        }
        for status in [301, 302, 400, 401, 404, 410, 422] {
            assert_eq!(verdict(Some(status), None), Verdict::Final, "{status}");
        }
        assert_eq!(verdict(Some(204), None), Verdict::Delivered);
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_as_a_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), Some(Duration::from_secs(0)));
        let earlier = now - Duration::from_secs(60);
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", earlier), Some(Duration::from_secs(60)));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    fn policy() -> RetryPolicy {
        RetryPolicy {
            first: Duration::from_millis(1000),
            max_wait: Duration::from_secs(60),
            horizon: Duration::from_secs(3600),
        }
    }

    #[test]
    fn waits_grow_exponentially_with_jitter_and_stop_at_the_longest_wait() {
        let now = OffsetDateTime::now_utc();
        for attempts in 1..=12u32 {
            let bound = Duration::from_millis(1000 * 2u64.pow(attempts - 1)).min(Duration::from_secs(60));
            for _ in 0..20 {
                let at = policy().next_attempt(attempts, None, now, now).unwrap();
                assert!(at - now <= bound, "attempt {attempts}: waited {} > {bound:?}", at - now);
            }
        }
        let asked = policy().next_attempt(1, Some(Duration::from_secs(7200)), now, now).unwrap();
        assert_eq!(asked - now, time::Duration::seconds(60), "Retry-After is capped at the longest wait");
        let asked = policy().next_attempt(1, Some(Duration::from_secs(30)), now, now).unwrap();
        assert_eq!(asked - now, time::Duration::seconds(30), "Retry-After is honoured");
    }

    #[test]
    fn no_attempt_is_planned_past_the_horizon() {
        let created = OffsetDateTime::now_utc() - time::Duration::minutes(59) - time::Duration::seconds(30);
        let later = policy().next_attempt(3, Some(Duration::from_secs(60)), created, OffsetDateTime::now_utc());
        assert_eq!(later, None);
    }
}
