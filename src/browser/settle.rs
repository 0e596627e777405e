//! Waiting for the page to settle after the agent's actions, so that its next look at the page
//! sees what they caused: a list of suggestions, a validation message, a page that loaded.
//!
//! The rule: wait until no request the page started since the actions began is in flight, and the
//! page (its DOM, open shadow roots and same-origin frames, and finite animations) has not
//! changed for `QUIET`, and not before `QUIET` has passed since the last action ended (a reaction
//! a moment later, from a timer or a promise, is caught); after keystrokes, not before
//! `KEYSTROKE_FLOOR` has passed since the last one (sites show suggestions after a pause in
//! typing: jQuery UI's autocomplete waits 300 ms); and never longer than `LONGEST` (pages that
//! never hold still).

use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;

use super::RunPage;

/// How long the page must hold still.
const QUIET: Duration = Duration::from_millis(30);
/// After typing, how long the page gets to react before it counts as settled.
const KEYSTROKE_FLOOR: Duration = Duration::from_millis(500);
/// The longest wait.
const LONGEST: Duration = Duration::from_secs(3);

impl RunPage {
    /// Waits until the page settled after actions that began at `since` and ended at `ended`
    /// (keystrokes last at `typed`); returns how long it waited.
    pub async fn settle(&self, since: Instant, ended: Instant, typed: Option<Instant>) -> Duration {
        let started = Instant::now();
        let deadline = ended + LONGEST;
        let floor = typed.map_or(ended + QUIET, |typed| typed + KEYSTROKE_FLOOR);
        let requests = self.requests().await;
        loop {
            requests.until_idle(since, deadline).await;
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            let args = json!({
                "window": QUIET.as_millis(),
                "floor": floor.saturating_duration_since(now).as_millis(),
                "limit": (deadline - now).as_millis(),
            });
            // A navigation replaces the document mid-wait: then its requests are waited for.
            if let Err(error) = self.dom("quiet", args).await {
                tracing::debug!(%error, "the page changed documents while settling");
            }
            if requests.pending_since(since) == 0 || Instant::now() >= deadline {
                break;
            }
        }
        started.elapsed()
    }
}
