//! Prometheus metrics of the market client (process-wide, shared by every client instance).

use prometheus::{HistogramVec, IntCounterVec, IntGauge};
use riskmonitor_runtime::metrics::{counter_vec, gauge, histogram_vec, latency_buckets};
use std::sync::LazyLock;

/// Logical calls of `snapshot` by outcome (`ok`, `circuit_open`, `busy`, `timeout`,
/// `transport`, `unavailable`, `rejected`, `invalid_response`).
pub static REQUESTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    counter_vec("riskmonitor_market_requests_total", "Market snapshot calls by outcome", &["outcome"])
});

/// HTTP attempts (a call makes 1 + retries of them) by result (`2xx`, `4xx`, `5xx`,
/// `timeout`, `transport`, `other`).
pub static ATTEMPTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    counter_vec(
        "riskmonitor_market_http_attempts_total",
        "HTTP requests sent to the market-snapshot service by result",
        &["result"],
    )
});

/// Duration of logical calls, retries and backoff included.
pub static DURATION: LazyLock<HistogramVec> = LazyLock::new(|| {
    histogram_vec(
        "riskmonitor_market_request_duration_seconds",
        "Duration of market snapshot calls, retries included",
        &["outcome"],
        latency_buckets(),
    )
});

/// 0 closed, 1 open, 2 half-open.
pub static CIRCUIT_STATE: LazyLock<IntGauge> = LazyLock::new(|| {
    gauge(
        "riskmonitor_market_circuit_state",
        "Circuit breaker towards the market-snapshot service: 0 closed, 1 open, 2 half-open",
    )
});
