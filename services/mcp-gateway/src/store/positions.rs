//! Positions: filtered, sorted, keyset-paginated pages; a desk's positions; positions by id.

use crate::deps::{Db, DepError};
use bigdecimal::BigDecimal;
use chrono::{DateTime, Utc};
use riskmonitor_db::positions::{POSITION_COLUMNS, from_row};
use riskmonitor_domain::{InstrumentType, Position};
use sqlx::{MySql, QueryBuilder};

/// Sort keys of a positions page (ties broken by `position_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    PositionId,
    /// `|quantity * multiplier * price|`.
    GrossNotional,
    UpdatedAt,
}

/// Where the previous page ended.
#[derive(Debug, Clone, PartialEq)]
pub enum After {
    Id(i64),
    Gross(BigDecimal, i64),
    Updated(DateTime<Utc>, i64),
}

#[derive(Debug, Clone)]
pub struct PageQuery {
    pub desk: Option<String>,
    pub underlying: Option<String>,
    pub instrument_type: Option<InstrumentType>,
    pub sort: SortKey,
    pub descending: bool,
    pub after: Option<After>,
    /// Rows to fetch (the caller asks one more than the page to learn whether more follow).
    pub limit: u32,
}

const GROSS: &str = "ABS(quantity * multiplier * price)";

/// One page in the requested order.
pub async fn page(db: &Db, q: &PageQuery) -> Result<Vec<Position>, DepError> {
    db.run(async {
        let mut qb: QueryBuilder<MySql> =
            QueryBuilder::new(format!("SELECT {POSITION_COLUMNS} FROM positions WHERE 1 = 1"));
        if let Some(desk) = &q.desk {
            qb.push(" AND desk = ").push_bind(desk.clone());
        }
        if let Some(u) = &q.underlying {
            qb.push(" AND underlying = ").push_bind(u.clone());
        }
        if let Some(t) = q.instrument_type {
            qb.push(" AND instrument_type = ").push_bind(t.as_str());
        }
        let cmp = if q.descending { " < " } else { " > " };
        match &q.after {
            None => {}
            Some(After::Id(id)) => {
                qb.push(" AND position_id").push(cmp).push_bind(*id);
            }
            Some(After::Gross(v, id)) => {
                qb.push(format!(" AND ({GROSS}{cmp}")).push_bind(v.clone());
                qb.push(format!(" OR ({GROSS} = ")).push_bind(v.clone());
                qb.push(" AND position_id").push(cmp).push_bind(*id).push("))");
            }
            Some(After::Updated(t, id)) => {
                qb.push(" AND (updated_at").push(cmp).push_bind(*t);
                qb.push(" OR (updated_at = ").push_bind(*t);
                qb.push(" AND position_id").push(cmp).push_bind(*id).push("))");
            }
        }
        let dir = if q.descending { "DESC" } else { "ASC" };
        match q.sort {
            SortKey::PositionId => qb.push(format!(" ORDER BY position_id {dir}")),
            SortKey::GrossNotional => qb.push(format!(" ORDER BY {GROSS} {dir}, position_id {dir}")),
            SortKey::UpdatedAt => qb.push(format!(" ORDER BY updated_at {dir}, position_id {dir}")),
        };
        qb.push(" LIMIT ").push_bind(q.limit);
        let rows = qb.build().fetch_all(db.pool()).await?;
        rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()
    })
    .await
}

/// Every position on `desk`.
pub async fn on_desk(db: &Db, desk: &str) -> Result<Vec<Position>, DepError> {
    let desks = [desk.to_owned()];
    db.run(riskmonitor_db::positions::on_desks(db.pool(), &desks)).await
}

/// The positions with these ids (unknown ids are simply absent).
pub async fn by_ids(db: &Db, ids: &[i64]) -> Result<Vec<Position>, DepError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    db.run(async {
        let mut qb: QueryBuilder<MySql> =
            QueryBuilder::new(format!("SELECT {POSITION_COLUMNS} FROM positions WHERE position_id IN ("));
        let mut list = qb.separated(",");
        for id in ids {
            list.push_bind(*id);
        }
        qb.push(") ORDER BY position_id");
        let rows = qb.build().fetch_all(db.pool()).await?;
        rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()
    })
    .await
}
