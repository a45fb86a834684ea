//! Limit edits take effect without any position change: `risk_limits` is re-read every
//! `limits_poll_ms` and the desks whose limits changed (added, edited, removed) are evaluated at
//! once. Every `full_evaluation_secs`, and at start-up, every watched desk is evaluated too,
//! which also repairs anything a crash between two transactions could have left behind.

use crate::app::Shared;
use bigdecimal::BigDecimal;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

type LimitRow = (BigDecimal, BigDecimal);

pub async fn run(shared: Shared, cancel: CancellationToken) {
    let poll = Duration::from_millis(shared.settings.engine.limits_poll_ms);
    let full = Duration::from_secs(shared.settings.engine.full_evaluation_secs.max(1));
    let mut known: Option<BTreeMap<(String, String), LimitRow>> = None;
    let mut last_full: Option<Instant> = None;
    loop {
        if let Err(e) = tick(&shared, &mut known, &mut last_full, full).await {
            tracing::warn!(event = "limit_evaluation_failed", error = %e, "will retry");
        }
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(poll) => {}
        }
    }
}

async fn tick(
    shared: &Shared,
    known: &mut Option<BTreeMap<(String, String), LimitRow>>,
    last_full: &mut Option<Instant>,
    full: Duration,
) -> Result<(), sqlx::Error> {
    let store = &shared.store;
    let rows = sqlx::query("SELECT desk, CAST(metric AS CHAR) AS metric, limit_value, resolve_ratio FROM risk_limits")
        .fetch_all(store.pool())
        .await?;
    let mut current = BTreeMap::new();
    for row in rows {
        current.insert(
            (row.try_get::<String, _>("desk")?, row.try_get::<String, _>("metric")?),
            (row.try_get::<BigDecimal, _>("limit_value")?, row.try_get::<BigDecimal, _>("resolve_ratio")?),
        );
    }
    let due_full = last_full.is_none_or(|t| t.elapsed() >= full);
    let desks: Vec<String> = if due_full {
        *last_full = Some(Instant::now());
        store.desks_to_watch().await?
    } else if let Some(previous) = known.as_ref() {
        changed_desks(previous, &current).into_iter().collect()
    } else {
        Vec::new()
    };
    *known = Some(current);
    if !desks.is_empty() {
        let transitions = crate::retry::with_retries(shared, "evaluate", || store.evaluate_desks(&desks)).await?;
        crate::consume::announce(shared, &transitions);
    }
    Ok(())
}

fn changed_desks(
    previous: &BTreeMap<(String, String), LimitRow>,
    current: &BTreeMap<(String, String), LimitRow>,
) -> BTreeSet<String> {
    let mut desks = BTreeSet::new();
    for (key, value) in current {
        if previous.get(key) != Some(value) {
            desks.insert(key.0.clone());
        }
    }
    for key in previous.keys() {
        if !current.contains_key(key) {
            desks.insert(key.0.clone());
        }
    }
    desks
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::str::FromStr;

    #[test]
    fn detects_added_edited_and_removed_limits() {
        let d = |s: &str| BigDecimal::from_str(s).unwrap();
        let k = |desk: &str, m: &str| (desk.to_owned(), m.to_owned());
        let previous = BTreeMap::from([
            (k("a", "vega"), (d("10"), d("0.95"))),
            (k("b", "vega"), (d("10"), d("0.95"))),
            (k("c", "vega"), (d("10"), d("0.95"))),
        ]);
        let current = BTreeMap::from([
            (k("a", "vega"), (d("10.0"), d("0.95"))),
            (k("b", "vega"), (d("9"), d("0.95"))),
            (k("d", "net_delta"), (d("1"), d("0.9"))),
        ]);
        let changed: Vec<String> = changed_desks(&previous, &current).into_iter().collect();
        assert_eq!(changed, vec!["b", "c", "d"]);
    }
}
