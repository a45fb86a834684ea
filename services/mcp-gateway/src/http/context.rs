//! The outermost layer: every request gets an id (`x-request-id` honoured when sane, else
//! generated; always echoed), joins the caller's W3C trace (`traceparent`), runs inside a span
//! carrying request_id, trace_id, route, tool_name, principal, status, latency_ms and
//! error_code (so every log line has them), is counted and timed in Prometheus by route, tool
//! and outcome, and any error leaves in the one JSON shape with the request id in it.

use crate::error::{ErrorBody, ErrorCode, ErrorDetail, ErrorInfo};
use crate::observe::{IN_FLIGHT, LATENCY, REQUESTS};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tracing::Instrument;
use tracing::field::Empty;

pub const REQUEST_ID: &str = "x-request-id";

/// What the layers and handlers of one request share.
#[derive(Clone)]
pub struct RequestMeta {
    pub request_id: String,
    pub trace_id: String,
    pub span: tracing::Span,
    note: Arc<Mutex<Note>>,
}

#[derive(Default)]
struct Note {
    tool: Option<String>,
    outcome: Option<&'static str>,
}

impl RequestMeta {
    /// Names the tool being called (for the span and the metrics).
    pub fn set_tool(&self, tool: &str) {
        self.span.record("tool_name", tool);
        if let Ok(mut n) = self.note.lock() {
            n.tool = Some(tool.to_owned());
        }
    }

    /// Records a failed tool call that still answered HTTP 200 (an MCP `isError` result).
    pub fn set_tool_error(&self, code: ErrorCode) {
        self.span.record("error_code", code.as_str());
        if let Ok(mut n) = self.note.lock() {
            n.outcome = Some(code.as_str());
        }
    }
}

/// The route label of a path (bounded cardinality: ids are replaced by their name).
pub fn route_label(path: &str) -> &'static str {
    match path {
        "/healthz" => "/healthz",
        "/readyz" => "/readyz",
        "/metrics" => "/metrics",
        "/openapi.json" => "/openapi.json",
        "/mcp" => "/mcp",
        "/v1/positions" => "/v1/positions",
        "/v1/exposure" => "/v1/exposure",
        "/v1/desks" => "/v1/desks",
        "/v1/alerts" => "/v1/alerts",
        "/v1/check-trade" => "/v1/check-trade",
        "/v1/ask" => "/v1/ask",
        p if p.starts_with("/v1/alerts/") && p.ends_with("/ack") => "/v1/alerts/{alert_id}/ack",
        p if p.starts_with("/v1/alerts/") => "/v1/alerts/{alert_id}",
        _ => "other",
    }
}

fn is_admin(route: &str) -> bool {
    matches!(route, "/healthz" | "/readyz" | "/metrics")
}

/// An inbound request id worth keeping: 1 to 128 visible ASCII characters without spaces.
fn sane_request_id(v: &HeaderValue) -> Option<String> {
    let s = v.to_str().ok()?;
    (!s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_graphic())).then(|| s.to_owned())
}

/// The trace id of a valid `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`).
fn traceparent_trace_id(v: &str) -> Option<String> {
    let parts: Vec<&str> = v.trim().split('-').collect();
    let ok = parts.len() >= 4
        && parts[0].len() == 2
        && parts[1].len() == 32
        && parts[2].len() == 16
        && parts[1].bytes().all(|b| b.is_ascii_hexdigit())
        && parts[1].bytes().any(|b| b != b'0');
    ok.then(|| parts[1].to_ascii_lowercase())
}

pub async fn layer(mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = route_label(req.uri().path());
    let request_id =
        req.headers().get(REQUEST_ID).and_then(sane_request_id).unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        trace_id = Empty,
        method = %req.method(),
        route,
        tool_name = Empty,
        principal = Empty,
        status = Empty,
        latency_ms = Empty,
        error_code = Empty,
    );
    let traceparent = req.headers().get("traceparent").and_then(|v| v.to_str().ok()).map(str::to_owned);
    if let Some(tp) = &traceparent {
        riskmonitor_runtime::telemetry::set_parent(&span, tp);
    }
    let trace_id = riskmonitor_runtime::telemetry::trace_id(&span)
        .or_else(|| traceparent.as_deref().and_then(traceparent_trace_id))
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    span.record("trace_id", trace_id.as_str());
    let meta = RequestMeta {
        request_id: request_id.clone(),
        trace_id: trace_id.clone(),
        span: span.clone(),
        note: Arc::new(Mutex::new(Note::default())),
    };
    req.extensions_mut().insert(meta.clone());
    let admin = is_admin(route);
    if !admin {
        IN_FLIGHT.inc();
    }
    let response = next.run(req).instrument(span.clone()).await;
    if !admin {
        IN_FLIGHT.dec();
    }
    let (mut response, error) =
        if admin { (response, None) } else { render_error(response, &request_id, &trace_id).await };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, v);
    }
    let (tool, tool_outcome) = meta.note.lock().map(|n| (n.tool.clone(), n.outcome)).unwrap_or_default();
    let outcome = error.map(ErrorCode::as_str).or(tool_outcome).unwrap_or("ok");
    let tool = tool.unwrap_or_else(|| default_tool(route).to_owned());
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    span.record("status", status);
    span.record("latency_ms", elapsed.as_secs_f64() * 1000.0);
    if outcome != "ok" {
        span.record("error_code", outcome);
    }
    REQUESTS.with_label_values(&[route, &tool, outcome]).inc();
    LATENCY.with_label_values(&[route, &tool, outcome]).observe(elapsed.as_secs_f64());
    span.in_scope(|| {
        if admin {
            tracing::debug!(event = "request", status, "request served");
        } else if status >= 500 {
            tracing::warn!(event = "request", status, outcome, "request failed");
        } else {
            tracing::info!(event = "request", status, outcome, "request served");
        }
    });
    response
}

/// The tool a REST route mirrors (MCP requests name theirs).
fn default_tool(route: &str) -> &'static str {
    match route {
        "/v1/positions" => "get_positions",
        "/v1/exposure" => "calculate_exposure",
        "/v1/desks" => "desk_monitor",
        "/v1/alerts" => "list_alerts",
        "/v1/alerts/{alert_id}" => "get_alert",
        "/v1/check-trade" => "check_trade",
        "/v1/ask" => "ask",
        "/v1/alerts/{alert_id}/ack" => "ack",
        _ => "-",
    }
}

/// Writes the JSON error body of an error response (ours carry an [`ErrorInfo`]; others, from
/// the framework or the MCP transport, are rewritten from their status and text). JSON
/// bodies that are not ours (JSON-RPC errors of `/mcp`) are kept as they are.
async fn render_error(response: Response, request_id: &str, trace_id: &str) -> (Response, Option<ErrorCode>) {
    let status = response.status();
    if let Some(info) = response.extensions().get::<ErrorInfo>().cloned() {
        return (with_body(response, info.code, info.message, request_id, trace_id), Some(info.code));
    }
    if !(status.is_client_error() || status.is_server_error()) {
        return (response, None);
    }
    let code = ErrorCode::for_status(status);
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if is_json {
        return (response, Some(code));
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 16 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let message = if text.is_empty() { status.canonical_reason().unwrap_or("error").to_owned() } else { text };
    let response = Response::from_parts(parts, Body::empty());
    (with_body(response, code, message, request_id, trace_id), Some(code))
}

fn with_body(response: Response, code: ErrorCode, message: String, request_id: &str, trace_id: &str) -> Response {
    let body = ErrorBody {
        error: ErrorDetail { code, message, request_id: request_id.to_owned(), trace_id: trace_id.to_owned() },
    };
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    let (mut parts, _) = response.into_parts();
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_ids() {
        assert_eq!(route_label("/v1/alerts/abc/ack"), "/v1/alerts/{alert_id}/ack");
        assert_eq!(route_label("/v1/alerts/abc"), "/v1/alerts/{alert_id}");
        assert_eq!(route_label("/nope"), "other");
        assert_eq!(sane_request_id(&HeaderValue::from_static("abc-123")), Some("abc-123".into()));
        assert_eq!(sane_request_id(&HeaderValue::from_static("has space")), None);
        assert_eq!(
            traceparent_trace_id("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").as_deref(),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
        assert_eq!(traceparent_trace_id("00-00000000000000000000000000000000-00f067aa0ba902b7-01"), None);
    }
}
