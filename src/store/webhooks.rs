//! Webhooks: the signing secrets the appliance made, the outbox of deliveries and every attempt.
//!
//! A delivery is written in the same transaction as the dispatcher's cursor move past its
//! event, and each attempt in the same transaction as the delivery's next state and the
//! `webhook.attempt` event, so a crash never loses, repeats or half-records either.

use rusqlite::{Connection, Row, params, params_from_iter};
use serde_json::json;

use super::{Store, StoreError, events, rows};
use crate::clock;
use crate::config::Secret;
use crate::events::EventKind;
use crate::ids::{DeliveryId, RunId};
use crate::webhooks::secrets::StoredSecret;
use crate::webhooks::{Attempt, Delivery, DeliveryState, Outcome};

/// Deliveries due now, and when the next of the others is due.
#[derive(Debug, Clone)]
pub struct DueDeliveries {
    pub deliveries: Vec<Delivery>,
    pub next_due_at: Option<String>,
}

const DELIVERY_COLUMNS: &str = "id, run_id, event_id, event_type, url, receiver, body, state, attempt_count, next_attempt_at, created_at, finished_at";

fn delivery_from_row(row: &Row<'_>) -> rusqlite::Result<Delivery> {
    Ok(Delivery {
        id: rows::parsed(row, "id", DeliveryId::parse)?,
        run_id: rows::parsed(row, "run_id", RunId::parse)?,
        event_id: row.get("event_id")?,
        event_type: row.get("event_type")?,
        url: row.get("url")?,
        receiver: row.get("receiver")?,
        body: row.get("body")?,
        state: rows::parsed(row, "state", |text| DeliveryState::parse(text).ok_or("unknown delivery state"))?,
        attempt_count: row.get("attempt_count")?,
        next_attempt_at: row.get("next_attempt_at")?,
        created_at: row.get("created_at")?,
        finished_at: row.get("finished_at")?,
    })
}

fn attempt_from_row(row: &Row<'_>) -> rusqlite::Result<Attempt> {
    Ok(Attempt {
        attempted_at: row.get("attempted_at")?,
        url: row.get("url")?,
        status_code: row.get("status_code")?,
        latency_ms: row.get("latency_ms")?,
        error: row.get("error")?,
        response_excerpt: row.get("response_excerpt")?,
        outcome: rows::parsed(row, "outcome", |text| Outcome::parse(text).ok_or("unknown attempt outcome"))?,
    })
}

fn insert_delivery(connection: &Connection, delivery: &Delivery) -> Result<(), StoreError> {
    connection.execute(
        &format!(
            "INSERT INTO webhook_deliveries ({DELIVERY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
        ),
        params![
            delivery.id.as_str(),
            delivery.run_id.as_str(),
            delivery.event_id,
            delivery.event_type,
            delivery.url,
            delivery.receiver,
            delivery.body,
            delivery.state.as_str(),
            delivery.attempt_count,
            delivery.next_attempt_at,
            delivery.created_at,
            delivery.finished_at,
        ],
    )?;
    Ok(())
}

/// Keeps an attempt, moves the delivery to the state its outcome leads to (due again at
/// `retry_at` when it is retried) and appends the `webhook.attempt` event.
fn record_attempt(
    connection: &Connection,
    delivery: &Delivery,
    attempt: &Attempt,
    retry_at: Option<&str>,
) -> Result<(), StoreError> {
    connection.execute(
        "INSERT INTO webhook_attempts (delivery_id, attempted_at, url, status_code, latency_ms, error,
            response_excerpt, outcome)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            delivery.id.as_str(),
            attempt.attempted_at,
            attempt.url,
            attempt.status_code,
            attempt.latency_ms,
            attempt.error,
            attempt.response_excerpt,
            attempt.outcome.as_str(),
        ],
    )?;
    let state = attempt.outcome.state();
    let now = clock::now();
    let finished_at = (state != DeliveryState::Pending).then_some(now.as_str());
    connection.execute(
        "UPDATE webhook_deliveries SET state = ?2, attempt_count = attempt_count + 1, next_attempt_at = ?3,
            finished_at = ?4
         WHERE id = ?1",
        params![delivery.id.as_str(), state.as_str(), retry_at, finished_at],
    )?;
    let payload = json!({
        "run_id": delivery.run_id,
        "delivery_id": delivery.id,
        "event_type": delivery.event_type,
        "url": attempt.url,
        "attempt": delivery.attempt_count + 1,
        "status_code": attempt.status_code,
        "latency_ms": attempt.latency_ms,
        "error": attempt.error,
        "outcome": attempt.outcome,
        "next_attempt_at": retry_at,
    });
    events::append(connection, &delivery.run_id, EventKind::WebhookAttempt, &payload)?;
    Ok(())
}

impl Store {
    /// The signing secrets the appliance made, oldest first.
    pub async fn webhook_secrets(&self) -> Result<Vec<StoredSecret>, StoreError> {
        self.read(|connection| {
            let mut statement = connection.prepare("SELECT secret, retired_at FROM webhook_secrets ORDER BY id")?;
            let secrets = statement
                .query_map([], |row| {
                    Ok(StoredSecret {
                        secret: Secret::new(row.get::<_, String>("secret")?),
                        retired_at: row.get("retired_at")?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            Ok(secrets)
        })
        .await
    }

    /// Keeps a new signing secret and retires the ones that signed until now.
    pub async fn add_webhook_secret(&self, secret: Secret) -> Result<(), StoreError> {
        self.write(move |tx| {
            let now = clock::now();
            tx.execute("UPDATE webhook_secrets SET retired_at = ?1 WHERE retired_at IS NULL", [&now])?;
            tx.execute(
                "INSERT INTO webhook_secrets (secret, created_at) VALUES (?1, ?2)",
                params![secret.expose(), now],
            )?;
            Ok(())
        })
        .await
    }

    /// Moves the durable follower `cursor` past `event_id`, and writes the delivery the event
    /// gave, if any, in the same transaction.
    pub async fn queue_webhook_delivery(
        &self,
        cursor: &str,
        event_id: i64,
        delivery: Option<Delivery>,
    ) -> Result<(), StoreError> {
        let cursor = cursor.to_owned();
        self.write(move |tx| {
            if let Some(delivery) = &delivery {
                insert_delivery(tx, delivery)?;
            }
            events::advance_cursor(tx, &cursor, event_id)
        })
        .await
    }

    /// Up to `limit` pending deliveries due now, oldest due first, leaving out those in `busy`
    /// (being attempted) and those to the receivers in `full` (holding all the places they may);
    /// and when the next of the rest falls due.
    pub async fn due_webhook_deliveries(
        &self,
        limit: usize,
        busy: Vec<DeliveryId>,
        full: Vec<String>,
    ) -> Result<DueDeliveries, StoreError> {
        self.read(move |connection| {
            let now = clock::now();
            let ids: Vec<&str> = busy.iter().map(DeliveryId::as_str).collect();
            let free_receivers = format!("receiver NOT IN ({})", super::placeholders(full.len()));
            let sql = format!(
                "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries
                 WHERE state = 'pending' AND next_attempt_at <= ? AND id NOT IN ({}) AND {free_receivers}
                 ORDER BY next_attempt_at, id LIMIT {limit}",
                super::placeholders(ids.len())
            );
            let values =
                std::iter::once(now.as_str()).chain(ids.iter().copied()).chain(full.iter().map(String::as_str));
            let mut statement = connection.prepare(&sql)?;
            let deliveries: Vec<Delivery> =
                statement.query_map(params_from_iter(values), delivery_from_row)?.collect::<Result<_, _>>()?;
            let taken: Vec<&str> = ids.iter().copied().chain(deliveries.iter().map(|d| d.id.as_str())).collect();
            let sql = format!(
                "SELECT MIN(next_attempt_at) FROM webhook_deliveries
                 WHERE state = 'pending' AND id NOT IN ({}) AND {free_receivers}",
                super::placeholders(taken.len())
            );
            let values = taken.iter().copied().chain(full.iter().map(String::as_str));
            let next_due_at = connection.query_row(&sql, params_from_iter(values), |row| row.get(0))?;
            Ok(DueDeliveries { deliveries, next_due_at })
        })
        .await
    }

    /// Keeps an attempt of a delivery from the outbox, with the delivery's next state.
    pub async fn record_webhook_attempt(
        &self,
        delivery: &Delivery,
        attempt: &Attempt,
        retry_at: Option<String>,
    ) -> Result<(), StoreError> {
        let (delivery, attempt) = (delivery.clone(), attempt.clone());
        self.write(move |tx| record_attempt(tx, &delivery, &attempt, retry_at.as_deref())).await
    }

    /// Keeps a replay asked through the API: its delivery and its one attempt.
    pub async fn record_webhook_replay(&self, delivery: &Delivery, attempt: &Attempt) -> Result<(), StoreError> {
        let (delivery, attempt) = (delivery.clone(), attempt.clone());
        self.write(move |tx| {
            insert_delivery(tx, &delivery)?;
            record_attempt(tx, &delivery, &attempt, None)
        })
        .await
    }

    /// A run's deliveries, oldest first, each with its attempts in order.
    pub async fn run_webhook_deliveries(&self, run_id: &RunId) -> Result<Vec<(Delivery, Vec<Attempt>)>, StoreError> {
        let run_id = run_id.clone();
        self.read(move |connection| {
            let sql =
                format!("SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE run_id = ?1 ORDER BY created_at, id");
            let mut statement = connection.prepare(&sql)?;
            let deliveries: Vec<Delivery> =
                statement.query_map([run_id.as_str()], delivery_from_row)?.collect::<Result<_, _>>()?;
            let mut attempts = connection.prepare(
                "SELECT attempted_at, url, status_code, latency_ms, error, response_excerpt, outcome
                 FROM webhook_attempts WHERE delivery_id = ?1 ORDER BY id",
            )?;
            deliveries
                .into_iter()
                .map(|delivery| {
                    let kept =
                        attempts.query_map([delivery.id.as_str()], attempt_from_row)?.collect::<Result<_, _>>()?;
                    Ok((delivery, kept))
                })
                .collect()
        })
        .await
    }
}
