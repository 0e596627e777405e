//! The requests a tab has in flight, so that waiting for a page to settle can wait for what an
//! action started: a search's XHR, a navigation's document and its resources. Streams that
//! never end (WebSocket, server-sent events, media) and beacons are not counted.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::network::{
    EventLoadingFailed, EventLoadingFinished, EventRequestWillBeSent, ResourceType,
};
use futures::StreamExt;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::BrowserError;

/// Requests older than this are forgotten (a long poll that never ends must not be kept forever).
const FORGOTTEN_AFTER: Duration = Duration::from_secs(120);

/// A tab's requests in flight, by id, with when each started.
#[derive(Default)]
pub(super) struct InFlight {
    started: Mutex<HashMap<String, Instant>>,
    finished: Notify,
}

impl InFlight {
    /// Follows `page`'s requests for as long as it lives.
    pub async fn follow(page: &Page) -> Result<Arc<InFlight>, BrowserError> {
        let cdp = |error: chromiumoxide::error::CdpError| BrowserError::Cdp(error.to_string());
        let mut sent = page.event_listener::<EventRequestWillBeSent>().await.map_err(cdp)?;
        let mut done = page.event_listener::<EventLoadingFinished>().await.map_err(cdp)?;
        let mut failed = page.event_listener::<EventLoadingFailed>().await.map_err(cdp)?;
        let in_flight = Arc::new(InFlight::default());
        let tracker = in_flight.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    Some(request) = sent.next() => {
                        if counts(request.r#type.as_ref(), &request.request.url) {
                            tracker.start(request.request_id.inner());
                        }
                    }
                    Some(request) = done.next() => tracker.end(request.request_id.inner()),
                    Some(request) = failed.next() => tracker.end(request.request_id.inner()),
                    else => return,
                }
            }
        });
        Ok(in_flight)
    }

    fn start(&self, id: &str) {
        let mut started = self.started.lock().unwrap_or_else(|p| p.into_inner());
        started.retain(|_, at| at.elapsed() < FORGOTTEN_AFTER);
        // A redirect keeps its request's id and start.
        started.entry(id.to_owned()).or_insert_with(Instant::now);
    }

    fn end(&self, id: &str) {
        self.started.lock().unwrap_or_else(|p| p.into_inner()).remove(id);
        self.finished.notify_waiters();
    }

    /// How many requests that started at `since` or later are still in flight.
    pub fn pending_since(&self, since: Instant) -> usize {
        self.started.lock().unwrap_or_else(|p| p.into_inner()).values().filter(|at| **at >= since).count()
    }

    /// Waits until no request that started at `since` or later is in flight, or `deadline`.
    pub async fn until_idle(&self, since: Instant, deadline: Instant) {
        loop {
            let finished = self.finished.notified();
            if self.pending_since(since) == 0 || Instant::now() >= deadline {
                return;
            }
            tokio::select! {
                () = finished => {}
                () = tokio::time::sleep_until(deadline) => return,
            }
        }
    }
}

/// Whether a request of this type is something a page waits for (`data:` URLs are read at once).
fn counts(kind: Option<&ResourceType>, url: &str) -> bool {
    !url.starts_with("data:")
        && !matches!(
            kind,
            Some(
                ResourceType::WebSocket
                    | ResourceType::EventSource
                    | ResourceType::Media
                    | ResourceType::Ping
                    | ResourceType::CspViolationReport
                    | ResourceType::Prefetch
            )
        )
}
