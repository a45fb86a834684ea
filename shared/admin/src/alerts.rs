//! Alerts stuck in a status: found, and re-published to the topic of the stage that owns the
//! status (through the outbox, exactly as the stages themselves publish).

use crate::AdminError;
use riskmonitor_domain::AlertStatus;
use riskmonitor_kafka::{AlertCodec, AlertEvent, KafkaSettings};
use serde::Serialize;
use sqlx::{MySqlPool, Row};
use std::time::Duration;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Stuck {
    pub alert_id: String,
    pub desk: String,
    pub metric: String,
    pub status: String,
    pub seconds_in_status: i64,
}

/// The statuses a stage still has to move an alert out of, and the topic that rings that stage.
pub fn topic_for(status: AlertStatus, kafka: &KafkaSettings) -> Option<&str> {
    match status {
        AlertStatus::PendingAnalysis => Some(&kafka.topics.alerts_pending_analysis.name),
        AlertStatus::PendingDelivery => Some(&kafka.topics.alerts_pending_delivery.name),
        _ => None,
    }
}

pub async fn find(pool: &MySqlPool, statuses: &[AlertStatus], older_than: Duration) -> Result<Vec<Stuck>, AdminError> {
    let mut out = Vec::new();
    for status in statuses {
        let rows = sqlx::query(
            "SELECT alert_id, desk, CAST(metric AS CHAR) AS metric, \
             TIMESTAMPDIFF(SECOND, status_changed_at, CURRENT_TIMESTAMP(6)) AS age \
             FROM alerts WHERE status = ? AND status_changed_at < CURRENT_TIMESTAMP(6) - INTERVAL ? SECOND \
             ORDER BY status_changed_at LIMIT 10000",
        )
        .bind(status.as_str())
        .bind(older_than.as_secs())
        .fetch_all(pool)
        .await?;
        for r in rows {
            out.push(Stuck {
                alert_id: r.try_get("alert_id")?,
                desk: r.try_get("desk")?,
                metric: r.try_get("metric")?,
                status: status.as_str().to_owned(),
                seconds_in_status: r.try_get("age")?,
            });
        }
    }
    Ok(out)
}

/// Re-publishes each alert's id to its stage's topic; returns how many were published.
pub async fn republish(pool: &MySqlPool, kafka: &KafkaSettings, stuck: &[Stuck]) -> Result<usize, AdminError> {
    let mut tx = pool.begin().await?;
    for s in stuck {
        let status: AlertStatus = s.status.parse().map_err(AdminError::Usage)?;
        let Some(topic) = topic_for(status, kafka) else { continue };
        let traceparent: Option<String> = sqlx::query_scalar("SELECT traceparent FROM alerts WHERE alert_id = ?")
            .bind(&s.alert_id)
            .fetch_one(&mut *tx)
            .await?;
        let event = AlertEvent {
            alert_id: s.alert_id.clone(),
            desk: s.desk.clone(),
            metric: s.metric.clone(),
            status: s.status.clone(),
            traceparent,
            produced_at_ms: chrono::Utc::now().timestamp_millis(),
        };
        riskmonitor_kafka::outbox::enqueue(&mut tx, topic, &event).await?;
    }
    tx.commit().await?;
    let producer = riskmonitor_kafka::producer::build(kafka, "riskmonitor-admin")?;
    let codec = AlertCodec::new(&kafka.registry_url, Duration::from_millis(kafka.registry_timeout_ms))?;
    let relay = riskmonitor_kafka::outbox::Relay::new(pool.clone(), producer, codec, Duration::from_secs(1));
    let mut published = 0;
    loop {
        let n = relay.publish_pending().await?;
        published += n;
        if n == 0 {
            break;
        }
    }
    Ok(published)
}
