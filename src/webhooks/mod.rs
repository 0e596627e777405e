//! Webhooks: a run's milestones posted to its owner, durably, signed two ways, retried.
//!
//! The **dispatcher** follows the event log (cursor `webhooks`): for each milestone it writes a
//! delivery (the exact body, to the run's target) to the store's outbox in the same transaction
//! as its cursor's move, so a crash neither loses nor repeats one. The **sender** takes due
//! deliveries from the outbox and attempts them concurrently (at most `webhooks.concurrency`, each
//! bounded by `timeout_seconds`), so one slow or dead receiver holds only its own deliveries;
//! every attempt is kept, and appended to the event log, in one transaction. Runs never wait for
//! either: they only write events. Delivery is at least once, with the same `webhook-id` on
//! every attempt, so receivers can drop a repeat.
//!
//! This is the only module that signs (`signing`, with `hmac`) or posts webhooks.

mod address;
mod attempt;
mod dispatcher;
mod retry;
pub mod secrets;
mod sender;
mod signing;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::artifacts::Artifact;
use crate::config::WebhooksConfig;
use crate::events::EventKind;
use crate::ids::{DeliveryId, RunId};
use crate::metrics::Metrics;
use crate::runs::Run;
use crate::store::{Store, StoreError};
use crate::views::{Include, Links, run_response};

pub use attempt::Sent;

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not delivered yet; tried again at `next_attempt_at`.
    Pending,
    Delivered,
    /// Given up: an answer that retrying would not change, a refused address, or the horizon.
    Failed,
}

/// What came of one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Delivered,
    /// Failed, and tried again later.
    Retrying,
    /// Failed, and not tried again.
    Failed,
    /// Not sent: the address is internal and `webhooks.allow_private` is off.
    Refused,
}

impl Outcome {
    /// The state a delivery is in after an attempt with this outcome.
    pub fn state(self) -> DeliveryState {
        match self {
            Outcome::Delivered => DeliveryState::Delivered,
            Outcome::Retrying => DeliveryState::Pending,
            Outcome::Failed | Outcome::Refused => DeliveryState::Failed,
        }
    }
}

macro_rules! text_enum {
    ($name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(DeliveryState { Pending => "pending", Delivered => "delivered", Failed => "failed" });
text_enum!(Outcome { Delivered => "delivered", Retrying => "retrying", Failed => "failed", Refused => "refused" });

/// One event (or one replay) to one URL.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    #[serde(rename = "delivery_id")]
    pub id: DeliveryId,
    pub run_id: RunId,
    /// The milestone event delivered; `None` for a replay asked through the API.
    pub event_id: Option<i64>,
    pub event_type: String,
    pub url: String,
    /// The URL's origin: attempts to one receiver are capped so it never holds all the places.
    #[serde(skip)]
    pub receiver: String,
    /// The exact bytes posted and signed on every attempt.
    #[serde(skip)]
    pub body: String,
    pub state: DeliveryState,
    pub attempt_count: u32,
    pub next_attempt_at: Option<String>,
    pub created_at: String,
    pub finished_at: Option<String>,
}

impl Delivery {
    /// A new delivery, due now.
    fn new(run_id: RunId, event_id: Option<i64>, event_type: String, url: String, body: String) -> Delivery {
        let now = crate::clock::now();
        Delivery {
            id: DeliveryId::generate(),
            run_id,
            event_id,
            event_type,
            receiver: receiver_of(&url),
            url,
            body,
            state: DeliveryState::Pending,
            attempt_count: 0,
            next_attempt_at: Some(now.clone()),
            created_at: now,
            finished_at: None,
        }
    }
}

/// Who receives what is posted to `url`: its origin (`https://hooks.example.org:443`).
fn receiver_of(url: &str) -> String {
    url::Url::parse(url).map_or_else(|_| url.to_owned(), |parsed| parsed.origin().ascii_serialization())
}

/// One attempt of a delivery, as kept.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    pub attempted_at: String,
    pub url: String,
    pub status_code: Option<u16>,
    pub latency_ms: i64,
    pub error: Option<String>,
    pub response_excerpt: Option<String>,
    pub outcome: Outcome,
}

/// What `POST /v1/runs/{id}/retry_webhook` answers: Skyvern's `RunWebhookReplayResponse`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = RunWebhookReplayResponse)]
pub struct Replay {
    #[schema(value_type = String)]
    pub run_id: RunId,
    pub run_type: String,
    /// Where the run's milestones go (its `webhook_url`, else `webhooks.default_url`).
    pub default_webhook_url: Option<String>,
    pub target_webhook_url: Option<String>,
    /// The body posted.
    pub payload: String,
    /// The signed headers posted.
    pub headers: BTreeMap<String, String>,
    pub status_code: Option<u16>,
    pub latency_ms: Option<i64>,
    /// The start of the receiver's answer, at most 2 KB.
    pub response_body: Option<String>,
    pub error: Option<String>,
}

/// Why a replay was not made.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("the run has no webhook_url and webhooks.default_url is not set; send a webhook_url")]
    NoTarget,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The body of a delivery: the run as `GET /v1/runs/{id}` shows it, with `event_type`, as
/// compact JSON.
fn body(run: &Run, artifacts: &[Artifact], links: &Links, event_type: &str) -> String {
    let mut body = run_response(run, artifacts, links, Include::default());
    body["event_type"] = serde_json::Value::String(event_type.to_owned());
    serde_json::to_string(&body).unwrap_or_default()
}

struct Shared {
    store: Store,
    config: WebhooksConfig,
    links: Links,
    client: reqwest::Client,
    /// Where the outbox's attempts are counted.
    metrics: Metrics,
    /// Woken when a delivery was added to the outbox.
    due: Notify,
    shutdown: CancellationToken,
    tasks: TaskTracker,
}

/// The dispatcher and the sender, and replays asked through the API; cheap to clone.
#[derive(Clone)]
pub struct Webhooks {
    shared: Arc<Shared>,
}

impl Webhooks {
    pub fn new(store: Store, config: WebhooksConfig, links: Links, metrics: Metrics) -> reqwest::Result<Webhooks> {
        let client = attempt::client(&config)?;
        Ok(Webhooks {
            shared: Arc::new(Shared {
                store,
                config,
                links,
                client,
                metrics,
                due: Notify::new(),
                shutdown: CancellationToken::new(),
                tasks: TaskTracker::new(),
            }),
        })
    }

    /// The settings the webhooks run with.
    pub fn config(&self) -> &WebhooksConfig {
        &self.shared.config
    }

    /// Makes a signing secret if there is none, then starts the dispatcher and the sender.
    pub async fn start(&self) -> Result<(), StoreError> {
        secrets::ensure_one_exists(&self.shared.store, &self.shared.config).await?;
        self.shared.tasks.spawn(dispatcher::run(self.clone()));
        self.shared.tasks.spawn(sender::run(self.clone()));
        Ok(())
    }

    /// Stops both; attempts in flight are cut short and made again at the next start.
    pub async fn shut_down(&self, grace: Duration) {
        self.shared.shutdown.cancel();
        self.shared.tasks.close();
        if tokio::time::timeout(grace, self.shared.tasks.wait()).await.is_err() {
            tracing::warn!("the webhook tasks did not stop in time");
        }
    }

    /// Where a run's milestones go: the run's own `webhook_url`, else `webhooks.default_url`.
    /// A plan run's `webhook_url` is its own, else its plan's `webhook_callback_url`, set when the
    /// run is asked for (`plans::PlanRunSpec`).
    pub fn target_of(&self, run: &Run) -> Option<String> {
        let default_url = Some(self.shared.config.default_url.as_str()).filter(|url| !url.is_empty());
        run.webhook_url.clone().or_else(|| default_url.map(str::to_owned))
    }

    /// Posts the run as it is now, once, to `url` or else to the run's target, and keeps the
    /// attempt with the run's other deliveries. Not retried: the caller sees how it went.
    pub async fn replay(&self, run: &Run, url: Option<String>) -> Result<Replay, ReplayError> {
        let default_webhook_url = self.target_of(run);
        let target = url.or_else(|| default_webhook_url.clone()).ok_or(ReplayError::NoTarget)?;
        let artifacts = self.shared.store.run_artifacts(&run.id, Vec::new()).await?;
        let event_type = EventKind::Milestone(run.run_type, run.status).name();
        let payload = body(run, &artifacts, &self.shared.links, &event_type);
        let delivery = Delivery::new(run.id.clone(), None, event_type, target.clone(), payload);
        let (headers, sent) = self.send(&delivery).await;
        let outcome = match (sent.refused, retry::verdict(sent.status_code, None)) {
            (true, _) => Outcome::Refused,
            (false, retry::Verdict::Delivered) => Outcome::Delivered,
            (false, _) => Outcome::Failed,
        };
        let attempt = attempt_record(&delivery, &sent, outcome);
        self.shared.store.record_webhook_replay(&delivery, &attempt).await?;
        Ok(Replay {
            run_id: run.id.clone(),
            run_type: run.run_type.as_str().to_owned(),
            default_webhook_url,
            target_webhook_url: Some(target),
            headers: headers.into_iter().map(|(name, value)| (name.to_owned(), value)).collect(),
            payload: delivery.body,
            status_code: sent.status_code,
            latency_ms: (!sent.refused).then_some(sent.latency_ms),
            response_body: sent.response_excerpt,
            error: sent.error,
        })
    }

    /// Signs and posts one attempt of `delivery`; returns the headers sent and what came back.
    async fn send(&self, delivery: &Delivery) -> (Vec<(&'static str, String)>, Sent) {
        self.post_signed(delivery.id.as_str(), &delivery.url, &delivery.body).await
    }

    /// Posts `body` once to `url`, signed as deliveries are (`message_id` is Standard Webhooks'
    /// `webhook-id`) and under the same address policy; also for the appliance's questions to
    /// a customer's server, such as a run asking its `totp_url` for a code. Returns the headers
    /// sent and what came back.
    pub async fn post_signed(&self, message_id: &str, url: &str, body: &str) -> (Vec<(&'static str, String)>, Sent) {
        let shared = &self.shared;
        let keys = match secrets::signing_keys(&shared.store, &shared.config).await {
            Ok(Some(keys)) => keys,
            Ok(None) => return (Vec::new(), attempt::Sent::failed_now("there is no signing secret yet")),
            Err(error) => {
                tracing::warn!(%error, "the webhook signing secrets could not be read");
                return (Vec::new(), attempt::Sent::failed_now("the signing secrets could not be read"));
            }
        };
        let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
        let headers = keys.headers(message_id, timestamp, body);
        let sent = attempt::post(&shared.client, shared.config.allow_private, url, &headers, body).await;
        (headers, sent)
    }
}

fn attempt_record(delivery: &Delivery, sent: &attempt::Sent, outcome: Outcome) -> Attempt {
    Attempt {
        attempted_at: sent.attempted_at.clone(),
        url: delivery.url.clone(),
        status_code: sent.status_code,
        latency_ms: sent.latency_ms,
        error: sent.error.clone(),
        response_excerpt: sent.response_excerpt.clone(),
        outcome,
    }
}
