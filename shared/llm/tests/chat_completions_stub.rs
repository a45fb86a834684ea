//! The client against a real HTTP server speaking the Chat Completions protocol, started here,
//! answering well, slowly, with errors and with garbage.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use bigdecimal::BigDecimal;
use riskmonitor_domain::Metric;
use riskmonitor_llm::analysis::{AlertFacts, Contributor, DeskFacts};
use riskmonitor_llm::{AnalysisContext, AnalysisSource, LlmClient, LlmSettings, analyse, conclude};
use riskmonitor_runtime::Secret;
use riskmonitor_runtime::resilience::BreakerSettings;
use serde_json::{Value, json};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Copy)]
enum Mode {
    Good,
    Slow,
    Error500,
    RateLimited,
    Garbage,
    BadSeverity,
    UnknownPosition,
    Confidence7,
}

#[derive(Clone)]
struct Stub {
    mode: Arc<Mutex<Mode>>,
    requests: Arc<Mutex<Vec<(HeaderMap, Value)>>>,
}

fn completion(content: &str) -> Value {
    json!({"id": "c1", "object": "chat.completion", "model": "stub-model",
           "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}]})
}

fn analysis(severity: &str, position_id: i64, confidence: f64) -> String {
    json!({
        "severity": severity,
        "summary": "Desk rates is 25% over its net delta limit, driven by SPX futures.",
        "drivers": [{"description": "SPX futures", "position_id": position_id, "underlying": "SPX",
                     "contribution": "7500000.25", "share_pct": 60.0}],
        "recommended_actions": ["Sell SPX futures to cut net delta by 2.5m."],
        "confidence": confidence
    })
    .to_string()
}

async fn handle(State(stub): State<Stub>, headers: HeaderMap, body: String) -> Response {
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    stub.requests.lock().unwrap().push((headers, body));
    let mode = *stub.mode.lock().unwrap();
    match mode {
        Mode::Good => axum::Json(completion(&analysis("high", 1, 0.8))).into_response(),
        Mode::Slow => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            axum::Json(completion(&analysis("high", 1, 0.8))).into_response()
        }
        Mode::Error500 => (StatusCode::INTERNAL_SERVER_ERROR, "upstream exploded").into_response(),
        Mode::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "slow down").into_response(),
        Mode::Garbage => "<html>not json</html>".into_response(),
        Mode::BadSeverity => axum::Json(completion(&analysis("apocalyptic", 1, 0.8))).into_response(),
        Mode::UnknownPosition => axum::Json(completion(&analysis("high", 999, 0.8))).into_response(),
        Mode::Confidence7 => axum::Json(completion(&analysis("high", 1, 7.0))).into_response(),
    }
}

async fn start(mode: Mode) -> (Stub, String) {
    let stub = Stub { mode: Arc::new(Mutex::new(mode)), requests: Arc::default() };
    let app = Router::new().route("/v1/chat/completions", post(handle)).with_state(stub.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (stub, format!("http://{addr}/v1"))
}

fn client(url: &str, timeout_ms: u64, threshold: u32, max_concurrent: usize) -> LlmClient {
    let settings = LlmSettings {
        url: url.into(),
        api_key: Secret::new("sk-test-key"),
        model: "stub-model".into(),
        timeout_ms,
        max_concurrent,
        max_wait_ms: 50,
        breaker: BreakerSettings { failure_threshold: threshold, open_secs: 60 },
        ..LlmSettings::default()
    };
    LlmClient::from_settings(&settings).unwrap().expect("configured")
}

fn ctx() -> AnalysisContext {
    let d = |s: &str| BigDecimal::from_str(s).unwrap();
    AnalysisContext {
        alert: AlertFacts {
            alert_id: "a1".into(),
            desk: "rates".into(),
            metric: Metric::NetDelta,
            value: d("12500000.25"),
            limit_value: d("10000000"),
            resolve_ratio: d("0.95"),
            opened_at: chrono::Utc::now(),
        },
        desk: DeskFacts { gross_notional: d("1"), net_delta: d("12500000.25"), vega: d("0"), position_count: 1 },
        limits: Vec::new(),
        top_positions: vec![Contributor {
            position_id: 1,
            instrument_id: "ESZ6".into(),
            instrument_type: "FUTURE".into(),
            underlying: "SPX".into(),
            quantity: d("30"),
            gross_notional: d("7500000.25"),
            net_delta: d("7500000.25"),
            vega: d("0"),
        }],
        market: Vec::new(),
        market_note: None,
    }
}

#[tokio::test]
async fn a_good_answer_is_used_and_the_request_is_well_formed() {
    let (stub, url) = start(Mode::Good).await;
    let out = analyse(Some(&client(&url, 2_000, 5, 4)), &ctx()).await;
    assert_eq!(out.source, AnalysisSource::Llm { model: "stub-model".into() });
    assert_eq!(out.fallback_reason, None);
    assert_eq!(out.analysis.drivers[0].position_id, Some(1));
    let requests = stub.requests.lock().unwrap();
    let (headers, body) = &requests[0];
    assert_eq!(headers["authorization"], "Bearer sk-test-key");
    assert_eq!(body["model"], "stub-model");
    assert_eq!(body["response_format"]["type"], "json_schema");
    assert_eq!(body["response_format"]["json_schema"]["strict"], true);
    assert!(body["messages"][1]["content"].as_str().unwrap().contains("12500000.25"));
}

#[tokio::test]
async fn every_bad_answer_falls_back_to_the_deterministic_analyst_with_the_reason() {
    for (mode, reason) in [
        (Mode::Slow, "did not answer within"),
        (Mode::Error500, "HTTP 500"),
        (Mode::RateLimited, "HTTP 429"),
        (Mode::Garbage, "not a chat completion"),
        (Mode::BadSeverity, "unknown variant"),
        (Mode::UnknownPosition, "position_id 999 is not in the context"),
        (Mode::Confidence7, "confidence 7"),
    ] {
        let (_stub, url) = start(mode).await;
        let started = Instant::now();
        let out = analyse(Some(&client(&url, 500, 5, 4)), &ctx()).await;
        assert_eq!(out.source, AnalysisSource::Deterministic);
        let why = out.fallback_reason.unwrap_or_default();
        assert!(why.contains(reason), "expected `{reason}` in `{why}`");
        assert!(started.elapsed() < Duration::from_secs(2), "the timeout bounds the call");
        assert_eq!(out.analysis, riskmonitor_llm::deterministic_analysis(&ctx()));
    }
}

#[tokio::test]
async fn consecutive_failures_open_the_circuit_and_stop_calling() {
    let (stub, url) = start(Mode::Error500).await;
    let c = client(&url, 1_000, 3, 4);
    for _ in 0..6 {
        let out = analyse(Some(&c), &ctx()).await;
        assert_eq!(out.source, AnalysisSource::Deterministic);
    }
    assert_eq!(stub.requests.lock().unwrap().len(), 3, "the circuit opened after 3 failures");
    let text = conclude(Some(&c), "desk_monitor", &json!({"desks": []}), "fallback text".into()).await;
    assert_eq!(text.text, "fallback text");
    assert_eq!(stub.requests.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn the_bulkhead_rejects_callers_beyond_its_size_while_the_llm_hangs() {
    let (stub, url) = start(Mode::Slow).await;
    let c = client(&url, 2_500, 100, 2);
    let started = Instant::now();
    let calls = (0..6).map(|_| {
        let c = c.clone();
        tokio::spawn(async move { analyse(Some(&c), &ctx()).await })
    });
    let outs = futures_join(calls).await;
    let busy = outs.iter().filter(|o| o.fallback_reason.as_deref().is_some_and(|r| r.contains("in flight"))).count();
    assert_eq!(busy, 4, "2 slots: 4 callers fell back at once");
    assert_eq!(stub.requests.lock().unwrap().len(), 2);
    assert!(started.elapsed() < Duration::from_secs(4));
}

async fn futures_join<T: Send + 'static>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for h in handles.collect::<Vec<_>>() {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn conclusions_come_from_the_llm_or_the_fallback() {
    let (stub, url) = start(Mode::Good).await;
    let c = client(&url, 2_000, 5, 4);
    let text = conclude(Some(&c), "get_positions", &json!({"positions": [1, 2]}), "2 positions.".into()).await;
    assert_eq!(text.source, riskmonitor_llm::ConclusionSource::Llm);
    assert!(stub.requests.lock().unwrap()[0].1.get("response_format").is_none());
    let none = conclude(None, "get_positions", &json!({}), "2 positions.".into()).await;
    assert_eq!((none.text.as_str(), none.source), ("2 positions.", riskmonitor_llm::ConclusionSource::Deterministic));
}

#[tokio::test]
async fn a_trial_call_dropped_half_way_does_not_leave_the_circuit_stuck() {
    let (stub, url) = start(Mode::Error500).await;
    let settings = LlmSettings {
        url: url.clone(),
        model: "stub-model".into(),
        timeout_ms: 5_000,
        breaker: BreakerSettings { failure_threshold: 1, open_secs: 0 },
        ..LlmSettings::default()
    };
    let c = LlmClient::from_settings(&settings).unwrap().unwrap();
    // One failure opens the circuit; with open_secs = 0 the next call is the half-open trial.
    assert_eq!(analyse(Some(&c), &ctx()).await.source, AnalysisSource::Deterministic);
    *stub.mode.lock().unwrap() = Mode::Slow;
    // The caller gives up on the trial call long before the LLM answers.
    let _ = tokio::time::timeout(Duration::from_millis(100), analyse(Some(&c), &ctx())).await;
    *stub.mode.lock().unwrap() = Mode::Good;
    let out = analyse(Some(&c), &ctx()).await;
    assert_eq!(out.source, AnalysisSource::Llm { model: "stub-model".into() }, "{:?}", out.fallback_reason);
}
