//! The decoder on the real stack: rows written to MariaDB travel through Debezium and Kafka and
//! decode, on the Avro path (the stack's `positions_cdc`, through Apicurio Registry) and on the
//! JSON path (a connector of this test's own), to the exact values written.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

use bigdecimal::BigDecimal;
use rdkafka::Message;
use riskmonitor_cdc::Decoder;
use riskmonitor_domain::{CdcMessage, InstrumentType, Op, OptionType, PositionChange};
use riskmonitor_testkit::connector::{Connector, Format};
use riskmonitor_testkit::{TestEnv, unique};
use std::collections::BTreeMap;
use std::time::Duration;

fn d(s: &str) -> BigDecimal {
    s.parse().unwrap()
}

/// Messages of `topic` for the given position ids, in order, until `want` of them arrived.
async fn collect(env: &TestEnv, topic: &str, ids: &[i64], want: usize) -> Vec<CdcMessage> {
    let decoder = Decoder::new(&env.ccompat_url(), Duration::from_secs(5)).unwrap();
    let consumer = riskmonitor_testkit::kafka::consumer(env, &[topic]);
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    while out.len() < want {
        let msg = tokio::time::timeout_at(deadline, consumer.recv())
            .await
            .unwrap_or_else(|_| panic!("only {} of {want} messages in {topic}: {out:#?}", out.len()));
        // The connector creates its topic with its first record: until then, "unknown topic".
        let Ok(msg) = msg else { continue };
        // Older messages (other tests, earlier runs) may use schemas this test does not care about.
        let Ok(decoded) = decoder.decode(msg.key(), msg.payload()).await else { continue };
        let id = match &decoded {
            CdcMessage::Change(c) => c.position_id,
            CdcMessage::Tombstone { position_id } => *position_id,
            _ => continue,
        };
        if ids.contains(&id) {
            out.push(decoded);
        }
    }
    out
}

fn change(m: &CdcMessage) -> &PositionChange {
    match m {
        CdcMessage::Change(c) => c,
        other => panic!("expected a change, got {other:?}"),
    }
}

fn check_option_row(c: &PositionChange, desk: &str, quantity: &str) {
    let after = c.after.as_ref().expect("after image");
    assert_eq!(after.desk, desk);
    assert_eq!(after.instrument_type, InstrumentType::Option);
    assert_eq!(after.underlying, "SPX");
    assert_eq!(after.quantity, d(quantity));
    assert_eq!(after.multiplier, d("100"));
    assert_eq!(after.price, d("12.34567891"));
    assert_eq!(after.delta, d("-0.42"));
    assert_eq!(after.vega, d("0.12345678"));
    assert_eq!(after.option_type, Some(OptionType::Put));
    assert_eq!(after.strike, Some(d("4900.5")));
    assert_eq!(after.expiry.map(|e| e.to_string()).as_deref(), Some("2027-03-19"));
    assert_eq!(after.currency, "USD");
    assert!(after.updated_at.is_some());
}

#[tokio::test]
async fn rows_written_to_mariadb_decode_exactly_on_the_avro_and_json_paths() {
    let env = TestEnv::from_env();
    let pool = sqlx::MySqlPool::connect(&env.captured_database_url()).await.unwrap();
    let tag = unique("c");
    let base = (uuid::Uuid::new_v4().as_u128() % 1_000_000_000) as i64 * 1_000_000 + 500_000;
    let (snap_id, live_id) = (base, base + 1);
    let (desk_a, desk_b) = (format!("{tag}-a"), format!("{tag}-b"));
    let insert = "INSERT INTO positions (position_id, desk, instrument_id, instrument_type, underlying, quantity, multiplier, \
                  price, delta, vega, option_type, strike, expiry, currency) \
                  VALUES (?, ?, 'SPX 2027-03 P4900.5', 'OPTION', 'SPX', -25.123456, 100, 12.34567891, -0.42, 0.12345678, 'PUT', 4900.5, '2027-03-19', 'USD')";
    // Written before the JSON connector exists: its initial snapshot reads it (op = r).
    sqlx::query(insert).bind(snap_id).bind(&desk_a).execute(&pool).await.unwrap();

    let json_topic = format!("t.{tag}.json");
    let name = format!("t-{tag}");
    let server_id = 7000 + (uuid::Uuid::new_v4().as_u128() % 1000) as u32;
    let config = riskmonitor_testkit::connector::render(&env, Format::Json, &name, &json_topic, server_id, true);
    let connector = Connector::register(&env, &name, config).await;

    sqlx::query(insert).bind(live_id).bind(&desk_a).execute(&pool).await.unwrap();
    sqlx::query("UPDATE positions SET quantity = 30, desk = ? WHERE position_id = ?")
        .bind(&desk_b)
        .bind(live_id)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM positions WHERE position_id = ?").bind(live_id).execute(&pool).await.unwrap();

    // Avro: c, u (desk change), d, tombstone for the live row; the snapshot row as c.
    let avro = collect(&env, "positions_cdc", &[snap_id, live_id], 5).await;
    // JSON: the snapshot row as r, then c, u, d, tombstone.
    let json = collect(&env, &json_topic, &[snap_id, live_id], 5).await;
    connector.delete().await;

    for (path, messages) in [("avro", &avro), ("json", &json)] {
        let by_id: BTreeMap<i64, Vec<&CdcMessage>> = messages.iter().fold(BTreeMap::new(), |mut m, msg| {
            let id = match msg {
                CdcMessage::Change(c) => c.position_id,
                CdcMessage::Tombstone { position_id } => *position_id,
                _ => 0,
            };
            m.entry(id).or_default().push(msg);
            m
        });
        let snap = change(by_id[&snap_id][0]);
        let expected_snap_op = if path == "json" { Op::Read } else { Op::Create };
        assert_eq!(snap.op, expected_snap_op, "{path}: the pre-existing row");
        assert_eq!(snap.source.snapshot, path == "json", "{path}");
        check_option_row(snap, &desk_a, "-25.123456");

        let live = &by_id[&live_id];
        assert_eq!(live.len(), 4, "{path}: c, u, d, tombstone: {live:#?}");
        let (c, u, del) = (change(live[0]), change(live[1]), change(live[2]));
        assert_eq!((c.op, u.op, del.op), (Op::Create, Op::Update, Op::Delete), "{path}");
        check_option_row(c, &desk_a, "-25.123456");
        check_option_row(u, &desk_b, "30");
        assert_eq!(u.before.as_ref().map(|b| b.desk.as_str()), Some(desk_a.as_str()), "{path}: before image");
        assert!(del.after.is_none());
        assert_eq!(del.before.as_ref().map(|b| b.desk.as_str()), Some(desk_b.as_str()));
        assert_eq!(*live[3], CdcMessage::Tombstone { position_id: live_id }, "{path}");
        assert!(c.source.ordering_key() < u.source.ordering_key(), "{path}: binlog order");
        assert!(u.source.ordering_key() < del.source.ordering_key(), "{path}: binlog order");
    }
    sqlx::query("DELETE FROM positions WHERE position_id = ?").bind(snap_id).execute(&pool).await.unwrap();
}
