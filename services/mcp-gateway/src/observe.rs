//! The gateway's Prometheus metrics (process-wide default registry, rendered by `/metrics`).

use prometheus::{HistogramVec, IntCounterVec, IntGauge};
use riskmonitor_runtime::metrics::{counter_vec, gauge, histogram_vec, latency_buckets};
use std::sync::LazyLock;

/// Requests by route (`/mcp`, `/v1/positions`, ...), tool (`get_positions`, ... or `-`) and
/// outcome (`ok`, or the error code: `invalid_input`, `unauthorized`, `rate_limited`, ...).
pub static REQUESTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    counter_vec(
        "riskmonitor_gateway_requests_total",
        "Requests by route, tool and outcome",
        &["route", "tool", "outcome"],
    )
});

/// Latency of the same requests, seconds.
pub static LATENCY: LazyLock<HistogramVec> = LazyLock::new(|| {
    let mut buckets = vec![0.0005];
    buckets.extend(latency_buckets());
    histogram_vec(
        "riskmonitor_gateway_request_duration_seconds",
        "Request latency by route, tool and outcome",
        &["route", "tool", "outcome"],
        buckets,
    )
});

/// Requests being served now (admin endpoints excluded).
pub static IN_FLIGHT: LazyLock<IntGauge> =
    LazyLock::new(|| gauge("riskmonitor_gateway_in_flight_requests", "Requests being served"));

/// Calls to dependencies by dependency (`mysql`, `market`, `llm`) and outcome.
pub static DEPENDENCY_CALLS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    counter_vec(
        "riskmonitor_gateway_dependency_calls_total",
        "Calls to dependencies by dependency and outcome (ok, busy, timeout, error)",
        &["dependency", "outcome"],
    )
});

/// Conclusions written, by tool and source (`llm`, `deterministic`).
pub static CONCLUSIONS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    counter_vec("riskmonitor_gateway_conclusions_total", "Tool conclusions by tool and source", &["tool", "source"])
});
