//! A scripted market-snapshot service on 127.0.0.1:0 for the client's tests: each request
//! takes the next step of the script (the last step repeats), and every request is counted
//! and recorded server-side.

#![allow(dead_code, clippy::unwrap_used)]

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use riskmonitor_market::{BreakerSettings, MarketSettings, Quote, QuotesResponse};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the service does with one request.
#[derive(Debug, Clone)]
pub enum Step {
    /// 200 with quotes for the known names asked for.
    Quotes,
    /// Waits, then answers quotes.
    Slow(Duration),
    Status(u16),
    /// 200 with this body as JSON.
    Body(&'static str),
}

#[derive(Clone)]
struct Script {
    steps: Arc<Mutex<Vec<Step>>>,
    hits: Arc<AtomicUsize>,
    asked: Arc<Mutex<Vec<Vec<String>>>>,
}

pub struct Server {
    pub url: String,
    script: Script,
}

impl Server {
    pub async fn start(steps: Vec<Step>) -> Self {
        let script = Script { steps: Arc::new(Mutex::new(steps)), hits: Arc::default(), asked: Arc::default() };
        let app = axum::Router::new().route("/v1/quotes", get(quotes)).with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, script }
    }

    /// Requests received so far.
    pub fn hits(&self) -> usize {
        self.script.hits.load(Ordering::SeqCst)
    }

    /// The underlyings of each request, as the server decoded them.
    pub fn asked(&self) -> Vec<Vec<String>> {
        self.script.asked.lock().unwrap().clone()
    }

    /// Replaces the script for the requests still to come.
    pub fn set_steps(&self, steps: Vec<Step>) {
        let hits = self.hits();
        let mut padded = vec![Step::Quotes; hits];
        padded.extend(steps);
        *self.script.steps.lock().unwrap() = padded;
    }

    /// Client settings pointing at this server, fast enough for tests.
    pub fn settings(&self) -> MarketSettings {
        MarketSettings {
            url: self.url.clone(),
            timeout_ms: 300,
            retries: 2,
            retry_min_delay_ms: 5,
            retry_max_delay_ms: 20,
            breaker: BreakerSettings { failure_threshold: 3, open_secs: 60 },
            max_concurrent: 8,
        }
    }
}

pub fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn known(name: &str) -> Option<(f64, f64, f64)> {
    match name {
        "SPX" => Some((5000.0, 0.16, 0.043)),
        "AAPL" => Some((190.0, 0.25, 0.043)),
        "A&B=C" => Some((12.0, 0.3, 0.04)),
        _ => None,
    }
}

async fn quotes(State(script): State<Script>, Query(params): Query<HashMap<String, String>>) -> Response {
    let n = script.hits.fetch_add(1, Ordering::SeqCst);
    let asked: Vec<String> =
        params.get("underlyings").map(|s| s.split(',').map(str::to_owned).collect()).unwrap_or_default();
    script.asked.lock().unwrap().push(asked.clone());
    let step = {
        let steps = script.steps.lock().unwrap();
        steps.get(n).or(steps.last()).cloned().unwrap_or(Step::Quotes)
    };
    match step {
        Step::Quotes => quotes_for(&asked),
        Step::Slow(d) => {
            tokio::time::sleep(d).await;
            quotes_for(&asked)
        }
        Step::Status(code) => (StatusCode::from_u16(code).unwrap(), "scripted failure").into_response(),
        Step::Body(body) => ([("content-type", "application/json")], body).into_response(),
    }
}

fn quotes_for(asked: &[String]) -> Response {
    let now = Utc::now();
    let quotes = asked
        .iter()
        .filter_map(|name| {
            let (spot, volatility, rate) = known(name)?;
            Some(Quote { underlying: name.clone(), spot, volatility, rate, as_of: now })
        })
        .collect();
    Json(QuotesResponse { as_of: now, quotes }).into_response()
}
