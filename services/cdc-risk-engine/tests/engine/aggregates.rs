//! Exact aggregates through every op kind, desk moves, deletes, bursts, and the JSON path.

use crate::support::*;
use riskmonitor_testkit::connector::{Connector, Format};
use std::time::Duration;

#[tokio::test]
async fn inserts_updates_desk_moves_and_deletes_keep_aggregates_exact() {
    let mut w = World::new().await;
    let (a, b) = (w.desk("a"), w.desk("b"));
    let engine = w.spawn().await;
    let p1 = w.insert(&a, "10", "100.5").await;
    let p2 = w.insert(&a, "-4", "250").await;
    let p3 = w.insert_option(&b, "-12.5", "100", "4321.12345678", "0.55", "1.23456789").await;
    let desks = vec![a.clone(), b.clone()];
    let state = w.converged(&w.db.pool, &desks, Duration::from_secs(30)).await;
    // By hand: a = |1005| + |-1000| = 2005 gross, 5 net delta; b as in the domain test.
    assert_eq!(state[&a].0.gross_notional, d("2005"));
    assert_eq!(state[&a].0.net_delta, d("5"));
    assert_eq!(state[&b].0.gross_notional, d("5401404.320975"));
    assert_eq!(state[&b].0.net_delta, d("-2970772.37653625"));
    assert_eq!(state[&b].0.vega, d("-1543.20986250"));

    w.exec(&format!("UPDATE positions SET quantity = 20 WHERE position_id = {p1}")).await;
    // A desk move: p2 leaves a and joins b.
    w.exec(&format!("UPDATE positions SET desk = '{b}' WHERE position_id = {p2}")).await;
    let state = w.converged(&w.db.pool, &desks, Duration::from_secs(30)).await;
    assert_eq!(state[&a].0.gross_notional, d("2010"));
    assert_eq!(state[&a].1, 1);
    assert_eq!(state[&b].1, 2);

    w.exec(&format!("DELETE FROM positions WHERE position_id IN ({p1}, {p3})")).await;
    let state = w.converged(&w.db.pool, &desks, Duration::from_secs(30)).await;
    assert!(!state.contains_key(&a), "a has no position left");
    assert_eq!(state[&b].0.gross_notional, d("1000"));
    assert_eq!(state[&b].0.net_delta, d("-1000"));
    engine.stop().await;
}

#[tokio::test]
async fn a_burst_of_10000_updates_over_1000_positions_matches_a_recomputation() {
    let mut w = World::new().await;
    let desks: Vec<String> = (0..10).map(|i| w.desk(&format!("burst{i}"))).collect();
    let engine = w.spawn().await;
    let mut ids = Vec::new();
    for i in 0..1000 {
        ids.push(w.insert(&desks[i % 10], &format!("{}.25", i + 1), "99.125").await);
    }
    // 10,000 updates in 100 transactions: quantity, price and desk changes.
    let first = ids[0];
    for round in 0..10 {
        for chunk in 0..10 {
            let lo = first + chunk * 100;
            let hi = lo + 99;
            w.exec(&format!(
                "UPDATE positions SET quantity = quantity * -1 + {round}, price = price + 0.5, \
                 desk = CONCAT('{}-burst', MOD(position_id + {round}, 10)) WHERE position_id BETWEEN {lo} AND {hi}",
                w.tag
            ))
            .await;
        }
    }
    w.converged(&w.db.pool, &desks, Duration::from_secs(90)).await;
    engine.stop().await;
}

#[tokio::test]
async fn snapshot_reads_through_the_json_converter_build_the_same_aggregates() {
    let mut w = World::new().await;
    let desks = vec![w.desk("snap1"), w.desk("snap2")];
    for i in 0..20 {
        w.insert(&desks[i % 2], &format!("{i}"), "12.5").await;
    }
    // A connector of this test's own: JSON converter, initial snapshot (op = r) of `positions`.
    let topic = format!("t.{}.snapshot_json", w.tag);
    let name = format!("t-{}", w.tag);
    let server_id = 6000 + (uuid::Uuid::new_v4().as_u128() % 1000) as u32;
    let config = riskmonitor_testkit::connector::render(&w.env, Format::Json, &name, &topic, server_id, true);
    let connector = Connector::register(&w.env, &name, config).await;
    let mut settings = w.settings.clone();
    settings.kafka.topics.positions_cdc.name = topic;
    let engine = w.spawn_with(settings).await;
    w.converged(&w.db.pool, &desks, Duration::from_secs(60)).await;
    let read: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM engine_positions WHERE src_phase = 0")
        .fetch_one(&w.db.pool)
        .await
        .unwrap();
    assert!(read >= 20, "snapshot rows are recorded as snapshot reads");
    engine.stop().await;
    connector.delete().await;
}
