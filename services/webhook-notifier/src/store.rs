//! The notifier's MySQL work: deliveries, their attempts, leases, and the alert status moves
//! that follow from them.

use crate::payload::{self, Kind};
use riskmonitor_db::alerts::Alert;
use serde_json::Value;
use sqlx::{MySqlPool, QueryBuilder, Row};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Delivery {
    pub delivery_id: String,
    pub alert_id: String,
    pub kind: Kind,
    pub reminder: u32,
    pub payload: Value,
    /// Attempts made before this one.
    pub attempts: u32,
    pub traceparent: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Try again after this delay.
    Retry(Duration),
    Failed,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Delivered => "delivered",
            Outcome::Retry(_) => "retry",
            Outcome::Failed => "failed",
        }
    }
}

pub struct Attempt<'a> {
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub status_code: Option<u16>,
    pub latency_ms: u64,
    pub outcome: Outcome,
    pub error: Option<&'a str>,
}

#[derive(Clone)]
pub struct Store {
    pub pool: MySqlPool,
    pub owner: String,
    pub lease: Duration,
}

fn parse_kind(s: &str) -> Kind {
    match s {
        "reminder" => Kind::Reminder,
        "resolved" => Kind::Resolved,
        _ => Kind::Breach,
    }
}

impl Store {
    /// Creates the `kind` delivery of `alert` (with its frozen body), leased to this replica so
    /// that the caller can send it at once. `None` when it already existed: whoever created it
    /// sends it, and the scheduler retries it.
    pub async fn create(
        &self,
        alert: &Alert,
        kind: Kind,
        reminder: u32,
        ack_base_url: &str,
    ) -> Result<Option<Delivery>, sqlx::Error> {
        let delivery_id = uuid::Uuid::new_v4().to_string();
        let body = payload::body(kind, reminder, &delivery_id, alert, ack_base_url);
        let inserted = sqlx::query(
            "INSERT INTO deliveries (delivery_id, alert_id, kind, reminder, payload, lease_owner, lease_until) \
             VALUES (?, ?, ?, ?, ?, ?, CURRENT_TIMESTAMP(6) + INTERVAL ? MICROSECOND)",
        )
        .bind(&delivery_id)
        .bind(&alert.alert_id)
        .bind(kind.as_str())
        .bind(reminder)
        .bind(&body)
        .bind(&self.owner)
        .bind(self.lease.as_micros() as u64)
        .execute(&self.pool)
        .await;
        match inserted {
            Ok(_) => Ok(Some(Delivery {
                delivery_id,
                alert_id: alert.alert_id.clone(),
                kind,
                reminder,
                payload: body,
                attempts: 0,
                traceparent: alert.traceparent.clone(),
            })),
            Err(e) if riskmonitor_db::pool::is_duplicate_key(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Leases up to `limit` deliveries whose next attempt is due and whose lease (if any) expired.
    pub async fn claim_due(&self, limit: u32) -> Result<Vec<Delivery>, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT delivery_id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= CURRENT_TIMESTAMP(6) \
             AND (lease_until IS NULL OR lease_until < CURRENT_TIMESTAMP(6)) \
             ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED",
        )
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut update = QueryBuilder::new("UPDATE deliveries SET lease_owner = ");
        update.push_bind(&self.owner);
        update.push(", lease_until = CURRENT_TIMESTAMP(6) + INTERVAL ");
        update.push_bind(self.lease.as_micros() as u64);
        update.push(" MICROSECOND WHERE delivery_id IN (");
        let mut list = update.separated(",");
        for id in &ids {
            list.push_bind(id);
        }
        update.push(")");
        update.build().execute(&mut *tx).await?;
        let mut select = QueryBuilder::new(
            "SELECT d.delivery_id, d.alert_id, CAST(d.kind AS CHAR) AS kind, d.reminder, d.payload, d.attempts, \
             a.traceparent FROM deliveries d JOIN alerts a ON a.alert_id = d.alert_id WHERE d.delivery_id IN (",
        );
        let mut list = select.separated(",");
        for id in &ids {
            list.push_bind(id);
        }
        select.push(")");
        let rows = select.build().fetch_all(&mut *tx).await?;
        tx.commit().await?;
        rows.into_iter()
            .map(|r| {
                Ok(Delivery {
                    delivery_id: r.try_get("delivery_id")?,
                    alert_id: r.try_get("alert_id")?,
                    kind: parse_kind(&r.try_get::<String, _>("kind")?),
                    reminder: r.try_get::<i32, _>("reminder")?.max(0) as u32,
                    payload: r.try_get("payload")?,
                    attempts: r.try_get::<i32, _>("attempts")?.max(0) as u32,
                    traceparent: r.try_get("traceparent")?,
                })
            })
            .collect()
    }

    /// Records an attempt and its consequence, atomically.
    pub async fn record(&self, d: &Delivery, a: &Attempt<'_>) -> Result<(), sqlx::Error> {
        let attempt_no = d.attempts + 1;
        let mut tx = self.pool.begin().await?;
        let recorded = sqlx::query(
            "INSERT INTO delivery_attempts (delivery_id, attempt_no, started_at, status_code, latency_ms, outcome, error) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&d.delivery_id)
        .bind(attempt_no)
        .bind(a.started_at)
        .bind(a.status_code)
        .bind(a.latency_ms.min(i32::MAX as u64) as i32)
        .bind(a.outcome.label())
        .bind(a.error)
        .execute(&mut *tx)
        .await;
        if let Err(e) = recorded {
            if riskmonitor_db::pool::is_duplicate_key(&e) {
                // Another replica took the lease over after ours expired and recorded this number.
                tracing::warn!(event = "attempt_already_recorded", delivery_id = %d.delivery_id, attempt_no);
                return Ok(());
            }
            return Err(e);
        }
        match a.outcome {
            Outcome::Delivered => {
                sqlx::query(
                    "UPDATE deliveries SET status = 'delivered', attempts = ?, delivered_at = CURRENT_TIMESTAMP(6), \
                     lease_owner = NULL, lease_until = NULL, last_error = NULL WHERE delivery_id = ? AND status = 'pending'",
                )
                .bind(attempt_no)
                .bind(&d.delivery_id)
                .execute(&mut *tx)
                .await?;
                if d.kind == Kind::Breach {
                    sqlx::query(
                        "UPDATE alerts SET status = 'delivered', status_changed_at = CURRENT_TIMESTAMP(6) \
                         WHERE alert_id = ? AND status = 'pending_delivery'",
                    )
                    .bind(&d.alert_id)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            Outcome::Retry(delay) => {
                sqlx::query(
                    "UPDATE deliveries SET attempts = ?, next_attempt_at = CURRENT_TIMESTAMP(6) + INTERVAL ? MICROSECOND, \
                     lease_owner = NULL, lease_until = NULL, last_error = ? WHERE delivery_id = ? AND status = 'pending'",
                )
                .bind(attempt_no)
                .bind(delay.as_micros() as u64)
                .bind(a.error)
                .bind(&d.delivery_id)
                .execute(&mut *tx)
                .await?;
            }
            Outcome::Failed => {
                let reason = a.error.unwrap_or("retry budget spent");
                sqlx::query(
                    "UPDATE deliveries SET status = 'failed', attempts = ?, lease_owner = NULL, lease_until = NULL, \
                     last_error = ? WHERE delivery_id = ? AND status = 'pending'",
                )
                .bind(attempt_no)
                .bind(reason)
                .bind(&d.delivery_id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO dead_letters (source, reference, reason, payload) VALUES ('webhook-notifier', ?, ?, ?) \
                     ON DUPLICATE KEY UPDATE reason = VALUES(reason)",
                )
                .bind(&d.delivery_id)
                .bind(reason)
                .bind(&d.payload)
                .execute(&mut *tx)
                .await?;
                if d.kind == Kind::Breach {
                    sqlx::query(
                        "UPDATE alerts SET status = 'delivery_failed', status_changed_at = CURRENT_TIMESTAMP(6) \
                         WHERE alert_id = ? AND status = 'pending_delivery'",
                    )
                    .bind(&d.alert_id)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        tx.commit().await
    }

    /// Alerts in `pending_delivery` for a while without a breach delivery (a lost doorbell).
    pub async fn alerts_missing_breach_delivery(&self, older_than: Duration) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT a.alert_id FROM alerts a WHERE a.status = 'pending_delivery' \
             AND a.status_changed_at < CURRENT_TIMESTAMP(6) - INTERVAL ? MICROSECOND \
             AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.alert_id = a.alert_id AND d.kind = 'breach') LIMIT 100",
        )
        .bind(older_than.as_micros() as u64)
        .fetch_all(&self.pool)
        .await
    }

    /// Delivered, unacknowledged alerts whose last breach or reminder webhook went out more
    /// than `ack_timeout` ago, with the number of reminders already created.
    pub async fn alerts_awaiting_reminder(&self, ack_timeout: Duration) -> Result<Vec<(String, u32)>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT a.alert_id, MAX(d.reminder) AS last_reminder FROM alerts a \
             JOIN deliveries d ON d.alert_id = a.alert_id AND d.kind IN ('breach', 'reminder') \
             WHERE a.status = 'delivered' AND a.acked_at IS NULL AND a.escalated_at IS NULL \
             GROUP BY a.alert_id \
             HAVING SUM(d.status = 'pending') = 0 AND MAX(d.delivered_at) < CURRENT_TIMESTAMP(6) - INTERVAL ? MICROSECOND \
             LIMIT 100",
        )
        .bind(ack_timeout.as_micros() as u64)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| Ok((r.try_get("alert_id")?, r.try_get::<i32, _>("last_reminder")?.max(0) as u32)))
            .collect()
    }

    /// Resolved episodes whose breach webhook went out, not acknowledged, without a resolution webhook.
    pub async fn alerts_awaiting_resolution(&self) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT a.alert_id FROM alerts a WHERE a.resolved_at IS NOT NULL AND a.status = 'delivered' \
             AND a.acked_at IS NULL \
             AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.alert_id = a.alert_id AND d.kind = 'resolved') LIMIT 100",
        )
        .fetch_all(&self.pool)
        .await
    }

    /// Marks the alert escalated; true for the caller that did it first.
    pub async fn escalate(&self, alert_id: &str) -> Result<bool, sqlx::Error> {
        let r = sqlx::query(
            "UPDATE alerts SET escalated_at = CURRENT_TIMESTAMP(6) WHERE alert_id = ? AND escalated_at IS NULL",
        )
        .bind(alert_id)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Alerts per status with the age of the oldest one in it (for the stuck-alert metrics).
    pub async fn status_census(&self) -> Result<Vec<(String, i64, f64)>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT CAST(status AS CHAR) AS status, COUNT(*) AS n, \
             TIMESTAMPDIFF(MICROSECOND, MIN(status_changed_at), CURRENT_TIMESTAMP(6)) AS oldest_us \
             FROM alerts GROUP BY status",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                let oldest: Option<i64> = r.try_get("oldest_us")?;
                Ok((r.try_get("status")?, r.try_get("n")?, oldest.unwrap_or(0) as f64 / 1e6))
            })
            .collect()
    }

    /// Reminders made moot by an ack before they went out.
    pub async fn cancel_moot_reminders(&self) -> Result<u64, sqlx::Error> {
        let r = sqlx::query(
            "UPDATE deliveries d JOIN alerts a ON a.alert_id = d.alert_id SET d.status = 'cancelled', \
             d.lease_owner = NULL, d.lease_until = NULL \
             WHERE d.status = 'pending' AND d.kind = 'reminder' AND a.acked_at IS NOT NULL \
             AND (d.lease_until IS NULL OR d.lease_until < CURRENT_TIMESTAMP(6))",
        )
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected())
    }
}
