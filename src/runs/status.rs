//! Run statuses and the one table of allowed transitions.
//!
//! A terminal status never changes again: whichever final status is written first wins, so a
//! cancel racing a completion, or a timeout racing a crash, leaves exactly one answer. Once a
//! run is `canceling`, it can only end `canceled`: a failure or a timeout that its worker meets
//! while stopping does not take the person's cancel away.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Created,
    Queued,
    Running,
    Paused,
    InteractionRequired,
    ReviewRequired,
    Canceling,
    Completed,
    Failed,
    Terminated,
    TimedOut,
    Canceled,
}

use RunStatus::*;

impl RunStatus {
    pub const ALL: [RunStatus; 12] = [
        Created,
        Queued,
        Running,
        Paused,
        InteractionRequired,
        ReviewRequired,
        Canceling,
        Completed,
        Failed,
        Terminated,
        TimedOut,
        Canceled,
    ];

    /// The statuses each status may move to. Terminal statuses have none.
    pub fn successors(self) -> &'static [RunStatus] {
        match self {
            Created => &[Queued, Canceled, Failed],
            Queued => &[Running, Canceled, Failed],
            Running => &[
                Paused,
                InteractionRequired,
                ReviewRequired,
                Canceling,
                Completed,
                Failed,
                Terminated,
                TimedOut,
                // Back to the queue when an interrupted run had not done anything yet.
                Queued,
            ],
            // Back to the queue: a plan run interrupted by a restart resumes where it was.
            Paused => &[Running, Canceling, Failed, Terminated, TimedOut, Queued],
            InteractionRequired => &[Running, Canceling, Failed, TimedOut, Queued],
            // A plan run's approval: approved or rejected, the plan goes on running.
            ReviewRequired => &[Running, Completed, Failed, Terminated, Canceled, TimedOut, Queued],
            Canceling => &[Canceled],
            Completed | Failed | Terminated | TimedOut | Canceled => &[],
        }
    }

    pub fn can_become(self, next: RunStatus) -> bool {
        self.successors().contains(&next)
    }

    pub fn is_terminal(self) -> bool {
        self.successors().is_empty()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Created => "created",
            Queued => "queued",
            Running => "running",
            Paused => "paused",
            InteractionRequired => "interaction_required",
            ReviewRequired => "review_required",
            Canceling => "canceling",
            Completed => "completed",
            Failed => "failed",
            Terminated => "terminated",
            TimedOut => "timed_out",
            Canceled => "canceled",
        }
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is not one of the statuses.
#[derive(Debug, thiserror::Error)]
#[error("unknown run status `{0}`")]
pub struct UnknownStatus(pub String);

impl FromStr for RunStatus {
    type Err = UnknownStatus;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        // Skyvern spells it both ways; accept the British form too.
        let text = if text == "cancelled" { "canceled" } else { text };
        RunStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or_else(|| UnknownStatus(text.chars().take(40).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expected answer for every ordered pair, written out independently of `successors`.
    fn expected(from: RunStatus, to: RunStatus) -> bool {
        let terminal = [Completed, Failed, Terminated, TimedOut, Canceled];
        if terminal.contains(&from) {
            return false;
        }
        match (from, to) {
            (Created, Queued | Canceled | Failed) => true,
            (Queued, Running | Canceled | Failed) => true,
            (Running, Created | Running | Canceled) => false,
            (Running, _) => true,
            (Paused, Running | Canceling | Failed | Terminated | TimedOut | Queued) => true,
            (InteractionRequired, Running | Canceling | Failed | TimedOut | Queued) => true,
            (ReviewRequired, Running | Completed | Failed | Terminated | Canceled | TimedOut | Queued) => true,
            (Canceling, Canceled) => true,
            _ => false,
        }
    }

    #[test]
    fn every_pair_of_statuses_follows_the_table() {
        let mut allowed = 0;
        for from in RunStatus::ALL {
            for to in RunStatus::ALL {
                assert_eq!(from.can_become(to), expected(from, to), "{from} -> {to}");
                allowed += usize::from(from.can_become(to));
            }
        }
        assert_eq!(allowed, 3 + 3 + 9 + 6 + 5 + 7 + 1);
    }

    #[test]
    fn terminal_statuses_never_change() {
        for status in [Completed, Failed, Terminated, TimedOut, Canceled] {
            assert!(status.is_terminal());
            assert!(RunStatus::ALL.iter().all(|next| !status.can_become(*next)));
        }
        assert_eq!(RunStatus::ALL.iter().filter(|s| s.is_terminal()).count(), 5);
    }

    #[test]
    fn statuses_round_trip_through_text_and_json() {
        for status in RunStatus::ALL {
            assert_eq!(status.as_str().parse::<RunStatus>().unwrap(), status);
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
        assert_eq!("cancelled".parse::<RunStatus>().unwrap(), Canceled);
        assert!("done".parse::<RunStatus>().is_err());
    }
}
