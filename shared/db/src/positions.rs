//! The contract's `positions` table as the services read it.

use bigdecimal::BigDecimal;
use riskmonitor_domain::{InstrumentType, OptionType, Position};
use sqlx::mysql::MySqlRow;
use sqlx::{MySqlExecutor, QueryBuilder, Row};
use std::str::FromStr;

/// The select list [`from_row`] reads.
pub const POSITION_COLUMNS: &str = "position_id, desk, instrument_id, CAST(instrument_type AS CHAR) AS instrument_type, \
    underlying, quantity, multiplier, price, delta, vega, CAST(option_type AS CHAR) AS option_type, strike, expiry, \
    currency, updated_at";

fn bad(col: &str, e: String) -> sqlx::Error {
    sqlx::Error::ColumnDecode { index: col.into(), source: e.into() }
}

pub fn from_row(row: &MySqlRow) -> Result<Position, sqlx::Error> {
    let instrument_type: String = row.try_get("instrument_type")?;
    let option_type: Option<String> = row.try_get("option_type")?;
    Ok(Position {
        position_id: row.try_get("position_id")?,
        desk: row.try_get("desk")?,
        instrument_id: row.try_get("instrument_id")?,
        instrument_type: InstrumentType::from_str(&instrument_type)
            .map_err(|e| bad("instrument_type", e.to_string()))?,
        underlying: row.try_get("underlying")?,
        quantity: row.try_get::<BigDecimal, _>("quantity")?.normalized(),
        multiplier: row.try_get::<BigDecimal, _>("multiplier")?.normalized(),
        price: row.try_get::<BigDecimal, _>("price")?.normalized(),
        delta: row.try_get::<BigDecimal, _>("delta")?.normalized(),
        vega: row.try_get::<BigDecimal, _>("vega")?.normalized(),
        option_type: option_type
            .as_deref()
            .map(OptionType::from_str)
            .transpose()
            .map_err(|e| bad("option_type", e.to_string()))?,
        strike: row.try_get::<Option<BigDecimal>, _>("strike")?.map(|s| s.normalized()),
        expiry: row.try_get("expiry")?,
        currency: row.try_get("currency")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Every position on any of `desks`.
pub async fn on_desks<'e>(db: impl MySqlExecutor<'e>, desks: &[String]) -> Result<Vec<Position>, sqlx::Error> {
    if desks.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = QueryBuilder::new(format!("SELECT {POSITION_COLUMNS} FROM positions WHERE desk IN ("));
    let mut list = q.separated(",");
    for d in desks {
        list.push_bind(d);
    }
    q.push(") ORDER BY position_id");
    q.build().fetch_all(db).await?.iter().map(from_row).collect()
}
