//! Turns the newest change of each position into its new stored state and the deltas it
//! brings to desk aggregates. Pure: the database work lives in `store`.

use bigdecimal::BigDecimal;
use riskmonitor_domain::{Exposure, PositionChange};
use std::collections::BTreeMap;

/// `SourcePosition::ordering_key()`.
pub type OrderingKey = (u64, u64, u32, u8);

/// What `engine_positions` holds for one position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPosition {
    /// None once deleted.
    pub desk: Option<String>,
    pub exposure: Exposure,
    pub key: OrderingKey,
}

/// The change to one desk's aggregates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeskDelta {
    pub exposure: Exposure,
    pub positions: i64,
}

#[derive(Debug, Default)]
pub struct Plan {
    /// New rows for `engine_positions`, by position id.
    pub upserts: BTreeMap<i64, StoredPosition>,
    /// Deltas per desk, in desk order (the order rows are locked in).
    pub desks: BTreeMap<String, DeskDelta>,
    pub applied: u64,
    pub stale: u64,
    pub unchanged: u64,
}

/// Keeps, per position, only the change with the highest ordering key: the contribution of a
/// position depends only on its latest row image, so older changes in the same batch are moot.
pub fn newest_per_position(changes: Vec<PositionChange>) -> (BTreeMap<i64, PositionChange>, u64) {
    let mut newest: BTreeMap<i64, PositionChange> = BTreeMap::new();
    let mut superseded = 0;
    for change in changes {
        match newest.get(&change.position_id) {
            Some(kept) if kept.source.ordering_key() >= change.source.ordering_key() => superseded += 1,
            Some(_) => {
                superseded += 1;
                newest.insert(change.position_id, change);
            }
            None => {
                newest.insert(change.position_id, change);
            }
        }
    }
    (newest, superseded)
}

/// The stored state a change leads to: the `after` image, or nothing for a delete.
pub fn target_state(change: &PositionChange) -> StoredPosition {
    let key = change.source.ordering_key();
    match &change.after {
        Some(after) => StoredPosition { desk: Some(after.desk.clone()), exposure: Exposure::of(after), key },
        None => StoredPosition { desk: None, exposure: Exposure::default(), key },
    }
}

/// Plans the batch: stale changes (not newer than what is stored) are dropped; the rest give
/// new stored rows and desk deltas (a desk move takes the old contribution off the old desk and
/// adds the new one to the new desk).
pub fn plan(newest: &BTreeMap<i64, PositionChange>, stored: &BTreeMap<i64, StoredPosition>) -> Plan {
    let mut plan = Plan::default();
    for (id, change) in newest {
        let old = stored.get(id);
        let key = change.source.ordering_key();
        if old.is_some_and(|o| o.key >= key) {
            plan.stale += 1;
            continue;
        }
        let new = target_state(change);
        let (old_desk, old_exposure) = match old {
            Some(o) => (o.desk.clone(), o.exposure.clone()),
            None => (None, Exposure::default()),
        };
        if old_desk == new.desk && old_exposure == new.exposure {
            plan.unchanged += 1;
        } else {
            plan.applied += 1;
            if old_desk == new.desk {
                if let Some(desk) = &new.desk {
                    add(&mut plan.desks, desk, &(&new.exposure - &old_exposure), 0);
                }
            } else {
                if let Some(desk) = &old_desk {
                    add(&mut plan.desks, desk, &-&old_exposure, -1);
                }
                if let Some(desk) = &new.desk {
                    add(&mut plan.desks, desk, &new.exposure, 1);
                }
            }
        }
        plan.upserts.insert(*id, new);
    }
    plan
}

fn add(desks: &mut BTreeMap<String, DeskDelta>, desk: &str, exposure: &Exposure, positions: i64) {
    let entry = desks.entry(desk.to_owned()).or_default();
    entry.exposure = &entry.exposure + exposure;
    entry.positions += positions;
}

/// Largest magnitude the aggregate columns (DECIMAL(65,30)) hold: 35 integer digits.
pub fn fits_columns(e: &Exposure) -> bool {
    let bound = BigDecimal::from(10u8).powi(35);
    [&e.gross_notional, &e.net_delta, &e.vega].iter().all(|v| v.abs() < bound)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use riskmonitor_domain::{InstrumentType, Op, Position, SourcePosition};
    use std::str::FromStr;

    fn d(s: &str) -> BigDecimal {
        BigDecimal::from_str(s).unwrap()
    }

    fn change(id: i64, desk: Option<&str>, qty: &str, pos: u64) -> PositionChange {
        let after = desk.map(|desk| Position {
            position_id: id,
            desk: desk.into(),
            instrument_id: "I".into(),
            instrument_type: InstrumentType::Equity,
            underlying: "U".into(),
            quantity: d(qty),
            multiplier: d("1"),
            price: d("10"),
            delta: d("1"),
            vega: d("0"),
            option_type: None,
            strike: None,
            expiry: None,
            currency: "USD".into(),
            updated_at: None,
        });
        PositionChange {
            position_id: id,
            op: if after.is_some() { Op::Update } else { Op::Delete },
            before: None,
            after,
            source: SourcePosition {
                file: "binlog.000001".into(),
                pos,
                row: 0,
                snapshot: false,
                server_id: 1,
                gtid: None,
                ts_ms: 0,
            },
            ts_ms: 0,
        }
    }

    #[test]
    fn keeps_the_newest_change_whatever_the_arrival_order() {
        let (newest, superseded) = newest_per_position(vec![
            change(1, Some("a"), "5", 300),
            change(1, Some("a"), "9", 100),
            change(2, Some("b"), "1", 50),
        ]);
        assert_eq!(superseded, 1);
        assert_eq!(newest[&1].source.pos, 300);
    }

    #[test]
    fn desk_move_leaves_old_desk_and_joins_new() {
        let stored = BTreeMap::from([(1, target_state(&change(1, Some("a"), "5", 100)))]);
        let (newest, _) = newest_per_position(vec![change(1, Some("b"), "7", 200)]);
        let p = plan(&newest, &stored);
        assert_eq!(p.desks["a"].exposure.gross_notional, d("-50"));
        assert_eq!(p.desks["a"].positions, -1);
        assert_eq!(p.desks["b"].exposure.gross_notional, d("70"));
        assert_eq!(p.desks["b"].positions, 1);
    }

    #[test]
    fn stale_duplicate_and_unchanged_touch_no_desk() {
        let stored = BTreeMap::from([(1, target_state(&change(1, Some("a"), "5", 100)))]);
        let (older, _) = newest_per_position(vec![change(1, Some("a"), "9", 50)]);
        let p = plan(&older, &stored);
        assert_eq!((p.stale, p.desks.len(), p.upserts.len()), (1, 0, 0));
        let (same, _) = newest_per_position(vec![change(1, Some("a"), "5", 100)]);
        assert_eq!(plan(&same, &stored).stale, 1);
        let (newer_same_exposure, _) = newest_per_position(vec![change(1, Some("a"), "5", 150)]);
        let p = plan(&newer_same_exposure, &stored);
        assert_eq!((p.unchanged, p.desks.len(), p.upserts.len()), (1, 0, 1));
    }

    #[test]
    fn delete_takes_the_position_off_its_desk_and_keeps_a_tombstone_row() {
        let stored = BTreeMap::from([(1, target_state(&change(1, Some("a"), "5", 100)))]);
        let (newest, _) = newest_per_position(vec![change(1, None, "0", 200)]);
        let p = plan(&newest, &stored);
        assert_eq!(p.desks["a"].exposure.gross_notional, d("-50"));
        assert_eq!(p.upserts[&1].desk, None);
        // A replayed older insert cannot resurrect it.
        let stored = BTreeMap::from([(1, p.upserts[&1].clone())]);
        let (replayed, _) = newest_per_position(vec![change(1, Some("a"), "5", 100)]);
        assert_eq!(plan(&replayed, &stored).stale, 1);
    }
}
