//! delivery_latency: from an alert's `pending_analysis` commit to the webhook's arrival at a
//! local endpoint, with the deterministic analyst, at a fixed rate (default 200 alerts/s for
//! 60 s). The alerts are written as the engine writes them (alert row + outbox row in one
//! transaction, published by the outbox relay); llm-analyzer and webhook-notifier run
//! in-process, against the dev stack's MariaDB, Kafka and registry, and the market simulator.
//!
//! cargo run --release -p riskmonitor-bench --bin delivery_latency [-- --rate 200 --seconds 60]

use riskmonitor_bench::{percentile, round2, write_result};
use riskmonitor_kafka::AlertEvent;
use riskmonitor_kafka::outbox::Relay;
use riskmonitor_runtime::{Readiness, Secret, Shutdown};
use riskmonitor_testkit::http::{Receiver, Reply};
use riskmonitor_testkit::{TestDb, TestEnv, unique};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let (rate, seconds) = (arg("--rate", 200).max(1), arg("--seconds", 60).max(1));
    let env = TestEnv::from_env();
    let db = TestDb::create(&env).await;
    let kafka = env.kafka_settings(&unique("dl"));
    riskmonitor_testkit::kafka::create_topics(&kafka).await;
    let receiver = Receiver::start(|_, _| Reply::Status(204)).await;
    let market = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(riskmonitor_market_sim::serve(
            listener,
            Arc::new(riskmonitor_market_sim::AppState::default()),
            std::future::pending(),
        ));
        url
    };
    // One desk per alert (one open episode per desk and metric), each with aggregates, a limit
    // and two positions, as the engine leaves them.
    let total = rate * seconds;
    for chunk in (0..total).collect::<Vec<_>>().chunks(1000) {
        let mut q = sqlx::QueryBuilder::new(
            "INSERT INTO desk_exposures (desk, gross_notional, net_delta, vega, position_count) ",
        );
        q.push_values(chunk, |mut b, d| {
            b.push_bind(format!("desk-{d:05}")).push_bind(2_000_000).push_bind(1_500_000).push_bind(10).push_bind(2);
        });
        q.build().execute(&db.pool).await.expect("desks");
        let mut q = sqlx::QueryBuilder::new("INSERT INTO risk_limits (desk, metric, limit_value) ");
        q.push_values(chunk, |mut b, d| {
            b.push_bind(format!("desk-{d:05}")).push_bind("gross_notional").push_bind(1_000_000);
        });
        q.build().execute(&db.pool).await.expect("limits");
        let mut q = sqlx::QueryBuilder::new(
            "INSERT INTO engine_positions (position_id, desk, gross_notional, net_delta, vega, src_file_seq, src_pos, src_row, src_phase) ",
        );
        q.push_values(chunk.iter().flat_map(|d| [(*d, 0), (*d, 1)]), |mut b, (d, p)| {
            let id = (d * 10 + p) as i64;
            b.push_bind(id).push_bind(format!("desk-{d:05}")).push_bind(1_000_000).push_bind(750_000).push_bind(5);
            b.push_bind(1).push_bind(id).push_bind(0).push_bind(1);
        });
        q.build().execute(&db.pool).await.expect("positions");
    }

    let analyzer_settings = llm_analyzer::Settings {
        admin: riskmonitor_runtime::admin::AdminSettings::with_port(0),
        database: db.settings(),
        kafka: kafka.clone(),
        market: riskmonitor_market::MarketSettings { url: market, ..Default::default() },
        analyzer: llm_analyzer::settings::AnalyzerSettings { group_id: unique("dl-an-"), ..Default::default() },
        ..Default::default()
    };
    let notifier_settings = webhook_notifier::Settings {
        admin: riskmonitor_runtime::admin::AdminSettings::with_port(0),
        database: db.settings(),
        kafka: kafka.clone(),
        webhook: webhook_notifier::settings::WebhookSettings {
            url: format!("{}/hook", receiver.url),
            secrets: vec![Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")],
            group_id: unique("dl-no-"),
            ack_timeout_secs: 3600,
            ..Default::default()
        },
        ..Default::default()
    };
    let shutdown = Shutdown::new();
    let analyzer = llm_analyzer::Application::build(analyzer_settings, Readiness::new(), shutdown.clone())
        .await
        .expect("analyzer");
    let notifier = webhook_notifier::Application::build(notifier_settings, Readiness::new(), shutdown.clone())
        .await
        .expect("notifier");
    let a = tokio::spawn(async move { analyzer.run_until_stopped().await.expect("analyzer run") });
    let n = tokio::spawn(async move { notifier.run_until_stopped().await.expect("notifier run") });

    // The engine's side: alert + outbox row in one transaction, relay published.
    let producer = riskmonitor_kafka::producer::build(&kafka, "bench").expect("producer");
    let codec = riskmonitor_kafka::AlertCodec::new(&kafka.registry_url, Duration::from_secs(5)).expect("codec");
    let relay = Relay::new(db.pool.clone(), producer, codec, Duration::from_millis(500));
    let relay_task = tokio::spawn(relay.clone().run(shutdown.token()));
    tokio::time::sleep(Duration::from_secs(5)).await; // consumers assigned

    eprintln!("{total} alerts at {rate}/s");
    let topic = kafka.topics.alerts_pending_analysis.name.clone();
    let mut committed: HashMap<String, Instant> = HashMap::with_capacity(total);
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let mut next = tokio::time::Instant::now();
    for i in 0..total {
        let desk = format!("desk-{i:05}");
        let alert_id = uuid::Uuid::now_v7().to_string();
        let mut tx = db.pool.begin().await.expect("begin");
        sqlx::query(
            "INSERT INTO alerts (alert_id, desk, metric, value, limit_value, resolve_ratio) VALUES (?, ?, 'gross_notional', 2000000, 1000000, 0.95)",
        )
        .bind(&alert_id)
        .bind(&desk)
        .execute(&mut *tx)
        .await
        .expect("alert");
        let event = AlertEvent {
            alert_id: alert_id.clone(),
            desk,
            metric: "gross_notional".into(),
            status: "pending_analysis".into(),
            traceparent: Some(riskmonitor_runtime::telemetry::new_traceparent()),
            produced_at_ms: chrono::Utc::now().timestamp_millis(),
        };
        riskmonitor_kafka::outbox::enqueue(&mut tx, &topic, &event).await.expect("outbox");
        tx.commit().await.expect("commit");
        committed.insert(alert_id, Instant::now());
        relay.notify();
        next += interval;
        tokio::time::sleep_until(next).await;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while receiver.received().len() < total && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    shutdown.trigger();
    let _ = tokio::time::timeout(Duration::from_secs(20), async {
        let _ = a.await;
        let _ = n.await;
        let _ = relay_task.await;
    })
    .await;

    let mut first_arrival: HashMap<String, Instant> = HashMap::new();
    let mut ids_per_alert: HashMap<String, std::collections::BTreeSet<String>> = HashMap::new();
    for r in receiver.received() {
        let body = r.json();
        let alert = body["alert_id"].as_str().unwrap_or_default().to_owned();
        first_arrival.entry(alert.clone()).or_insert(r.at);
        ids_per_alert.entry(alert).or_default().insert(r.header("webhook-id").unwrap_or_default().to_owned());
    }
    let mut lat: Vec<f64> = committed
        .iter()
        .filter_map(|(id, t)| first_arrival.get(id).map(|at| at.saturating_duration_since(*t).as_secs_f64() * 1000.0))
        .collect();
    let delivered = lat.len();
    let duplicated = ids_per_alert.values().filter(|ids| ids.len() > 1).count();
    let args: Vec<String> = std::env::args().skip(1).collect();
    write_result(
        "delivery_latency",
        format!("cargo run --release -p riskmonitor-bench --bin delivery_latency -- {}", args.join(" ")).trim(),
        json!({
            "alerts": total,
            "alerts_per_s": rate,
            "p50_ms": round2(percentile(&mut lat, 50.0)),
            "p99_ms": round2(percentile(&mut lat, 99.0)),
            "max_ms": round2(percentile(&mut lat, 100.0)),
            "lost": total - delivered,
            "duplicated": duplicated,
        }),
        "One llm-analyzer and one webhook-notifier in one process (deterministic analyst, market simulator), \
         MariaDB, Kafka and the registry of the dev stack on the same 2 cores. Latency = first arrival of the \
         breach webhook at a local endpoint minus the commit of the pending_analysis alert (with its outbox row).",
    );
}
