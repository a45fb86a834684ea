//! Alerts (one per breach episode), with their deliveries and delivery attempts.

use crate::deps::{Db, DepError};
use chrono::{DateTime, Utc};
use riskmonitor_db::alerts::{ALERT_COLUMNS, Alert};
use riskmonitor_domain::AlertStatus;
use sqlx::{MySql, QueryBuilder, Row};

#[derive(Debug, Clone)]
pub struct AlertFilter {
    pub desk: Option<String>,
    pub status: Option<AlertStatus>,
    /// Only episodes not yet resolved.
    pub open_only: bool,
    /// Only alerts delivered and not yet acknowledged.
    pub awaiting_ack: bool,
    /// Where the previous page (newest first) ended: `(opened_at, alert_id)`.
    pub after: Option<(DateTime<Utc>, String)>,
    pub limit: u32,
}

/// Alerts newest first.
pub async fn page(db: &Db, f: &AlertFilter) -> Result<Vec<Alert>, DepError> {
    db.run(async {
        let mut qb: QueryBuilder<MySql> = QueryBuilder::new(format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE 1 = 1"));
        if let Some(d) = &f.desk {
            qb.push(" AND desk = ").push_bind(d.clone());
        }
        if let Some(s) = f.status {
            qb.push(" AND status = ").push_bind(s.as_str());
        }
        if f.open_only {
            qb.push(" AND resolved_at IS NULL");
        }
        if f.awaiting_ack {
            qb.push(" AND status = 'delivered' AND acked_at IS NULL");
        }
        if let Some((at, id)) = &f.after {
            qb.push(" AND (opened_at < ").push_bind(*at);
            qb.push(" OR (opened_at = ").push_bind(*at);
            qb.push(" AND alert_id < ").push_bind(id.clone()).push("))");
        }
        qb.push(" ORDER BY opened_at DESC, alert_id DESC LIMIT ").push_bind(f.limit);
        qb.build_query_as::<Alert>().fetch_all(db.pool()).await
    })
    .await
}

pub async fn find(db: &Db, alert_id: &str) -> Result<Option<Alert>, DepError> {
    db.run(riskmonitor_db::alerts::find(db.pool(), alert_id)).await
}

/// One webhook of an alert.
#[derive(Debug, Clone)]
pub struct DeliveryRow {
    pub delivery_id: String,
    pub kind: String,
    pub reminder: i32,
    pub status: String,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
}

/// One attempt to send a delivery.
#[derive(Debug, Clone)]
pub struct AttemptRow {
    pub delivery_id: String,
    pub attempt_no: i32,
    pub started_at: DateTime<Utc>,
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    pub outcome: String,
    pub error: Option<String>,
}

/// The alert's deliveries (oldest first) and all their attempts.
pub async fn deliveries(db: &Db, alert_id: &str) -> Result<(Vec<DeliveryRow>, Vec<AttemptRow>), DepError> {
    db.run(async {
        let rows = sqlx::query(
            "SELECT delivery_id, CAST(kind AS CHAR) AS kind, reminder, CAST(status AS CHAR) AS status, attempts, \
             created_at, delivered_at, next_attempt_at, last_error FROM deliveries WHERE alert_id = ? \
             ORDER BY created_at, reminder",
        )
        .bind(alert_id)
        .fetch_all(db.pool())
        .await?;
        let deliveries = rows
            .iter()
            .map(|r| {
                Ok(DeliveryRow {
                    delivery_id: r.try_get("delivery_id")?,
                    kind: r.try_get("kind")?,
                    reminder: r.try_get("reminder")?,
                    status: r.try_get("status")?,
                    attempts: r.try_get("attempts")?,
                    created_at: r.try_get("created_at")?,
                    delivered_at: r.try_get("delivered_at")?,
                    next_attempt_at: r.try_get("next_attempt_at")?,
                    last_error: r.try_get("last_error")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let rows = sqlx::query(
            "SELECT a.delivery_id, a.attempt_no, a.started_at, a.status_code, a.latency_ms, \
             CAST(a.outcome AS CHAR) AS outcome, a.error FROM delivery_attempts a \
             JOIN deliveries d ON d.delivery_id = a.delivery_id WHERE d.alert_id = ? \
             ORDER BY a.delivery_id, a.attempt_no",
        )
        .bind(alert_id)
        .fetch_all(db.pool())
        .await?;
        let attempts = rows
            .iter()
            .map(|r| {
                Ok(AttemptRow {
                    delivery_id: r.try_get("delivery_id")?,
                    attempt_no: r.try_get("attempt_no")?,
                    started_at: r.try_get("started_at")?,
                    status_code: r.try_get("status_code")?,
                    latency_ms: r.try_get("latency_ms")?,
                    outcome: r.try_get("outcome")?,
                    error: r.try_get("error")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        Ok((deliveries, attempts))
    })
    .await
}
