//! Navigations: loading a URL, going back, and the inputs that may start one (a link clicked, a
//! form submitted with Enter), after which the new page is waited for.
//!
//! A navigation that an input starts is requested while the page handles that input, so one
//! round trip to the page after the input tells whether one started: no fixed wait is needed.
//! `history.back()` starts its navigation a moment later, so going back allows a short grace.

use std::future::Future;
use std::time::Duration;

use chromiumoxide::cdp::browser_protocol::page::{
    EventFrameRequestedNavigation, EventFrameStartedLoading, EventFrameStoppedLoading, EventNavigatedWithinDocument,
    FrameId,
};
use chromiumoxide::cdp::js_protocol::runtime::EvaluateParams;
use futures::{FutureExt, StreamExt};

use super::{BrowserError, RunPage};

/// How long a navigation may take to load.
const NAVIGATION_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a navigation the page asked for may take to start loading.
const START_PATIENCE: Duration = Duration::from_secs(1);
/// How long after `history.back()` its navigation may start.
const BACK_GRACE: Duration = Duration::from_millis(200);

impl RunPage {
    /// Loads `url` and waits for it to finish loading.
    pub async fn goto(&self, url: &str) -> Result<(), BrowserError> {
        match self.guard(self.page().await.goto(url)).await {
            Err(BrowserError::Cdp(reason)) => Err(BrowserError::Navigation { url: url.to_owned(), reason }),
            other => other.map(|_| ()),
        }
    }

    /// Goes back one entry in the page's history and waits for it to load.
    pub async fn back(&self) -> Result<(), BrowserError> {
        let back = EvaluateParams::builder().expression("history.back()").build().map_err(BrowserError::Cdp)?;
        let page = self.page().await;
        self.navigating_within(BACK_GRACE, async { self.guard(page.evaluate_expression(back)).await.map(drop) }).await
    }

    /// Runs `input`; if it starts a navigation of the main frame, waits for the new page to load.
    pub(super) async fn navigating<T>(
        &self,
        input: impl Future<Output = Result<T, BrowserError>>,
    ) -> Result<T, BrowserError> {
        self.navigating_within(Duration::ZERO, input).await
    }

    async fn navigating_within<T>(
        &self,
        grace: Duration,
        input: impl Future<Output = Result<T, BrowserError>>,
    ) -> Result<T, BrowserError> {
        let page = self.page().await;
        let mut requested = self.guard(page.event_listener::<EventFrameRequestedNavigation>()).await?;
        let mut started = self.guard(page.event_listener::<EventFrameStartedLoading>()).await?;
        let mut stopped = self.guard(page.event_listener::<EventFrameStoppedLoading>()).await?;
        let mut within = self.guard(page.event_listener::<EventNavigatedWithinDocument>()).await?;
        let main_frame = self.guard(page.mainframe()).await?;
        let is_main = |frame: &FrameId| main_frame.as_ref() == Some(frame);
        let value = input.await?;
        // What the input made the page request has arrived once the page answers this (which
        // fails harmlessly if the document is already being replaced).
        let round_trip = EvaluateParams::builder().expression("0").build().map_err(BrowserError::Cdp)?;
        let _ = self.guard(page.evaluate_expression(round_trip)).await;
        let (mut asked, mut loading) = (false, false);
        while let Some(Some(event)) = requested.next().now_or_never() {
            asked |= is_main(&event.frame_id);
        }
        while let Some(Some(event)) = started.next().now_or_never() {
            loading |= is_main(&event.frame_id);
        }
        // A navigation asked for but not loading yet (or one `history.back()` is about to
        // start) gets a moment to start; one that never does was dropped (a `javascript:` link).
        let patience = if asked { START_PATIENCE } else { grace };
        if !loading && !patience.is_zero() {
            let later = async {
                loop {
                    tokio::select! {
                        Some(event) = started.next() => if is_main(&event.frame_id) { return true },
                        Some(event) = within.next() => if is_main(&event.frame_id) { return false },
                        else => return false,
                    }
                }
            };
            loading = tokio::time::timeout(patience, later).await.unwrap_or(false);
        }
        if !loading {
            return Ok(value);
        }
        let loaded = tokio::time::timeout(NAVIGATION_TIMEOUT, async {
            loop {
                tokio::select! {
                    Some(event) = stopped.next() => if is_main(&event.frame_id) { return },
                    Some(event) = within.next() => if is_main(&event.frame_id) { return },
                    else => return,
                }
            }
        });
        tokio::select! {
            _ = loaded => Ok(value),
            _ = self.liveness.gone() => Err(BrowserError::Crashed),
        }
    }
}
