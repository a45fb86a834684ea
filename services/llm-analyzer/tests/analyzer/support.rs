//! spawn_app, fixtures, the LLM stub.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use llm_analyzer::settings::AnalyzerSettings;
use llm_analyzer::{Application, Settings};
use rdkafka::Message;
use riskmonitor_kafka::{AlertCodec, AlertEvent};
use riskmonitor_llm::LlmSettings;
use riskmonitor_runtime::{Readiness, Shutdown};
use riskmonitor_testkit::{TestDb, TestEnv, unique};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::Duration;

pub const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// A Chat Completions endpoint: 0 answers a valid analysis, 1 garbage, 2 hangs.
#[derive(Clone, Default)]
pub struct LlmStub {
    pub mode: Arc<AtomicU8>,
    pub calls: Arc<AtomicUsize>,
    pub url: String,
}

async fn chat(State(stub): State<LlmStub>) -> Response {
    stub.calls.fetch_add(1, Ordering::SeqCst);
    match stub.mode.load(Ordering::SeqCst) {
        0 => {
            let content = json!({
                "severity": "critical",
                "summary": "LLM: desk far over its gross limit.",
                "drivers": [],
                "recommended_actions": ["Cut gross notional."],
                "confidence": 0.7
            })
            .to_string();
            axum::Json(json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}))
                .into_response()
        }
        1 => "%%% garbage %%%".into_response(),
        _ => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            "never".into_response()
        }
    }
}

impl LlmStub {
    pub async fn start(mode: u8) -> Self {
        let mut stub = LlmStub::default();
        stub.mode.store(mode, Ordering::SeqCst);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        stub.url = format!("http://{}/v1", listener.local_addr().unwrap());
        let app = Router::new().route("/v1/chat/completions", post(chat)).with_state(stub.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        stub
    }
}

/// The market simulator of the dev stack, in-process on a free port.
pub async fn market_sim() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let state = Arc::new(riskmonitor_market_sim::AppState::default());
    tokio::spawn(riskmonitor_market_sim::serve(listener, state, std::future::pending()));
    url
}

pub struct World {
    pub env: TestEnv,
    pub db: TestDb,
    pub settings: Settings,
}

impl World {
    pub async fn new(llm: Option<&LlmStub>) -> Self {
        riskmonitor_testkit::init_tracing();
        let env = TestEnv::from_env();
        let db = TestDb::create(&env).await;
        let kafka = env.kafka_settings(&unique("a"));
        riskmonitor_testkit::kafka::create_topics(&kafka).await;
        let mut settings = Settings {
            admin: riskmonitor_runtime::admin::AdminSettings::with_port(0),
            database: db.settings(),
            kafka,
            analyzer: AnalyzerSettings {
                group_id: unique("analyzer-"),
                claim_lease_secs: 8,
                stuck_after_secs: 1,
                reconcile_interval_secs: 1,
                outbox_poll_ms: 100,
                ..AnalyzerSettings::default()
            },
            ..Settings::default()
        };
        settings.market.url = market_sim().await;
        if let Some(stub) = llm {
            settings.llm = LlmSettings {
                url: stub.url.clone(),
                model: "stub".into(),
                timeout_ms: 1_000,
                ..LlmSettings::default()
            };
        }
        Self { env, db, settings }
    }

    pub async fn spawn(&self) -> (Shutdown, tokio::task::JoinHandle<()>) {
        let shutdown = Shutdown::new();
        let app = Application::build(self.settings.clone(), Readiness::new(), shutdown.clone()).await.expect("build");
        let handle = tokio::spawn(async move { app.run_until_stopped().await.expect("run") });
        (shutdown, handle)
    }

    /// A desk over its gross limit: two positions, aggregates, limit, and the alert.
    pub async fn breach(&self, desk: &str) -> String {
        let pool = &self.db.pool;
        for (id, underlying, gross) in [(1, "SPX", "700000"), (2, "AAPL", "500000")] {
            sqlx::query(
                "INSERT INTO positions (position_id, desk, instrument_id, instrument_type, underlying, quantity, price) \
                 VALUES (?, ?, ?, 'EQUITY', ?, 1000, ?)",
            )
            .bind(id)
            .bind(desk)
            .bind(format!("{underlying}-EQ"))
            .bind(underlying)
            .bind(gross)
            .execute(pool)
            .await
            .unwrap();
            sqlx::query(
                "INSERT INTO engine_positions (position_id, desk, gross_notional, net_delta, vega, src_file_seq, src_pos, src_row, src_phase) \
                 VALUES (?, ?, ?, ?, 0, 1, ?, 0, 1)",
            )
            .bind(id)
            .bind(desk)
            .bind(gross)
            .bind(gross)
            .bind(id)
            .execute(pool)
            .await
            .unwrap();
        }
        sqlx::query("INSERT INTO desk_exposures (desk, gross_notional, net_delta, vega, position_count) VALUES (?, 1200000, 1200000, 0, 2)")
            .bind(desk)
            .execute(pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO risk_limits (desk, metric, limit_value) VALUES (?, 'gross_notional', 1000000)")
            .bind(desk)
            .execute(pool)
            .await
            .unwrap();
        let alert_id = uuid::Uuid::now_v7().to_string();
        sqlx::query(
            "INSERT INTO alerts (alert_id, desk, metric, value, limit_value, resolve_ratio, traceparent) \
             VALUES (?, ?, 'gross_notional', 1200000, 1000000, 0.95, ?)",
        )
        .bind(&alert_id)
        .bind(desk)
        .bind(TRACEPARENT)
        .execute(pool)
        .await
        .unwrap();
        alert_id
    }

    pub async fn ring(&self, alert_id: &str, desk: &str) {
        let kafka = &self.settings.kafka;
        let codec = AlertCodec::new(&kafka.registry_url, Duration::from_secs(5)).unwrap();
        let topic = &kafka.topics.alerts_pending_analysis.name;
        let event = AlertEvent {
            alert_id: alert_id.into(),
            desk: desk.into(),
            metric: "gross_notional".into(),
            status: "pending_analysis".into(),
            traceparent: Some(TRACEPARENT.into()),
            produced_at_ms: 0,
        };
        let payload = codec.encode(topic, &event).await.unwrap();
        let producer = riskmonitor_kafka::producer::build(kafka, "test").unwrap();
        riskmonitor_kafka::producer::send(
            &producer,
            topic,
            alert_id,
            &payload,
            riskmonitor_kafka::headers::with_traceparent(Some(TRACEPARENT)),
        )
        .await
        .unwrap();
    }

    pub async fn status(&self, alert_id: &str) -> (String, Option<String>, Option<serde_json::Value>) {
        let row: (String, Option<String>, Option<serde_json::Value>) = sqlx::query_as(
            "SELECT CAST(status AS CHAR), CAST(analysis_source AS CHAR), analysis FROM alerts WHERE alert_id = ?",
        )
        .bind(alert_id)
        .fetch_one(&self.db.pool)
        .await
        .unwrap();
        row
    }

    pub async fn wait_pending_delivery(&self, alert_id: &str) -> (String, Option<String>, Option<serde_json::Value>) {
        riskmonitor_testkit::wait_until("pending_delivery", Duration::from_secs(40), || async {
            let s = self.status(alert_id).await;
            (s.0 == "pending_delivery").then_some(s)
        })
        .await
    }

    /// Every message on alerts_pending_delivery within `window`: (alert_id, traceparent header).
    pub async fn delivery_messages(&self, window: Duration) -> Vec<(String, Option<String>)> {
        let topic = self.settings.kafka.topics.alerts_pending_delivery.name.clone();
        let consumer = riskmonitor_testkit::kafka::consumer(&self.env, &[&topic]);
        let codec = AlertCodec::new(&self.settings.kafka.registry_url, Duration::from_secs(5)).unwrap();
        let mut out = Vec::new();
        let deadline = tokio::time::Instant::now() + window;
        while let Ok(Ok(msg)) = tokio::time::timeout_at(deadline, consumer.recv()).await {
            let event = codec.decode(msg.payload().unwrap()).await.unwrap();
            let header = riskmonitor_kafka::headers::get(msg.headers(), "traceparent").map(str::to_owned);
            out.push((event.alert_id, header));
        }
        out
    }
}
