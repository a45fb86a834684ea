//! The analysis context of an alert: the desk's aggregates and limits, its top contributors to
//! the breached metric, and a market snapshot of their underlyings (best effort: without market
//! data the analysis still goes ahead, and says so).

use crate::app::Shared;
use bigdecimal::{BigDecimal, ToPrimitive, Zero};
use riskmonitor_db::alerts::Alert;
use riskmonitor_domain::Metric;
use riskmonitor_llm::AnalysisContext;
use riskmonitor_llm::analysis::{AlertFacts, Contributor, DeskFacts, LimitFacts, QuoteFacts};
use sqlx::Row;
use std::str::FromStr;

pub async fn load(shared: &Shared, alert: &Alert) -> Result<AnalysisContext, sqlx::Error> {
    let pool = &shared.store.pool;
    let desk_row =
        sqlx::query("SELECT gross_notional, net_delta, vega, position_count FROM desk_exposures WHERE desk = ?")
            .bind(&alert.desk)
            .fetch_optional(pool)
            .await?;
    let desk = match desk_row {
        Some(r) => DeskFacts {
            gross_notional: r.try_get::<BigDecimal, _>("gross_notional")?.normalized(),
            net_delta: r.try_get::<BigDecimal, _>("net_delta")?.normalized(),
            vega: r.try_get::<BigDecimal, _>("vega")?.normalized(),
            position_count: r.try_get("position_count")?,
        },
        None => DeskFacts {
            gross_notional: BigDecimal::zero(),
            net_delta: BigDecimal::zero(),
            vega: BigDecimal::zero(),
            position_count: 0,
        },
    };
    let mut limits = Vec::new();
    for r in sqlx::query("SELECT CAST(metric AS CHAR) AS metric, limit_value FROM risk_limits WHERE desk = ?")
        .bind(&alert.desk)
        .fetch_all(pool)
        .await?
    {
        let Ok(metric) = Metric::from_str(&r.try_get::<String, _>("metric")?) else { continue };
        let limit_value: BigDecimal = r.try_get::<BigDecimal, _>("limit_value")?.normalized();
        let value = match metric {
            Metric::GrossNotional => desk.gross_notional.clone(),
            Metric::NetDelta => desk.net_delta.clone(),
            Metric::Vega => desk.vega.clone(),
        };
        let utilisation_pct =
            if limit_value.is_zero() { 0.0 } else { (value.abs() / limit_value.abs()).to_f64().unwrap_or(0.0) * 100.0 };
        limits.push(LimitFacts {
            metric,
            limit_value,
            value,
            utilisation_pct: (utilisation_pct * 100.0).round() / 100.0,
        });
    }
    let top_positions = top_contributors(shared, alert).await?;
    let mut underlyings: Vec<String> =
        top_positions.iter().map(|p| p.underlying.clone()).filter(|u| u != "unknown").collect();
    underlyings.sort();
    underlyings.dedup();
    let (market, market_note) = match shared.market.snapshot(&underlyings).await {
        Ok(snapshot) => {
            let note = (!snapshot.missing.is_empty()).then(|| format!("no quote for {}", snapshot.missing.join(", ")));
            let quotes = snapshot
                .quotes
                .into_iter()
                .map(|q| QuoteFacts {
                    underlying: q.underlying,
                    spot: q.spot,
                    volatility: q.volatility,
                    rate: q.rate,
                    as_of: q.as_of,
                })
                .collect();
            (quotes, note)
        }
        Err(e) => {
            tracing::warn!(event = "market_unavailable", error = %e, "analysing without market data");
            (Vec::new(), Some(format!("market data unavailable: {e}")))
        }
    };
    Ok(AnalysisContext {
        alert: AlertFacts {
            alert_id: alert.alert_id.clone(),
            desk: alert.desk.clone(),
            metric: alert.metric,
            value: alert.value.clone(),
            limit_value: alert.limit_value.clone(),
            resolve_ratio: alert.resolve_ratio.clone(),
            opened_at: alert.opened_at,
        },
        desk,
        limits,
        top_positions,
        market,
        market_note,
    })
}

async fn top_contributors(shared: &Shared, alert: &Alert) -> Result<Vec<Contributor>, sqlx::Error> {
    // The metric name selects a column; it comes from the enum, never from input.
    let order = match alert.metric {
        Metric::GrossNotional => "ep.gross_notional",
        Metric::NetDelta => "ep.net_delta",
        Metric::Vega => "ep.vega",
    };
    let sql = format!(
        "SELECT ep.position_id, ep.gross_notional, ep.net_delta, ep.vega, p.instrument_id, \
         CAST(p.instrument_type AS CHAR) AS instrument_type, p.underlying, p.quantity \
         FROM engine_positions ep LEFT JOIN positions p ON p.position_id = ep.position_id \
         WHERE ep.desk = ? ORDER BY ABS({order}) DESC, ep.position_id LIMIT ?"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&alert.desk)
        .bind(shared.settings.analyzer.top_positions)
        .fetch_all(&shared.store.pool)
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Contributor {
                position_id: r.try_get("position_id")?,
                instrument_id: r.try_get::<Option<String>, _>("instrument_id")?.unwrap_or_else(|| "unknown".into()),
                instrument_type: r.try_get::<Option<String>, _>("instrument_type")?.unwrap_or_else(|| "unknown".into()),
                underlying: r.try_get::<Option<String>, _>("underlying")?.unwrap_or_else(|| "unknown".into()),
                quantity: r.try_get::<Option<BigDecimal>, _>("quantity")?.map(|q| q.normalized()).unwrap_or_default(),
                gross_notional: r.try_get::<BigDecimal, _>("gross_notional")?.normalized(),
                net_delta: r.try_get::<BigDecimal, _>("net_delta")?.normalized(),
                vega: r.try_get::<BigDecimal, _>("vega")?.normalized(),
            })
        })
        .collect()
}
