//! Typed, prefixed identifiers.
//!
//! Every id keeps Skyvern's prefix (`tsk_`, `wr_`, `a_`, …) followed by a number that grows with
//! time, so ids sort by creation. An id is parsed once at the edge (`RunId::parse`) and stays
//! typed inside, so a step id can never be passed where a run id is expected.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The last number handed out; the next is strictly greater, even within one millisecond.
static LAST: AtomicU64 = AtomicU64::new(0);

/// A number made of the milliseconds since the epoch shifted left, made unique by a counter.
fn next_number() -> u64 {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as u64;
    let floor = now << 16;
    let mut last = LAST.load(Ordering::Relaxed);
    loop {
        let next = floor.max(last + 1);
        match LAST.compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(seen) => last = seen,
        }
    }
}

/// Why a string is not an id of the expected kind.
#[derive(Debug, thiserror::Error)]
#[error("`{value}` is not a valid {kind} id (expected `{prefix}` followed by digits)")]
pub struct InvalidId {
    kind: &'static str,
    prefix: &'static str,
    value: String,
}

macro_rules! prefixed_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal, [$($prefix:literal),+]) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            const PREFIXES: &'static [&'static str] = &[$($prefix),+];

            /// A new id with the first prefix.
            pub fn generate() -> Self {
                Self(format!("{}{}", Self::PREFIXES[0], next_number()))
            }

            /// Accepts any of the kind's prefixes followed by one or more ASCII digits.
            pub fn parse(value: &str) -> Result<Self, InvalidId> {
                let valid = Self::PREFIXES.iter().any(|prefix| {
                    value.strip_prefix(prefix).is_some_and(|rest| {
                        !rest.is_empty() && rest.len() <= 32 && rest.bytes().all(|b| b.is_ascii_digit())
                    })
                });
                if valid {
                    Ok(Self(value.to_owned()))
                } else {
                    Err(InvalidId { kind: $kind, prefix: Self::PREFIXES[0], value: value.chars().take(64).collect() })
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <String as serde::Deserialize>::deserialize(d)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

prefixed_id!(
    /// A run: `tsk_` for task runs, `wr_` for plan (workflow) runs.
    RunId, "run", ["tsk_", "wr_"]
);
prefixed_id!(
    /// A step of a run.
    StepId, "step", ["stp_"]
);
prefixed_id!(
    /// One attempt of a step.
    StepRunId, "step run", ["sr_"]
);
prefixed_id!(
    /// A stored file of a run.
    ArtifactId, "artifact", ["a_"]
);
prefixed_id!(
    /// A plan (Skyvern's workflow permanent id), whatever its version.
    PlanId, "plan", ["wpid_"]
);
prefixed_id!(
    /// One version of a plan (Skyvern's workflow id).
    PlanVersionId, "plan version", ["w_"]
);
prefixed_id!(
    /// One webhook delivery (an event to one URL), the same on every attempt: Standard Webhooks'
    /// `webhook-id`, by which receivers recognise a repeat.
    DeliveryId, "webhook delivery", ["msg_"]
);
prefixed_id!(
    /// A browser session: a browser context kept open for the runs that name it.
    SessionId, "browser session", ["pbs_"]
);
prefixed_id!(
    /// A browser profile: the cookies and local storage a session or run left, to start others from.
    BrowserProfileId, "browser profile", ["bp_"]
);
prefixed_id!(
    /// An API key (the id, never the key itself).
    ApiKeyId, "API key", ["key_"]
);
prefixed_id!(
    /// A schedule of a plan (Skyvern's `workflow_schedule_id`).
    ScheduleId, "schedule", ["wfs_"]
);
prefixed_id!(
    /// A file kept by `POST /v1/upload_file`, for later runs to use.
    FileId, "uploaded file", ["file_"]
);

prefixed_id!(
    /// A credential of the vault (its id, never its values).
    CredentialId, "credential", ["cred_"]
);
prefixed_id!(
    /// A one-time code pushed by a person or a mail relay (Skyvern's `totp_code_id`).
    TotpCodeId, "TOTP code", ["totp_"]
);

impl RunId {
    /// A new id of a plan run (`wr_…`).
    pub fn generate_plan_run() -> RunId {
        RunId(format!("wr_{}", next_number()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_grow_and_parse_back() {
        let a = RunId::generate();
        let b = RunId::generate();
        assert!(b.as_str() > a.as_str());
        assert_eq!(RunId::parse(a.as_str()).unwrap(), a);
        assert!(RunId::parse("wr_123").is_ok(), "plan runs keep Skyvern's prefix");
    }

    #[test]
    fn foreign_or_damaged_ids_are_refused() {
        for bad in ["", "tsk_", "tsk_12a", "a_123", "../etc", "tsk_1234567890123456789012345678901234"] {
            assert!(RunId::parse(bad).is_err(), "{bad} was accepted");
        }
        assert!(ArtifactId::parse("tsk_1").is_err());
    }
}
