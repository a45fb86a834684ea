//! spawn_app and fixtures.

use riskmonitor_kafka::{AlertCodec, AlertEvent};
use riskmonitor_runtime::{Readiness, Secret, Shutdown};
use riskmonitor_testkit::http::{Received, Receiver};
use riskmonitor_testkit::{TestDb, TestEnv, unique};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use webhook_notifier::settings::WebhookSettings;
use webhook_notifier::{Application, Settings};

pub const SECRET_A: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub const SECRET_B: &str = "whsec_c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24=";

pub struct TestApp {
    pub db: TestDb,
    pub settings: Settings,
    pub shutdown: Shutdown,
    pub handle: tokio::task::JoinHandle<()>,
}

/// Settings for a notifier on its own database and topics, fast retries.
pub async fn settings(receiver_url: &str) -> (TestEnv, TestDb, Settings) {
    riskmonitor_testkit::init_tracing();
    let env = TestEnv::from_env();
    let db = TestDb::create(&env).await;
    let kafka = env.kafka_settings(&unique("n"));
    riskmonitor_testkit::kafka::create_topics(&kafka).await;
    let settings = Settings {
        admin: riskmonitor_runtime::admin::AdminSettings::with_port(0),
        database: db.settings(),
        kafka,
        webhook: WebhookSettings {
            url: format!("{receiver_url}/hook"),
            secrets: vec![Secret::new(SECRET_A), Secret::new(SECRET_B)],
            ack_base_url: "http://gateway.test".into(),
            request_timeout_ms: 300,
            max_attempts: 30,
            retry_base_ms: 20,
            retry_max_ms: 200,
            scheduler_interval_ms: 50,
            group_id: unique("notifier-"),
            ..WebhookSettings::default()
        },
        ..Settings::default()
    };
    (env, db, settings)
}

pub async fn spawn(_env: TestEnv, db: TestDb, settings: Settings) -> TestApp {
    let shutdown = Shutdown::new();
    let app = Application::build(settings.clone(), Readiness::new(), shutdown.clone()).await.expect("build notifier");
    let handle = tokio::spawn(async move {
        app.run_until_stopped().await.expect("notifier run");
    });
    TestApp { db, settings, shutdown, handle }
}

impl TestApp {
    pub async fn stop(self) {
        self.shutdown.trigger();
        let _ = tokio::time::timeout(Duration::from_secs(15), self.handle).await;
    }
}

/// Inserts an analysed alert in `pending_delivery` and rings the doorbell.
pub async fn publish_alert(db: &TestDb, settings: &Settings, desk: &str) -> String {
    let alert_id = insert_alert(db, desk, "pending_delivery").await;
    ring(settings, &alert_id, desk).await;
    alert_id
}

pub async fn insert_alert(db: &TestDb, desk: &str, status: &str) -> String {
    let alert_id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO alerts (alert_id, desk, metric, status, value, limit_value, resolve_ratio, traceparent, analysis, summary, analysis_source) \
         VALUES (?, ?, 'net_delta', ?, 1250000.5, 1000000, 0.95, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', \
         JSON_OBJECT('severity','high','summary','over by 25%'), 'Desk over its net_delta limit by 25%.', 'deterministic')",
    )
    .bind(&alert_id)
    .bind(desk)
    .bind(status)
    .execute(&db.pool)
    .await
    .expect("insert alert");
    alert_id
}

pub async fn ring(settings: &Settings, alert_id: &str, desk: &str) {
    let kafka = &settings.kafka;
    let codec = AlertCodec::new(&kafka.registry_url, Duration::from_secs(5)).expect("codec");
    let topic = &kafka.topics.alerts_pending_delivery.name;
    let event = AlertEvent {
        alert_id: alert_id.to_owned(),
        desk: desk.to_owned(),
        metric: "net_delta".into(),
        status: "pending_delivery".into(),
        traceparent: None,
        produced_at_ms: chrono::Utc::now().timestamp_millis(),
    };
    let payload = codec.encode(topic, &event).await.expect("encode");
    let producer = riskmonitor_kafka::producer::build(kafka, "test").expect("producer");
    riskmonitor_kafka::producer::send(&producer, topic, alert_id, &payload, rdkafka::message::OwnedHeaders::new())
        .await
        .expect("send");
}

pub async fn alert_status(db: &TestDb, alert_id: &str) -> String {
    sqlx::query_scalar("SELECT CAST(status AS CHAR) FROM alerts WHERE alert_id = ?")
        .bind(alert_id)
        .fetch_one(&db.pool)
        .await
        .expect("status")
}

/// Breach webhooks received per alert: alert_id -> distinct webhook-ids.
pub fn ids_by_alert(received: &[Received], event_type: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut map: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in received {
        let body = r.json();
        if body["type"] == event_type && body["reminder"] == 0 {
            let alert = body["alert_id"].as_str().unwrap_or_default().to_owned();
            map.entry(alert).or_default().insert(r.header("webhook-id").unwrap_or_default().to_owned());
        }
    }
    map
}

/// Runs the reference verifier over `received`; returns how many (secret, webhook) pairs verified.
pub fn verify_with_reference_library(received: &[Received], secrets: &[&str]) -> usize {
    let python = std::env::var("RISKMONITOR_TEST_PYTHON").unwrap_or_else(|_| {
        format!("{}/.cache/riskmonitor/venv/bin/python", std::env::var("HOME").unwrap_or_default())
    });
    let webhooks: Vec<serde_json::Value> = received
        .iter()
        .map(|r| {
            let headers: serde_json::Map<String, serde_json::Value> =
                r.headers.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
            serde_json::json!({"headers": headers, "body": String::from_utf8_lossy(&r.body)})
        })
        .collect();
    let input = serde_json::json!({"secrets": secrets, "webhooks": webhooks}).to_string();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/py/verify_webhooks.py");
    let mut child = std::process::Command::new(&python)
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{python}: {e} (run dev/test, which installs the test tools)"));
    use std::io::Write;
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write");
    let out = child.wait_with_output().expect("verifier");
    assert!(out.status.success(), "reference verifier rejected a webhook: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().parse().expect("count")
}

pub async fn receiver_ok() -> Receiver {
    Receiver::start(|_, _| riskmonitor_testkit::http::Reply::Status(204)).await
}
