//! The `alerts` table as the services read it.

use bigdecimal::BigDecimal;
use chrono::{DateTime, Utc};
use riskmonitor_domain::{AlertStatus, Metric};
use serde::Serialize;
use sqlx::mysql::MySqlRow;
use sqlx::{FromRow, MySqlExecutor, Row};
use std::str::FromStr;

/// One alert (= one breach episode) with its analysis and acknowledgement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub alert_id: String,
    pub desk: String,
    pub metric: Metric,
    pub status: AlertStatus,
    pub value: BigDecimal,
    pub limit_value: BigDecimal,
    pub resolve_ratio: BigDecimal,
    pub opened_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_value: Option<BigDecimal>,
    pub traceparent: Option<String>,
    pub analysis: Option<serde_json::Value>,
    pub summary: Option<String>,
    pub analysis_source: Option<String>,
    pub analysed_at: Option<DateTime<Utc>>,
    pub acked_at: Option<DateTime<Utc>>,
    pub acked_by: Option<String>,
    pub acked_delivery_id: Option<String>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub status_changed_at: DateTime<Utc>,
}

/// The select list matching [`Alert`]'s `FromRow`.
pub const ALERT_COLUMNS: &str = "alert_id, desk, CAST(metric AS CHAR) AS metric, CAST(status AS CHAR) AS status, \
    value, limit_value, resolve_ratio, opened_at, resolved_at, resolved_value, traceparent, analysis, summary, \
    CAST(analysis_source AS CHAR) AS analysis_source, analysed_at, acked_at, acked_by, acked_delivery_id, \
    escalated_at, status_changed_at";

impl<'r> FromRow<'r, MySqlRow> for Alert {
    fn from_row(row: &'r MySqlRow) -> Result<Self, sqlx::Error> {
        let metric: String = row.try_get("metric")?;
        let status: String = row.try_get("status")?;
        let bad = |col: &str, e: String| sqlx::Error::ColumnDecode { index: col.into(), source: e.into() };
        Ok(Alert {
            alert_id: row.try_get("alert_id")?,
            desk: row.try_get("desk")?,
            metric: Metric::from_str(&metric).map_err(|e| bad("metric", e))?,
            status: AlertStatus::from_str(&status).map_err(|e| bad("status", e))?,
            value: row.try_get::<BigDecimal, _>("value")?.normalized(),
            limit_value: row.try_get::<BigDecimal, _>("limit_value")?.normalized(),
            resolve_ratio: row.try_get::<BigDecimal, _>("resolve_ratio")?.normalized(),
            opened_at: row.try_get("opened_at")?,
            resolved_at: row.try_get("resolved_at")?,
            resolved_value: row.try_get::<Option<BigDecimal>, _>("resolved_value")?.map(|v| v.normalized()),
            traceparent: row.try_get("traceparent")?,
            analysis: row.try_get("analysis")?,
            summary: row.try_get("summary")?,
            analysis_source: row.try_get("analysis_source")?,
            analysed_at: row.try_get("analysed_at")?,
            acked_at: row.try_get("acked_at")?,
            acked_by: row.try_get("acked_by")?,
            acked_delivery_id: row.try_get("acked_delivery_id")?,
            escalated_at: row.try_get("escalated_at")?,
            status_changed_at: row.try_get("status_changed_at")?,
        })
    }
}

/// The alert, if it exists.
pub async fn find<'e>(db: impl MySqlExecutor<'e>, alert_id: &str) -> Result<Option<Alert>, sqlx::Error> {
    let sql = format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE alert_id = ?");
    sqlx::query_as::<_, Alert>(sqlx::AssertSqlSafe(sql)).bind(alert_id).fetch_optional(db).await
}
