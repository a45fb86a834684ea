//! Dependencies the tests start: the market-snapshot service (quotes per underlying, with a
//! scripted delay or failure) and an LLM (OpenAI-style Chat Completions) that answers, or hangs.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The quotes' `as_of`: options expiring on [`EXPIRY_1Y`] have exactly one year (ACT/365) left.
pub const AS_OF: &str = "2026-01-02T00:00:00Z";
pub const EXPIRY_1Y: &str = "2027-01-02";

#[derive(Default)]
struct MarketState {
    quotes: HashMap<String, (f64, f64, f64)>,
    /// Quote for names not listed (None: they are missing).
    fallback: Option<(f64, f64, f64)>,
    delay: Duration,
    status: u16,
}

#[derive(Clone)]
pub struct MarketStub {
    pub url: String,
    state: Arc<Mutex<MarketState>>,
    pub hits: Arc<AtomicUsize>,
}

impl MarketStub {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(MarketState { status: 200, ..MarketState::default() }));
        let hits = Arc::new(AtomicUsize::new(0));
        let app = Router::new().route("/v1/quotes", get(quotes)).with_state((state.clone(), hits.clone()));
        let url = serve(app).await;
        Self { url, state, hits }
    }

    /// Quote `underlying` at (spot, volatility, rate).
    pub fn quote(&self, underlying: &str, spot: f64, volatility: f64, rate: f64) {
        self.state.lock().unwrap().quotes.insert(underlying.into(), (spot, volatility, rate));
    }

    /// Quote every other quotable name at these values.
    pub fn quote_everything(&self, spot: f64, volatility: f64, rate: f64) {
        self.state.lock().unwrap().fallback = Some((spot, volatility, rate));
    }

    pub fn delay(&self, d: Duration) {
        self.state.lock().unwrap().delay = d;
    }

    pub fn fail_with(&self, status: u16) {
        self.state.lock().unwrap().status = status;
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

type MarketShared = (Arc<Mutex<MarketState>>, Arc<AtomicUsize>);

async fn quotes(State((state, hits)): State<MarketShared>, Query(q): Query<HashMap<String, String>>) -> Response {
    hits.fetch_add(1, Ordering::SeqCst);
    let (delay, status) = {
        let s = state.lock().unwrap();
        (s.delay, s.status)
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if status != 200 {
        return (axum::http::StatusCode::from_u16(status).unwrap(), "scripted failure").into_response();
    }
    let s = state.lock().unwrap();
    let names = q.get("underlyings").cloned().unwrap_or_default();
    let quotes: Vec<Value> = names
        .split(',')
        .filter(|n| !n.is_empty())
        .filter_map(|n| {
            let quotable = n.len() <= 64 && n.bytes().all(|b| b.is_ascii_alphanumeric() || b".-_".contains(&b));
            let q = s.quotes.get(n).copied().or(if quotable { s.fallback } else { None })?;
            Some(json!({"underlying": n, "spot": q.0, "volatility": q.1, "rate": q.2, "as_of": AS_OF}))
        })
        .collect();
    axum::Json(json!({"as_of": AS_OF, "quotes": quotes})).into_response()
}

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// How the LLM stub answers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum LlmMode {
    /// Answers every request at once with a fixed text.
    Answer,
    /// Never answers.
    Hang,
}

#[derive(Clone)]
pub struct LlmStub {
    pub url: String,
    pub hits: Arc<AtomicUsize>,
}

pub const LLM_TEXT: &str = "LLM says: all fine.";

impl LlmStub {
    pub async fn start(mode: LlmMode) -> Self {
        let hits = Arc::new(AtomicUsize::new(0));
        let app = Router::new()
            .route("/v1/chat/completions", post(chat))
            .route("/chat/completions", post(chat))
            .with_state((mode, hits.clone()));
        Self { url: serve(app).await, hits }
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

async fn chat(
    State((mode, hits)): State<(LlmMode, Arc<AtomicUsize>)>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    hits.fetch_add(1, Ordering::SeqCst);
    if mode == LlmMode::Hang {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    let offers_tools = body["tools"].as_array().is_some_and(|t| !t.is_empty());
    let after_tool = body["messages"].as_array().and_then(|m| m.last()).is_some_and(|m| m["role"] == "tool");
    let message = if offers_tools && !after_tool {
        // Plan: one call of desk_monitor.
        json!({"role": "assistant", "content": null, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "desk_monitor", "arguments": "{\"only_breaching\": false}"}}]})
    } else {
        json!({"role": "assistant", "content": LLM_TEXT})
    };
    axum::Json(json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": "stub",
        "choices": [{"index": 0, "finish_reason": if offers_tools && !after_tool { "tool_calls" } else { "stop" }, "message": message}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    }))
    .into_response()
}
