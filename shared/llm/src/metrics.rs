//! LLM metrics (fixed names and labels).

use prometheus::{HistogramVec, IntCounterVec, IntGauge};
use riskmonitor_runtime::metrics;
use std::sync::LazyLock;

pub static REQUESTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec("riskmonitor_llm_requests_total", "LLM calls by purpose and outcome", &["purpose", "outcome"])
});
pub static LATENCY: LazyLock<HistogramVec> = LazyLock::new(|| {
    metrics::histogram_vec(
        "riskmonitor_llm_request_duration_seconds",
        "LLM call duration",
        &["purpose"],
        metrics::latency_buckets(),
    )
});
pub static CIRCUIT: LazyLock<IntGauge> = LazyLock::new(|| {
    metrics::gauge("riskmonitor_llm_circuit_state", "LLM circuit breaker: 0 closed, 1 open, 2 half-open")
});
pub static FALLBACKS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "riskmonitor_llm_fallbacks_total",
        "Answers written by the deterministic fallback instead of the LLM",
        &["purpose", "reason"],
    )
});
