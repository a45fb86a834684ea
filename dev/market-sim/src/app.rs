//! The simulator's HTTP routes: quotes, health, the webhook sink and fault injection.

use crate::faults::{Dice, Faults, FaultsPatch};
use crate::log;
use crate::pricing::{is_quotable, quote_at};
use crate::webhooks::{Received, Sink};
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use riskmonitor_market::QuotesResponse;
use riskmonitor_market::model::{QUOTES_PATH, UNDERLYINGS_PARAM};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Most underlyings accepted in one quotes request.
pub const MAX_UNDERLYINGS: usize = 1_000;

/// Everything the routes share: the faults in force, their dice, the webhook sink.
#[derive(Debug)]
pub struct AppState {
    faults: Mutex<Faults>,
    dice: Dice,
    sink: Sink,
}

impl Default for AppState {
    fn default() -> Self {
        let seed = Utc::now().timestamp_nanos_opt().unwrap_or_default() as u64;
        Self { faults: Mutex::default(), dice: Dice::new(seed), sink: Sink::default() }
    }
}

impl AppState {
    pub fn faults(&self) -> Faults {
        *self.faults.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// All routes of the simulator.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route(QUOTES_PATH, get(quotes))
        .route("/webhooks", get(list_webhooks).post(receive_webhook).delete(clear_webhooks))
        .route("/admin/faults", get(get_faults).post(set_faults))
        .with_state(state)
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

#[derive(Debug, Deserialize)]
struct QuotesQuery {
    underlyings: Option<String>,
}

/// `GET /v1/quotes?underlyings=A,B`: a quote for every quotable name; other names are left
/// out (the client reports them missing).
async fn quotes(State(state): State<Arc<AppState>>, Query(query): Query<QuotesQuery>) -> Response {
    let faults = state.faults();
    if faults.quotes_delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.quotes_delay_ms)).await;
    }
    if state.dice.roll(faults.quotes_fail_rate) {
        return error(StatusCode::SERVICE_UNAVAILABLE, "injected fault: quotes_fail_rate");
    }
    let Some(list) = query.underlyings else {
        return error(StatusCode::BAD_REQUEST, format!("missing query parameter `{UNDERLYINGS_PARAM}`"));
    };
    let names: BTreeSet<&str> = list.split(',').map(str::trim).filter(|n| !n.is_empty()).collect();
    if names.len() > MAX_UNDERLYINGS {
        return error(StatusCode::BAD_REQUEST, format!("at most {MAX_UNDERLYINGS} underlyings per request"));
    }
    let now = Utc::now();
    let quotes = names.into_iter().filter(|n| is_quotable(n)).map(|n| quote_at(n, now)).collect();
    Json(QuotesResponse { as_of: now, quotes }).into_response()
}

/// `POST /webhooks`: stores the request, answers 204 (or 503 when a fault is injected).
async fn receive_webhook(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let faults = state.faults();
    let status = if state.dice.roll(faults.webhook_fail_rate) {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::NO_CONTENT
    };
    let received = state.sink.store(&headers, &body, status.as_u16());
    let header = |name: &str| received.headers.get(name).cloned();
    log::info(
        "webhook_received",
        json!({
            "seq": received.seq,
            "bytes": body.len(),
            "webhook_id": header("webhook-id"),
            "content_type": header("content-type"),
            "status": received.status,
            "delay_ms": faults.webhook_delay_ms,
        }),
    );
    if faults.webhook_delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.webhook_delay_ms)).await;
    }
    status
}

/// `GET /webhooks`: the kept requests, oldest first.
async fn list_webhooks(State(state): State<Arc<AppState>>) -> Json<Vec<Received>> {
    Json(state.sink.list())
}

/// `DELETE /webhooks`: forgets the kept requests (sequence numbers keep counting).
async fn clear_webhooks(State(state): State<Arc<AppState>>) -> StatusCode {
    state.sink.clear();
    StatusCode::NO_CONTENT
}

async fn get_faults(State(state): State<Arc<AppState>>) -> Json<Faults> {
    Json(state.faults())
}

/// `POST /admin/faults` with any subset of the fault keys; answers the faults now in force.
async fn set_faults(State(state): State<Arc<AppState>>, patch: Result<Json<FaultsPatch>, JsonRejection>) -> Response {
    let patch = match patch {
        Ok(Json(p)) => p,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.body_text()),
    };
    let faults = {
        let mut faults = state.faults.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = faults.apply(&patch) {
            return error(StatusCode::BAD_REQUEST, e.to_string());
        }
        *faults
    };
    log::info("faults_changed", json!(faults));
    Json(faults).into_response()
}
