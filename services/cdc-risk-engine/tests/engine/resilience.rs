//! Replays, replicas, crashes and poison messages.

use crate::support::*;
use rdkafka::Message;
use rdkafka::producer::FutureRecord;
use riskmonitor_kafka::admin::{ResetTo, reset_group_offsets};
use riskmonitor_testkit::process::ServiceProcess;
use riskmonitor_testkit::{TestDb, unique, wait_until};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

#[tokio::test]
async fn replaying_the_topic_from_offset_zero_changes_no_aggregate_and_opens_no_alert() {
    let mut w = World::new().await;
    let desk = w.desk("replay");
    w.set_limit(&desk, "gross_notional", "150").await;
    let engine = w.spawn().await;
    let p = w.insert(&desk, "1", "100").await;
    w.exec(&format!("UPDATE positions SET quantity = 2 WHERE position_id = {p}")).await; // 200: breach
    // Limits are evaluated after each committed batch: let the breach be seen before it resolves.
    w.wait_alerts(&w.db.pool, &desk, 1).await;
    w.exec(&format!("UPDATE positions SET quantity = 1 WHERE position_id = {p}")).await; // 100: resolves
    let pool = &w.db.pool;
    wait_until("episode opened and resolved", Duration::from_secs(30), || async {
        w.alerts(pool, &desk).await.first().and_then(|a| a.2).map(|_| ())
    })
    .await;
    let before = w.converged(&w.db.pool, std::slice::from_ref(&desk), Duration::from_secs(30)).await;
    let group = w.settings.engine.group_id.clone();
    let mut replay = riskmonitor_admin::replay::Replay {
        group: group.clone(),
        topic: "positions_cdc".into(),
        partitions: Vec::new(),
        to: ResetTo::Beginning,
        dry_run: false,
        wait_for_stop: None,
    };
    // While the engine is a member of the group, the replay is refused; a dry run only reports.
    let (kafka, r) = (w.settings.kafka.clone(), replay.clone());
    let refused = tokio::task::spawn_blocking(move || riskmonitor_admin::replay::run(&kafka, &r)).await.unwrap();
    assert!(matches!(refused, Err(riskmonitor_admin::AdminError::Refused(_))), "{refused:?}");
    replay.dry_run = true;
    let (kafka, r) = (w.settings.kafka.clone(), replay.clone());
    let plan = tokio::task::spawn_blocking(move || riskmonitor_admin::replay::run(&kafka, &r)).await.unwrap().unwrap();
    assert!(plan.iter().all(|p| p.target == 0 || p.current.is_some()));
    assert!(riskmonitor_admin::replay::render(&plan, true).contains("dry run"));
    engine.stop().await;
    replay.dry_run = false;
    replay.wait_for_stop = Some(Duration::from_secs(30));
    let (kafka, r) = (w.settings.kafka.clone(), replay.clone());
    tokio::task::spawn_blocking(move || riskmonitor_admin::replay::run(&kafka, &r)).await.unwrap().unwrap();
    let engine = w.spawn().await;
    // Wait until the replay has caught up: the group's committed offsets reach the end again.
    wait_until("replay caught up", Duration::from_secs(60), || async {
        let plan = reset_group_offsets(&w.settings.kafka, &group, "positions_cdc", &[], ResetTo::End, true).ok()?;
        plan.iter().all(|p| p.current == Some(p.high_watermark)).then_some(())
    })
    .await;
    assert_eq!(w.actual(&w.db.pool, std::slice::from_ref(&desk)).await, before);
    assert_eq!(w.alerts(&w.db.pool, &desk).await.len(), 1, "the replay opened no second alert");
    engine.stop().await;
}

#[tokio::test]
async fn two_replicas_side_by_side_give_the_same_result_as_one() {
    let mut w = World::new().await;
    let desks: Vec<String> = (0..4).map(|i| w.desk(&format!("rep{i}"))).collect();
    for desk in &desks {
        w.set_limit(desk, "gross_notional", "50000").await;
    }
    // One replica on the main state database.
    let single = w.spawn().await;
    // Two replicas in one group on a second, empty state database.
    let twin_db = TestDb::create(&w.env).await;
    for desk in &desks {
        sqlx::query("INSERT INTO risk_limits (desk, metric, limit_value) VALUES (?, 'gross_notional', 50000)")
            .bind(desk)
            .execute(&twin_db.pool)
            .await
            .unwrap();
    }
    let mut twin = w.settings.clone();
    twin.database = twin_db.settings();
    twin.engine.group_id = unique("twins-");
    twin.engine.max_batch = 200;
    let r1 = w.spawn_with(twin.clone()).await;
    let r2 = w.spawn_with(twin).await;
    let mut ids = Vec::new();
    for i in 0..400 {
        ids.push(w.insert(&desks[i % 4], "10", &format!("{}", 10 + i)).await);
    }
    for (n, id) in ids.iter().enumerate() {
        if n % 3 == 0 {
            w.exec(&format!("UPDATE positions SET desk = '{}' WHERE position_id = {id}", desks[(n + 1) % 4])).await;
        }
    }
    let one = w.converged(&w.db.pool, &desks, Duration::from_secs(90)).await;
    let two = w.converged(&twin_db.pool, &desks, Duration::from_secs(90)).await;
    assert_eq!(one, two);
    for desk in &desks {
        assert_eq!(w.alerts(&w.db.pool, desk).await.len(), 1, "{desk}: one episode");
        assert_eq!(w.alerts(&twin_db.pool, desk).await.len(), 1, "{desk}: one episode with two replicas");
    }
    single.stop().await;
    r1.stop().await;
    r2.stop().await;
}

#[tokio::test]
async fn kill_9_in_the_middle_of_a_burst_then_restart_loses_and_doubles_nothing() {
    let mut w = World::new().await;
    let desks: Vec<String> = (0..5).map(|i| w.desk(&format!("k{i}"))).collect();
    for desk in &desks {
        w.set_limit(desk, "gross_notional", "1").await;
    }
    let bin = Path::new(env!("CARGO_BIN_EXE_cdc-risk-engine"));
    let k = &w.settings.kafka;
    let env = BTreeMap::from([
        ("RISKMONITOR_DATABASE__URL".to_owned(), w.db.url.clone()),
        ("RISKMONITOR_KAFKA__BROKERS".to_owned(), k.brokers.clone()),
        ("RISKMONITOR_KAFKA__REGISTRY_URL".to_owned(), k.registry_url.clone()),
        (
            "RISKMONITOR_KAFKA__TOPICS__ALERTS_PENDING_ANALYSIS__NAME".to_owned(),
            k.topics.alerts_pending_analysis.name.clone(),
        ),
        ("RISKMONITOR_KAFKA__TOPICS__POSITIONS_CDC_DLQ__NAME".to_owned(), k.topics.positions_cdc_dlq.name.clone()),
        ("RISKMONITOR_ENGINE__GROUP_ID".to_owned(), w.settings.engine.group_id.clone()),
        ("RISKMONITOR_ENGINE__MAX_BATCH".to_owned(), "300".to_owned()),
    ]);
    let log = std::env::temp_dir().join(format!("{}.log", unique("engine-kill9-")));
    let mut first = ServiceProcess::spawn(bin, &env, &log);
    first.wait_ready(Duration::from_secs(60)).await;
    let mut ids = Vec::new();
    for i in 0..500 {
        ids.push(w.insert(&desks[i % 5], "3", "7.5").await);
    }
    let first_id = ids[0];
    let burst = async {
        for round in 0..8 {
            w.exec(&format!(
                "UPDATE positions SET quantity = quantity + {round}, desk = CONCAT('{}-k', MOD(position_id + {round}, 5)) \
                 WHERE position_id BETWEEN {first_id} AND {}",
                w.tag,
                first_id + 499
            ))
            .await;
        }
    };
    let kill = async {
        // Kill while batches are being applied.
        let pool = &w.db.pool;
        wait_until("engine applying", Duration::from_secs(60), || async {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM engine_positions WHERE desk LIKE ?")
                .bind(format!("{}-k%", w.tag))
                .fetch_one(pool)
                .await
                .ok()?;
            (n > 100).then_some(())
        })
        .await;
        first.kill9().await;
    };
    tokio::join!(burst, kill);
    let mut second = ServiceProcess::spawn(bin, &env, &log);
    second.wait_ready(Duration::from_secs(60)).await;
    w.converged(&w.db.pool, &desks, Duration::from_secs(90)).await;
    for desk in &desks {
        assert_eq!(w.alerts(&w.db.pool, desk).await.len(), 1, "{desk}: exactly one alert across the crash");
    }
    let (status, _) = second.terminate(Duration::from_secs(10)).await;
    assert!(status.success());
}

#[tokio::test]
async fn a_poison_message_goes_to_the_dead_letter_topic_and_the_engine_goes_on() {
    let w = World::new().await;
    let desk = w.desk("poison");
    let cdc = format!("t.{}.cdc", w.tag);
    let mut settings = w.settings.clone();
    settings.kafka.topics.positions_cdc = riskmonitor_kafka::TopicSpec::new(&cdc, 1, 3_600_000);
    riskmonitor_kafka::admin::ensure_topics(&settings.kafka, &[&settings.kafka.topics.positions_cdc]).await.unwrap();
    let producer = riskmonitor_testkit::kafka::producer(&w.env);
    let good = serde_json::json!({
        "before": null,
        "after": {"position_id": 42, "desk": desk, "instrument_id": "X", "instrument_type": "EQUITY", "underlying": "AAPL",
                  "quantity": "10.000000", "multiplier": "1.000000", "price": "190.50000000", "delta": "1.00000000",
                  "vega": "0.00000000", "option_type": null, "strike": null, "expiry": null, "currency": "USD",
                  "updated_at": "2026-12-05T10:00:00.000000Z"},
        "source": {"version": "3.5.0.Final", "connector": "mariadb", "name": "t", "ts_ms": 1, "snapshot": "false",
                   "db": "riskmonitor", "table": "positions", "server_id": 1, "gtid": null, "file": "binlog.000001",
                   "pos": 100, "row": 0},
        "op": "c", "ts_ms": 1
    })
    .to_string();
    for (key, value) in [("{\"position_id\":41}", "{not json"), ("{\"position_id\":42}", good.as_str())] {
        producer
            .send(FutureRecord::to(&cdc).key(key).payload(value), Duration::from_secs(10))
            .await
            .map_err(|(e, _)| e)
            .unwrap();
    }
    let engine = w.spawn_with(settings.clone()).await;
    let pool = &w.db.pool;
    let state = wait_until("the good message applied", Duration::from_secs(30), || async {
        let s = w.actual(pool, std::slice::from_ref(&desk)).await;
        (!s.is_empty()).then_some(s)
    })
    .await;
    assert_eq!(state[&desk].0.gross_notional, d("1905"));
    let dlq = settings.kafka.topics.positions_cdc_dlq.name.clone();
    let consumer = riskmonitor_testkit::kafka::consumer(&w.env, &[&dlq]);
    let msg = tokio::time::timeout(Duration::from_secs(30), consumer.recv()).await.expect("dead letter").unwrap();
    assert_eq!(msg.payload(), Some(&b"{not json"[..]));
    let header = |name: &str| riskmonitor_kafka::headers::get(msg.headers(), name).map(str::to_owned);
    assert_eq!(header("dlq.original.topic").as_deref(), Some(cdc.as_str()));
    assert_eq!(header("dlq.original.partition").as_deref(), Some("0"));
    assert_eq!(header("dlq.original.offset").as_deref(), Some("0"));
    assert!(header("dlq.reason").is_some_and(|r| !r.is_empty()));
    engine.stop().await;
}
