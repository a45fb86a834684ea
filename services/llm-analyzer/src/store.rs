//! The analyzer's MySQL work: claims (leases) on alerts, the analysis write with its outbox
//! message, and the scan for alerts left behind.

use riskmonitor_db::alerts::Alert;
use riskmonitor_domain::AlertStatus;
use riskmonitor_kafka::AlertEvent;
use sqlx::MySqlPool;
use std::time::Duration;

#[derive(Clone)]
pub struct Store {
    pub pool: MySqlPool,
    pub owner: String,
    pub lease: Duration,
    pub delivery_topic: String,
}

#[derive(Debug)]
pub enum Claim {
    /// This replica may analyse the alert until the lease ends.
    Claimed(Box<Alert>),
    /// Already analysed (or further along): a duplicate or a replay.
    AlreadyDone(AlertStatus),
    /// Another replica holds a live claim; if it dies, the reconciliation scan takes over.
    Busy,
    Missing,
}

/// What to write for a finished analysis.
pub struct Finished<'a> {
    pub analysis: &'a serde_json::Value,
    pub summary: &'a str,
    /// `llm` or `deterministic`.
    pub source: &'static str,
}

impl Store {
    pub async fn claim(&self, alert_id: &str) -> Result<Claim, sqlx::Error> {
        let claimed = sqlx::query(
            "UPDATE alerts SET claimed_by = ?, claim_until = CURRENT_TIMESTAMP(6) + INTERVAL ? MICROSECOND \
             WHERE alert_id = ? AND status = 'pending_analysis' \
             AND (claim_until IS NULL OR claim_until < CURRENT_TIMESTAMP(6) OR claimed_by = ?)",
        )
        .bind(&self.owner)
        .bind(self.lease.as_micros() as u64)
        .bind(alert_id)
        .bind(&self.owner)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1;
        let alert = riskmonitor_db::alerts::find(&self.pool, alert_id).await?;
        Ok(match alert {
            None => Claim::Missing,
            Some(a) if claimed => Claim::Claimed(Box::new(a)),
            Some(a) if a.status != AlertStatus::PendingAnalysis => Claim::AlreadyDone(a.status),
            Some(_) => Claim::Busy,
        })
    }

    /// Writes the analysis and moves the alert to `pending_delivery`, with the outbox message
    /// for `alerts_pending_delivery`, only if this replica still holds the claim. Returns
    /// whether it did (false: the lease was lost and another replica finished first).
    pub async fn complete(&self, alert: &Alert, done: &Finished<'_>) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE alerts SET analysis = ?, summary = ?, analysis_source = ?, analysed_at = CURRENT_TIMESTAMP(6), \
             status = 'pending_delivery', status_changed_at = CURRENT_TIMESTAMP(6), claimed_by = NULL, claim_until = NULL \
             WHERE alert_id = ? AND status = 'pending_analysis' AND claimed_by = ?",
        )
        .bind(done.analysis)
        .bind(done.summary)
        .bind(done.source)
        .bind(&alert.alert_id)
        .bind(&self.owner)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !updated {
            return Ok(false);
        }
        let event = AlertEvent {
            alert_id: alert.alert_id.clone(),
            desk: alert.desk.clone(),
            metric: alert.metric.as_str().to_owned(),
            status: AlertStatus::PendingDelivery.as_str().to_owned(),
            traceparent: alert.traceparent.clone(),
            produced_at_ms: chrono::Utc::now().timestamp_millis(),
        };
        riskmonitor_kafka::outbox::enqueue(&mut tx, &self.delivery_topic, &event).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Gives the claim back early (the analysis failed); the alert is retried by the scan.
    pub async fn release(&self, alert_id: &str) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE alerts SET claimed_by = NULL, claim_until = NULL WHERE alert_id = ? AND claimed_by = ?")
            .bind(alert_id)
            .bind(&self.owner)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Alerts still `pending_analysis` after `older_than` with no live claim.
    pub async fn stuck(&self, older_than: Duration) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT alert_id FROM alerts WHERE status = 'pending_analysis' \
             AND status_changed_at < CURRENT_TIMESTAMP(6) - INTERVAL ? MICROSECOND \
             AND (claim_until IS NULL OR claim_until < CURRENT_TIMESTAMP(6)) ORDER BY opened_at LIMIT 100",
        )
        .bind(older_than.as_micros() as u64)
        .fetch_all(&self.pool)
        .await
    }
}
