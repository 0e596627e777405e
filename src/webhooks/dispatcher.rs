//! The dispatcher: a durable follower of the event log. For each milestone after its cursor it
//! resolves the run's target and, if there is one, writes a delivery to the outbox in the same
//! transaction as the cursor's move. It wakes when the store publishes a milestone, and on a
//! timer in case a wake-up was missed; between the two it sleeps.

use std::time::Duration;

use tokio::sync::broadcast::{self, error::RecvError};

use super::{Delivery, Webhooks, body};
use crate::events::{Event, EventFilter, EventTypePattern};
use crate::runs::Run;
use crate::store::StoreError;

/// The dispatcher's cursor in `event_cursors`.
const CURSOR: &str = "webhooks";
/// How many events one read of the log takes.
const PAGE: usize = 200;
/// How long the dispatcher sleeps when no milestone woke it.
const FALLBACK_WAKE: Duration = Duration::from_secs(30);
/// How long it waits before reading again after the store failed.
const AFTER_AN_ERROR: Duration = Duration::from_secs(2);

pub(super) async fn run(webhooks: Webhooks) {
    let shared = &webhooks.shared;
    // Subscribed before the first read, so nothing committed after that read is missed.
    let mut live = shared.store.subscribe_events();
    let milestones = milestones();
    loop {
        let pause = match dispatch_pending(&webhooks).await {
            Ok(()) => None,
            Err(error) => {
                tracing::warn!(%error, "webhook deliveries could not be made from the event log; trying again");
                Some(AFTER_AN_ERROR)
            }
        };
        tokio::select! {
            _ = next_milestone(&mut live, &milestones), if pause.is_none() => {}
            _ = tokio::time::sleep(pause.unwrap_or(FALLBACK_WAKE)) => {}
            _ = shared.shutdown.cancelled() => return,
        }
    }
}

/// Every milestone event (`task_run.*`, `workflow_run.*`).
fn milestones() -> EventFilter {
    let families = ["task_run.", "workflow_run."].map(|family| EventTypePattern::Family(family.to_owned()));
    EventFilter { event_types: families.to_vec(), ..EventFilter::default() }
}

/// Makes the deliveries of every milestone after the cursor.
async fn dispatch_pending(webhooks: &Webhooks) -> Result<(), StoreError> {
    let store = &webhooks.shared.store;
    loop {
        let cursor = store.event_cursor(CURSOR).await?;
        let page = store.events(milestones(), cursor, PAGE).await?;
        for event in &page {
            dispatch(webhooks, event).await?;
        }
        if page.len() < PAGE {
            return Ok(());
        }
    }
}

/// Writes the event's delivery, if its run has a target, and moves the cursor past it.
async fn dispatch(webhooks: &Webhooks, event: &Event) -> Result<(), StoreError> {
    let shared = &webhooks.shared;
    let delivery = match serde_json::from_value::<Run>(event.payload["run"].clone()) {
        Ok(run) => match webhooks.target_of(&run) {
            Some(url) => {
                let artifacts = shared.store.run_artifacts(&run.id, Vec::new()).await?;
                let body = body(&run, &artifacts, &shared.links, &event.event_type);
                Some(Delivery::new(run.id, Some(event.id), event.event_type.clone(), url, body))
            }
            None => None,
        },
        Err(error) => {
            tracing::warn!(event_id = event.id, %error, "a milestone without a readable run is not delivered");
            None
        }
    };
    let queued = delivery.is_some();
    shared.store.queue_webhook_delivery(CURSOR, event.id, delivery).await?;
    if queued {
        shared.due.notify_one();
    }
    Ok(())
}

/// Returns when a milestone was committed (or when the live feed lagged, which may hide one).
async fn next_milestone(live: &mut broadcast::Receiver<std::sync::Arc<Event>>, milestones: &EventFilter) {
    loop {
        match live.recv().await {
            Ok(event) if milestones.matches(&event) => return,
            Ok(_) => {}
            Err(RecvError::Lagged(_)) => return,
            Err(RecvError::Closed) => return std::future::pending().await,
        }
    }
}
