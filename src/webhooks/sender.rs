//! The sender: takes due deliveries from the outbox and attempts them, at most
//! `webhooks.concurrency` at once and at most `webhooks.max_per_receiver` to one receiver, each in
//! its own task, so a receiver that is slow or gone holds only a few places and its own
//! deliveries. Each attempt's record and the delivery's next state are written
//! together. The sender sleeps until the next delivery is due, a new one arrives, or an attempt
//! ends and frees a place.

use std::collections::HashMap;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::task::JoinSet;
use tracing::Instrument;

use super::retry::{RetryPolicy, Verdict, verdict};
use super::{Delivery, Outcome, Webhooks, attempt_record};
use crate::ids::DeliveryId;
use crate::metrics::DeliveryOutcome;

/// The longest the sender sleeps with nothing due, in case a wake-up was missed.
const FALLBACK_WAKE: Duration = Duration::from_secs(60);
/// How long it waits before reading the outbox again after the store failed.
const AFTER_AN_ERROR: Duration = Duration::from_secs(2);

pub(super) async fn run(webhooks: Webhooks) {
    let shared = &webhooks.shared;
    let mut attempts: JoinSet<()> = JoinSet::new();
    let mut in_flight: HashMap<tokio::task::Id, (DeliveryId, String)> = HashMap::new();
    loop {
        let free = shared.config.concurrency.saturating_sub(in_flight.len());
        let mut sleep = FALLBACK_WAKE;
        if free > 0 {
            let mut per_receiver: HashMap<String, usize> = HashMap::new();
            for (_, receiver) in in_flight.values() {
                *per_receiver.entry(receiver.clone()).or_default() += 1;
            }
            let is_full = |count: usize| count >= shared.config.max_per_receiver;
            let busy: Vec<DeliveryId> = in_flight.values().map(|(id, _)| id.clone()).collect();
            let full: Vec<String> = per_receiver.iter().filter(|(_, n)| is_full(**n)).map(|(r, _)| r.clone()).collect();
            match shared.store.due_webhook_deliveries(free, busy, full).await {
                Ok(due) => {
                    for delivery in due.deliveries {
                        // A receiver that filled up within this batch takes the rest when an
                        // attempt to it ends.
                        let held = per_receiver.entry(delivery.receiver.clone()).or_default();
                        if is_full(*held) {
                            continue;
                        }
                        *held += 1;
                        let key = (delivery.id.clone(), delivery.receiver.clone());
                        // What the attempt logs carries its run's id, as the run's own lines do.
                        let span =
                            tracing::info_span!("webhook", run_id = %delivery.run_id, delivery_id = %delivery.id);
                        let task = attempts.spawn(attempt_delivery(webhooks.clone(), delivery).instrument(span));
                        in_flight.insert(task.id(), key);
                    }
                    if let Some(next) = due.next_due_at.as_deref().and_then(crate::clock::parse) {
                        let until = (next - OffsetDateTime::now_utc()).max(time::Duration::ZERO);
                        sleep = sleep.min(until.try_into().unwrap_or_default());
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "due webhook deliveries could not be read; trying again");
                    sleep = AFTER_AN_ERROR;
                }
            }
        }
        tokio::select! {
            _ = shared.due.notified() => {}
            _ = tokio::time::sleep(sleep) => {}
            Some(ended) = attempts.join_next_with_id(), if !attempts.is_empty() => {
                let task = match ended {
                    Ok((task, ())) => task,
                    Err(failure) => {
                        tracing::error!(error = %failure, "a webhook attempt panicked; it is made again");
                        failure.id()
                    }
                };
                in_flight.remove(&task);
            }
            _ = shared.shutdown.cancelled() => {
                // Attempts already sent finish and are recorded (each is bounded by its timeout,
                // and the whole by the shutdown's grace): a receiver never gets an attempt that
                // the delivery's record lacks. No new attempt starts.
                while attempts.join_next().await.is_some() {}
                return;
            }
        }
    }
}

/// Makes one attempt, records it with what becomes of the delivery, and counts it.
async fn attempt_delivery(webhooks: Webhooks, delivery: Delivery) {
    let shared = &webhooks.shared;
    let (_, sent) = webhooks.send(&delivery).await;
    let attempts = delivery.attempt_count + 1;
    let mut retry_at = None;
    let outcome = match verdict(sent.status_code, sent.retry_after) {
        _ if sent.refused => Outcome::Refused,
        Verdict::Delivered => Outcome::Delivered,
        Verdict::Final => Outcome::Failed,
        Verdict::TryAgain { retry_after } => {
            let policy = RetryPolicy::from_config(&shared.config);
            let created_at = crate::clock::parse(&delivery.created_at).unwrap_or_else(OffsetDateTime::now_utc);
            retry_at = policy.next_attempt(attempts, retry_after, created_at, OffsetDateTime::now_utc());
            if retry_at.is_some() { Outcome::Retrying } else { Outcome::Failed }
        }
    };
    let attempt = attempt_record(&delivery, &sent, outcome);
    tracing::info!(
        event_type = delivery.event_type, status_code = sent.status_code, outcome = %outcome, attempt = attempts,
        "webhook attempt"
    );
    shared.metrics.webhook_attempt(match outcome {
        Outcome::Delivered => DeliveryOutcome::Delivered,
        Outcome::Retrying => DeliveryOutcome::Retried,
        Outcome::Failed => DeliveryOutcome::Failed,
        Outcome::Refused => DeliveryOutcome::Refused,
    });
    let retry_at = retry_at.map(crate::clock::format);
    if let Err(error) = shared.store.record_webhook_attempt(&delivery, &attempt, retry_at).await {
        tracing::error!(%error, "a webhook attempt could not be recorded; it is made again");
    }
}
