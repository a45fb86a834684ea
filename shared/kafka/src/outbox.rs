//! Transactional outbox for the alert hand-off. A stage writes its state change and the
//! [`AlertEvent`] announcing it in one MySQL transaction ([`enqueue`]); the [`Relay`] publishes
//! pending rows and deletes them. If the process dies after the commit, the row is still there
//! and the next relay pass (this replica's or any other's: rows are claimed with
//! `FOR UPDATE SKIP LOCKED`) publishes it. A crash after publishing but before the delete
//! publishes the row twice; every consumer is idempotent.

use crate::alert_message::{AlertCodec, AlertEvent};
use crate::{KafkaError, headers};
use rdkafka::producer::FutureProducer;
use sqlx::{MySqlConnection, MySqlPool, Row};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Writes `event` for `topic` into the outbox inside the caller's transaction.
pub async fn enqueue(conn: &mut MySqlConnection, topic: &str, event: &AlertEvent) -> Result<(), sqlx::Error> {
    let payload = serde_json::to_value(event).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query("INSERT INTO outbox (topic, msg_key, payload) VALUES (?, ?, ?)")
        .bind(topic)
        .bind(&event.alert_id)
        .bind(payload)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Clone)]
pub struct Relay {
    pool: MySqlPool,
    producer: FutureProducer,
    codec: AlertCodec,
    wake: Arc<Notify>,
    batch: u32,
    interval: Duration,
}

impl Relay {
    pub fn new(pool: MySqlPool, producer: FutureProducer, codec: AlertCodec, interval: Duration) -> Self {
        Self { pool, producer, codec, wake: Arc::new(Notify::new()), batch: 200, interval }
    }

    /// Call after committing a transaction that enqueued messages: the relay publishes at once
    /// instead of at its next interval.
    pub fn notify(&self) {
        self.wake.notify_one();
    }

    /// Publishes until `cancel`; a final pass runs after cancellation so that nothing this
    /// process committed waits for another replica.
    pub async fn run(self, cancel: CancellationToken) {
        loop {
            match self.publish_pending().await {
                Ok(n) if n as u32 == self.batch => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(event = "outbox_publish_failed", error = %e, "will retry"),
            }
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = self.wake.notified() => {},
                _ = tokio::time::sleep(self.interval) => {},
            }
        }
        if let Err(e) = self.publish_pending().await {
            tracing::warn!(event = "outbox_publish_failed", error = %e, "final pass failed; another replica will publish");
        }
    }

    /// One pass: claims up to `batch` pending rows, publishes them, deletes them. Returns how
    /// many were published.
    pub async fn publish_pending(&self) -> Result<usize, KafkaError> {
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query("SELECT id, topic, payload FROM outbox ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED")
            .bind(self.batch)
            .fetch_all(&mut *tx)
            .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let mut ids = Vec::with_capacity(rows.len());
        let mut sends = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: i64 = row.try_get("id")?;
            let topic: String = row.try_get("topic")?;
            let payload: serde_json::Value = row.try_get("payload")?;
            let event: AlertEvent = match serde_json::from_value(payload) {
                Ok(e) => e,
                Err(e) => {
                    // Written by our own code; unreadable means a bug. Drop it loudly.
                    tracing::error!(event = "outbox_row_invalid", id, error = %e, "dropping unreadable outbox row");
                    ids.push(id);
                    continue;
                }
            };
            ids.push(id);
            sends.push(self.publish(topic, event));
        }
        for result in futures::future::join_all(sends).await {
            result?;
        }
        let mut delete = sqlx::QueryBuilder::new("DELETE FROM outbox WHERE id IN (");
        let mut list = delete.separated(",");
        for id in &ids {
            list.push_bind(*id);
        }
        delete.push(")").build().execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(ids.len())
    }

    async fn publish(&self, topic: String, event: AlertEvent) -> Result<(), KafkaError> {
        let payload = self.codec.encode(&topic, &event).await?;
        let headers = headers::with_traceparent(event.traceparent.as_deref());
        crate::producer::send(&self.producer, &topic, &event.alert_id, &payload, headers).await?;
        tracing::debug!(event = "alert_published", topic = %topic, alert_id = %event.alert_id);
        Ok(())
    }
}
