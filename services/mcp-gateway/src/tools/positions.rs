//! `get_positions`: positions filtered by desk, underlying and instrument type, sorted, in
//! keyset-paginated pages (an opaque cursor continues exactly where the last page ended, even
//! while positions change), with a hard page cap.

use super::views::{InstrumentKind, PositionView};
use super::{CallCtx, Concluded, Tool, Tools, name_arg, page_size};
use crate::conclusion::Conclusion;
use crate::decimal::Dec;
use crate::error::ToolError;
use crate::store::positions::{After, PageQuery, SortKey, page};
use bigdecimal::BigDecimal;
use chrono::{DateTime, Utc};
use riskmonitor_domain::Exposure;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PositionSort {
    PositionId,
    GrossNotional,
    UpdatedAt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    Asc,
    Desc,
}

/// Arguments of `get_positions` (all optional).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetPositionsInput {
    /// Only positions on this desk (exact name).
    #[schemars(length(min = 1, max = 64), regex(pattern = r"\S"))]
    pub desk: Option<String>,
    /// Only positions on this underlying (exact symbol, e.g. `SPX`).
    #[schemars(length(min = 1, max = 32), regex(pattern = r"\S"))]
    pub underlying: Option<String>,
    /// Only this instrument type: `EQUITY`, `FUTURE` or `OPTION`.
    pub instrument_type: Option<InstrumentKind>,
    /// Sort key: `position_id` (default), `gross_notional` (|quantity × multiplier × price|) or
    /// `updated_at`; ties are broken by position_id.
    pub sort: Option<PositionSort>,
    /// `asc` or `desc`; default `asc` for position_id, `desc` for the other keys.
    pub order: Option<SortOrder>,
    /// Page size, 1 to 500 (the hard cap); default 50.
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page; continues with the same filters and sort.
    pub cursor: Option<String>,
}

/// A page of positions.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GetPositionsOutput {
    pub positions: Vec<PositionView>,
    /// Positions on this page.
    pub count: usize,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
    pub sort: PositionSort,
    pub order: SortOrder,
    /// The page size used.
    pub limit: u32,
    /// Σ gross notional of this page's positions.
    pub page_gross_notional: Dec,
    pub conclusion: Conclusion,
}

impl Concluded for GetPositionsOutput {
    fn conclusion(&self) -> &Conclusion {
        &self.conclusion
    }
}

pub struct GetPositions;

impl Tool for GetPositions {
    const NAME: &'static str = "get_positions";
    const TITLE: &'static str = "Get positions";
    const DESCRIPTION: &'static str = "List positions, filtered by desk, underlying and instrument type, sorted by \
        position_id, gross_notional or updated_at, one page at a time (cursor pagination, at most 500 per page). \
        Each position carries its notional and what it adds to its desk's gross notional, net delta and vega. \
        Decimals are exact strings.";
    const OPEN_WORLD: bool = false;
    type Input = GetPositionsInput;
    type Output = GetPositionsOutput;

    async fn run(tools: &Tools, input: GetPositionsInput, _call: &CallCtx) -> Result<GetPositionsOutput, ToolError> {
        let limit = page_size(input.limit, tools.settings().default_page_size)?;
        let desk = input.desk.as_deref().map(|d| name_arg("desk", d, 64)).transpose()?;
        let underlying = input.underlying.as_deref().map(|u| name_arg("underlying", u, 32)).transpose()?;
        let sort = input.sort.unwrap_or(PositionSort::PositionId);
        let order =
            input.order.unwrap_or(if sort == PositionSort::PositionId { SortOrder::Asc } else { SortOrder::Desc });
        let filter = fingerprint(desk.as_deref(), underlying.as_deref(), input.instrument_type);
        let after = input.cursor.as_deref().map(|c| Cursor::decode(c, sort, order, filter)).transpose()?;
        let query = PageQuery {
            desk: desk.clone(),
            underlying: underlying.clone(),
            instrument_type: input.instrument_type.map(Into::into),
            sort: match sort {
                PositionSort::PositionId => SortKey::PositionId,
                PositionSort::GrossNotional => SortKey::GrossNotional,
                PositionSort::UpdatedAt => SortKey::UpdatedAt,
            },
            descending: order == SortOrder::Desc,
            after,
            limit: limit + 1,
        };
        let mut rows = page(tools.db(), &query).await?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next_cursor = match (more, rows.last()) {
            (true, Some(last)) => Some(Cursor::after(last, sort, order, filter).encode()),
            _ => None,
        };
        let positions: Vec<PositionView> = rows.iter().map(PositionView::of).collect();
        let page_gross = rows.iter().fold(BigDecimal::from(0), |acc, p| acc + Exposure::of(p).gross_notional);
        let mut out = GetPositionsOutput {
            count: positions.len(),
            positions,
            next_cursor,
            sort,
            order,
            limit,
            page_gross_notional: Dec::from(page_gross),
            conclusion: Conclusion::deterministic(String::new()),
        };
        let text = template(&out, desk.as_deref(), underlying.as_deref(), input.cursor.is_some());
        out.conclusion = tools.conclude(Self::NAME, &out, text).await;
        Ok(out)
    }
}

fn template(out: &GetPositionsOutput, desk: Option<&str>, underlying: Option<&str>, continued: bool) -> String {
    let mut scope = Vec::new();
    if let Some(d) = desk {
        scope.push(format!("desk {d}"));
    }
    if let Some(u) = underlying {
        scope.push(format!("underlying {u}"));
    }
    let scope = if scope.is_empty() { "all desks".to_owned() } else { scope.join(", ") };
    if out.positions.is_empty() {
        return if continued {
            format!("No more positions for {scope}.")
        } else {
            format!("No positions match {scope}.")
        };
    }
    let largest = out
        .positions
        .iter()
        .max_by(|a, b| a.exposure.gross_notional.cmp(&b.exposure.gross_notional))
        .map(|p| {
            format!(
                " The largest on this page is position {} ({} {} on {}), gross notional {}.",
                p.position_id,
                p.underlying,
                match p.instrument_type {
                    InstrumentKind::Equity => "equity",
                    InstrumentKind::Future => "future",
                    InstrumentKind::Option => "option",
                },
                p.desk,
                crate::decimal::round(&p.exposure.gross_notional.0, 2),
            )
        })
        .unwrap_or_default();
    let more =
        if out.next_cursor.is_some() { " More positions follow: pass next_cursor." } else { " This is the last page." };
    format!(
        "{} position(s) for {scope}, page gross notional {}.{largest}{more}",
        out.count,
        crate::decimal::round(&out.page_gross_notional.0, 2)
    )
}

/// Where a page ended, plus what it was a page of (so a cursor cannot be replayed against
/// other filters or another order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Cursor {
    s: PositionSort,
    o: SortOrder,
    f: u64,
    id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    k: Option<String>,
}

impl Cursor {
    fn after(p: &riskmonitor_domain::Position, s: PositionSort, o: SortOrder, f: u64) -> Self {
        let k = match s {
            PositionSort::PositionId => None,
            PositionSort::GrossNotional => Some(riskmonitor_domain::decimal::plain(&Exposure::of(p).gross_notional)),
            PositionSort::UpdatedAt => p.updated_at.map(|t| t.timestamp_micros().to_string()),
        };
        Self { s, o, f, id: p.position_id, k }
    }

    fn encode(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        json.bytes().map(|b| format!("{b:02x}")).collect()
    }

    fn decode(text: &str, s: PositionSort, o: SortOrder, f: u64) -> Result<After, ToolError> {
        let bad = |why: &str| ToolError::input("cursor", why.to_owned());
        let bytes = (0..text.len())
            .step_by(2)
            .map(|i| text.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(|| bad("not a cursor returned by get_positions"))?;
        let c: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad("not a cursor returned by get_positions"))?;
        if c.s != s || c.o != o || c.f != f {
            return Err(bad("this cursor belongs to a query with other filters, sort or order"));
        }
        let key = || c.k.clone().ok_or_else(|| bad("cursor without its sort key"));
        Ok(match s {
            PositionSort::PositionId => After::Id(c.id),
            PositionSort::GrossNotional => {
                After::Gross(BigDecimal::from_str(&key()?).map_err(|_| bad("corrupt cursor"))?, c.id)
            }
            PositionSort::UpdatedAt => {
                let micros: i64 = key()?.parse().map_err(|_| bad("corrupt cursor"))?;
                let at = DateTime::<Utc>::from_timestamp_micros(micros).ok_or_else(|| bad("corrupt cursor"))?;
                After::Updated(at, c.id)
            }
        })
    }
}

/// FNV-1a of the filters.
fn fingerprint(desk: Option<&str>, underlying: Option<&str>, t: Option<InstrumentKind>) -> u64 {
    let text = format!("{desk:?}|{underlying:?}|{t:?}");
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_are_bound_to_their_query() {
        let f = fingerprint(Some("rates"), None, None);
        let c = Cursor { s: PositionSort::GrossNotional, o: SortOrder::Desc, f, id: 42, k: Some("1234.5".into()) };
        let text = c.encode();
        let after = Cursor::decode(&text, PositionSort::GrossNotional, SortOrder::Desc, f).unwrap();
        assert_eq!(after, After::Gross(BigDecimal::from_str("1234.5").unwrap(), 42));
        let e = Cursor::decode(&text, PositionSort::GrossNotional, SortOrder::Asc, f).unwrap_err();
        assert_eq!(e.field(), Some("cursor"));
        assert!(Cursor::decode("zz", PositionSort::PositionId, SortOrder::Asc, f).is_err());
        assert!(Cursor::decode("abc", PositionSort::PositionId, SortOrder::Asc, f).is_err());
    }
}
