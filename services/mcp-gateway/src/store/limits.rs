//! `risk_limits`: what each desk may carry, per metric.

use crate::deps::{Db, DepError};
use bigdecimal::BigDecimal;
use riskmonitor_domain::Metric;
use sqlx::Row;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    pub desk: String,
    pub metric: Metric,
    pub limit_value: BigDecimal,
    pub resolve_ratio: BigDecimal,
}

const SELECT: &str = "SELECT desk, CAST(metric AS CHAR) AS metric, limit_value, resolve_ratio FROM risk_limits";

fn from_row(row: &sqlx::mysql::MySqlRow) -> Result<Limit, sqlx::Error> {
    let metric: String = row.try_get("metric")?;
    Ok(Limit {
        desk: row.try_get("desk")?,
        metric: Metric::from_str(&metric)
            .map_err(|e| sqlx::Error::ColumnDecode { index: "metric".into(), source: e.into() })?,
        limit_value: row.try_get::<BigDecimal, _>("limit_value")?.normalized(),
        resolve_ratio: row.try_get::<BigDecimal, _>("resolve_ratio")?.normalized(),
    })
}

/// The limits of `desk`.
pub async fn for_desk(db: &Db, desk: &str) -> Result<Vec<Limit>, DepError> {
    db.run(async {
        let sql = format!("{SELECT} WHERE desk = ? ORDER BY metric");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(desk).fetch_all(db.pool()).await?;
        rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()
    })
    .await
}

/// Every limit (optionally of one desk).
pub async fn all(db: &Db, desk: Option<&str>) -> Result<Vec<Limit>, DepError> {
    match desk {
        Some(d) => for_desk(db, d).await,
        None => {
            db.run(async {
                let rows = sqlx::query(SELECT).fetch_all(db.pool()).await?;
                rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()
            })
            .await
        }
    }
}
