//! The risk manager's acknowledgement: `POST /v1/alerts/{alert_id}/ack` with the
//! `delivery_id` of a webhook sent for that alert. The first ack moves the alert to
//! `consumed` and records when, by whom (the token's name) and with which delivery; every
//! later ack of the alert answers the same 200 without changing anything.
//!
//! "Sent" means the notifier attempted the delivery (`attempts > 0`) or is attempting it right
//! now (a pending delivery under a live lease): a receiver that acks from inside its webhook
//! handler does so before the notifier records the attempt, and must not get a 409.

use crate::deps::Db;
use crate::error::ToolError;
use crate::tools::views::{StatusName, Timestamp};
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// Body of the ack.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AckInput {
    /// The `delivery_id` (the `webhook-id` header) of a webhook sent for this alert.
    #[schemars(length(min = 1, max = 64), regex(pattern = r"\S"))]
    pub delivery_id: String,
}

/// The alert's acknowledgement.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AckOutput {
    pub alert_id: String,
    /// Always `consumed`.
    pub status: StatusName,
    pub acked_at: Timestamp,
    /// The name of the token that acknowledged first.
    pub acked_by: String,
    /// The delivery the first ack named.
    pub acked_delivery_id: String,
    /// True when the alert had already been acknowledged (nothing changed).
    pub already_acked: bool,
}

enum Outcome {
    NoAlert,
    NeverSent,
    Acked { at: DateTime<Utc>, by: String, delivery: String, already: bool },
}

/// Records the ack of `alert_id` with `delivery_id` by `by`.
pub async fn ack(db: &Db, alert_id: &str, delivery_id: &str, by: &str) -> Result<AckOutput, ToolError> {
    let delivery_id = delivery_id.trim();
    if delivery_id.is_empty() || delivery_id.len() > 64 {
        return Err(ToolError::input("delivery_id", "must be the 1 to 64 character id of a delivery"));
    }
    if alert_id.is_empty() || alert_id.len() > 64 {
        return Err(ToolError::NotFound(format!("no alert with alert_id `{alert_id}`")));
    }
    let outcome = db.run(record(db, alert_id, delivery_id, by)).await.map_err(ToolError::from)?;
    match outcome {
        Outcome::NoAlert => Err(ToolError::NotFound(format!("no alert with alert_id `{alert_id}`"))),
        Outcome::NeverSent => {
            Err(ToolError::Conflict(format!("delivery `{delivery_id}` was never sent for alert `{alert_id}`")))
        }
        Outcome::Acked { at, by, delivery, already } => {
            if !already {
                tracing::info!(event = "alert_acked", alert_id, delivery_id, acked_by = %by, "alert acknowledged");
            }
            Ok(AckOutput {
                alert_id: alert_id.to_owned(),
                status: StatusName::Consumed,
                acked_at: Timestamp(at),
                acked_by: by,
                acked_delivery_id: delivery,
                already_acked: already,
            })
        }
    }
}

async fn record(db: &Db, alert_id: &str, delivery_id: &str, by: &str) -> Result<Outcome, sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    let row = sqlx::query("SELECT acked_at, acked_by, acked_delivery_id FROM alerts WHERE alert_id = ? FOR UPDATE")
        .bind(alert_id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(row) = row else {
        return Ok(Outcome::NoAlert);
    };
    let sent: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM deliveries WHERE delivery_id = ? AND alert_id = ? \
         AND (attempts > 0 OR (status = 'pending' AND lease_until > CURRENT_TIMESTAMP(6)))",
    )
    .bind(delivery_id)
    .bind(alert_id)
    .fetch_one(&mut *tx)
    .await?;
    if sent == 0 {
        return Ok(Outcome::NeverSent);
    }
    let acked_at: Option<DateTime<Utc>> = row.try_get("acked_at")?;
    if let Some(at) = acked_at {
        let by: Option<String> = row.try_get("acked_by")?;
        let delivery: Option<String> = row.try_get("acked_delivery_id")?;
        tx.commit().await?;
        return Ok(Outcome::Acked {
            at,
            by: by.unwrap_or_default(),
            delivery: delivery.unwrap_or_default(),
            already: true,
        });
    }
    sqlx::query(
        "UPDATE alerts SET status = 'consumed', status_changed_at = CURRENT_TIMESTAMP(6), \
         acked_at = CURRENT_TIMESTAMP(6), acked_by = ?, acked_delivery_id = ? WHERE alert_id = ? AND acked_at IS NULL",
    )
    .bind(by)
    .bind(delivery_id)
    .bind(alert_id)
    .execute(&mut *tx)
    .await?;
    let at: DateTime<Utc> =
        sqlx::query_scalar("SELECT acked_at FROM alerts WHERE alert_id = ?").bind(alert_id).fetch_one(&mut *tx).await?;
    tx.commit().await?;
    Ok(Outcome::Acked { at, by: by.to_owned(), delivery: delivery_id.to_owned(), already: false })
}
