//! commit_to_kafka: latency from a MariaDB commit to the change event's arrival at a Rust
//! consumer, with our Debezium latency settings (debezium/latency-tuned.json) and with
//! Debezium's defaults, side by side in one run: two connectors read the same binlog, each
//! into a topic of its own (Avro through the registry, as in the dev stack).
//!
//! cargo run --release -p riskmonitor-bench --bin commit_to_kafka [-- --commits 1000 --rate 20]

use rdkafka::Message;
use riskmonitor_bench::{percentile, round2, write_result};
use riskmonitor_domain::CdcMessage;
use riskmonitor_testkit::connector::{Connector, Format};
use riskmonitor_testkit::{TestEnv, unique};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

type Arrivals = Arc<Mutex<HashMap<i64, Instant>>>;

/// Consumes `topic`, recording when each position id first arrives.
fn listen(env: &TestEnv, topic: String, arrivals: Arrivals) -> tokio::task::JoinHandle<()> {
    let env = env.clone();
    tokio::spawn(async move {
        let consumer: rdkafka::consumer::StreamConsumer = rdkafka::ClientConfig::new()
            .set("bootstrap.servers", &env.brokers)
            .set("group.id", unique("c2k-"))
            .set("auto.offset.reset", "earliest")
            .set("fetch.wait.max.ms", "10")
            .set("enable.auto.commit", "false")
            .create()
            .expect("consumer");
        rdkafka::consumer::Consumer::subscribe(&consumer, &[&topic]).expect("subscribe");
        let decoder = riskmonitor_cdc::Decoder::new(&env.ccompat_url(), Duration::from_secs(5)).expect("decoder");
        loop {
            let Ok(msg) = consumer.recv().await else { continue };
            let now = Instant::now();
            if let Ok(CdcMessage::Change(c)) = decoder.decode(msg.key(), msg.payload()).await
                && let Ok(mut a) = arrivals.lock()
            {
                a.entry(c.position_id).or_insert(now);
            }
        }
    })
}

#[tokio::main]
async fn main() {
    let commits = arg("--commits", 1000);
    let rate = arg("--rate", 20).max(1);
    let env = TestEnv::from_env();
    let pool = sqlx::MySqlPool::connect(&env.captured_database_url()).await.expect("mariadb");
    let tag = unique("c2k");
    let mut connectors = Vec::new();
    let mut arrivals: Vec<(&str, Arrivals)> = Vec::new();
    let mut listeners = Vec::new();
    for (i, (profile, tuned)) in [("tuned", true), ("default", false)].into_iter().enumerate() {
        let name = format!("bench-{tag}-{profile}");
        let topic = format!("bench.{tag}.{profile}");
        let mut config =
            riskmonitor_testkit::connector::render(&env, Format::Avro, &name, &topic, 8100 + i as u32, tuned);
        // Stream only: no snapshot of the existing rows.
        config["snapshot.mode"] = json!("no_data");
        connectors.push(Connector::register(&env, &name, config).await);
        let a: Arrivals = Arc::default();
        listeners.push(listen(&env, topic, a.clone()));
        arrivals.push((profile, a));
    }
    // Warm up both paths (topics created, schemas registered, consumers assigned).
    let base = (uuid::Uuid::new_v4().as_u128() % 1_000_000_000) as i64 * 1_000_000;
    let insert = "INSERT INTO positions (position_id, desk, instrument_id, instrument_type, underlying, quantity, price) \
                  VALUES (?, ?, 'C2K', 'EQUITY', 'AAPL', ?, 190.5)";
    sqlx::query(insert).bind(base).bind(&tag).bind(1).execute(&pool).await.expect("warm-up");
    let start = Instant::now();
    while arrivals.iter().any(|(_, a)| !a.lock().map(|m| m.contains_key(&base)).unwrap_or(false)) {
        assert!(start.elapsed() < Duration::from_secs(120), "warm-up event never arrived");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("{commits} single-row commits at {rate}/s");
    let mut committed = HashMap::new();
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let mut next = tokio::time::Instant::now();
    for i in 1..=commits as i64 {
        sqlx::query(insert).bind(base + i).bind(&tag).bind(i).execute(&pool).await.expect("commit");
        committed.insert(base + i, Instant::now());
        next += interval;
        tokio::time::sleep_until(next).await;
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let mut metrics = serde_json::Map::new();
    for (profile, a) in &arrivals {
        let a = a.lock().map(|m| m.clone()).unwrap_or_default();
        let mut lat: Vec<f64> = committed
            .iter()
            .filter_map(|(id, t)| a.get(id).map(|arrived| arrived.saturating_duration_since(*t).as_secs_f64() * 1000.0))
            .collect();
        let received = lat.len();
        metrics.insert(format!("{profile}_p50_ms"), json!(round2(percentile(&mut lat, 50.0))));
        metrics.insert(format!("{profile}_p99_ms"), json!(round2(percentile(&mut lat, 99.0))));
        metrics.insert(format!("{profile}_max_ms"), json!(round2(percentile(&mut lat, 100.0))));
        metrics.insert(format!("{profile}_received"), json!(received));
    }
    metrics.insert("commits".into(), json!(commits));
    metrics.insert("rate_per_s".into(), json!(rate));
    for c in connectors {
        c.delete().await;
    }
    sqlx::query("DELETE FROM positions WHERE desk = ?").bind(&tag).execute(&pool).await.expect("cleanup");
    for l in listeners {
        l.abort();
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    write_result(
        "commit_to_kafka",
        format!("cargo run --release -p riskmonitor-bench --bin commit_to_kafka -- {}", args.join(" ")).trim(),
        serde_json::Value::Object(metrics),
        "Two connectors stream the same binlog side by side: `tuned` = debezium/latency-tuned.json \
         (poll.interval.ms 50, producer linger.ms 1), `default` = Debezium's and Kafka Connect's defaults \
         (poll.interval.ms 500, producer linger.ms 5). Latency = arrival at a Rust consumer (fetch.wait.max.ms 10) \
         minus the return of the autocommit INSERT.",
    );
}
