//! The engine's per-desk aggregates (`desk_exposures`) and the desks' live alerts.

use crate::deps::{Db, DepError};
use bigdecimal::BigDecimal;
use chrono::{DateTime, Utc};
use riskmonitor_db::alerts::{ALERT_COLUMNS, Alert};
use riskmonitor_domain::Exposure;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq)]
pub struct DeskExposure {
    pub desk: String,
    pub exposure: Exposure,
    pub position_count: i64,
    pub updated_at: DateTime<Utc>,
}

/// `desk_exposures` (optionally of one desk), as the engine maintains it.
pub async fn exposures(db: &Db, desk: Option<&str>) -> Result<Vec<DeskExposure>, DepError> {
    db.run(async {
        let base = "SELECT desk, gross_notional, net_delta, vega, position_count, updated_at FROM desk_exposures";
        let rows = match desk {
            Some(d) => {
                sqlx::query(sqlx::AssertSqlSafe(format!("{base} WHERE desk = ?"))).bind(d).fetch_all(db.pool()).await?
            }
            None => sqlx::query(base).fetch_all(db.pool()).await?,
        };
        rows.iter()
            .map(|r| {
                Ok(DeskExposure {
                    desk: r.try_get("desk")?,
                    exposure: Exposure {
                        gross_notional: r.try_get::<BigDecimal, _>("gross_notional")?.normalized(),
                        net_delta: r.try_get::<BigDecimal, _>("net_delta")?.normalized(),
                        vega: r.try_get::<BigDecimal, _>("vega")?.normalized(),
                    },
                    position_count: r.try_get("position_count")?,
                    updated_at: r.try_get("updated_at")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
    })
    .await
}

/// Alerts that matter to the monitor: episodes still open, and alerts delivered but not yet
/// acknowledged (optionally of one desk).
pub async fn live_alerts(db: &Db, desk: Option<&str>) -> Result<Vec<Alert>, DepError> {
    db.run(async {
        let base = format!(
            "SELECT {ALERT_COLUMNS} FROM alerts WHERE (resolved_at IS NULL OR (status = 'delivered' AND acked_at IS NULL))"
        );
        match desk {
            Some(d) => {
                let sql = format!("{base} AND desk = ? ORDER BY opened_at");
                sqlx::query_as::<_, Alert>(sqlx::AssertSqlSafe(sql)).bind(d).fetch_all(db.pool()).await
            }
            None => {
                let sql = format!("{base} ORDER BY opened_at");
                sqlx::query_as::<_, Alert>(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await
            }
        }
    })
    .await
}

/// Every desk name known anywhere (aggregates, limits, positions), sorted.
pub async fn names(db: &Db) -> Result<Vec<String>, DepError> {
    db.run(
        sqlx::query_scalar(
            "SELECT desk FROM desk_exposures UNION SELECT desk FROM risk_limits \
             UNION SELECT DISTINCT desk FROM positions ORDER BY desk LIMIT 10000",
        )
        .fetch_all(db.pool()),
    )
    .await
}
