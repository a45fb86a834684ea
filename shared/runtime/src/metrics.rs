//! Prometheus metrics on the process-wide default registry. Services declare their metrics
//! as `LazyLock` statics built with these helpers (one metric name, fixed label names).

use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, TextEncoder};

/// The default registry in Prometheus text format.
pub fn render() -> String {
    let mut buf = Vec::new();
    let families = prometheus::gather();
    if TextEncoder::new().encode(&families, &mut buf).is_err() {
        return String::new();
    }
    String::from_utf8(buf).unwrap_or_default()
}

fn register<C: prometheus::core::Collector + Clone + 'static>(collector: C) -> C {
    // Registration fails only for a name registered twice, a programming error caught by tests.
    if let Err(e) = prometheus::register(Box::new(collector.clone())) {
        tracing::error!(error = %e, "metric registration failed");
    }
    collector
}

pub fn counter_vec(name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    register(IntCounterVec::new(Opts::new(name, help), labels).unwrap_or_else(|e| invalid(name, e)))
}

pub fn gauge(name: &str, help: &str) -> IntGauge {
    register(IntGauge::new(name, help).unwrap_or_else(|e| invalid(name, e)))
}

pub fn gauge_vec(name: &str, help: &str, labels: &[&str]) -> IntGaugeVec {
    register(IntGaugeVec::new(Opts::new(name, help), labels).unwrap_or_else(|e| invalid(name, e)))
}

pub fn histogram_vec(name: &str, help: &str, labels: &[&str], buckets: Vec<f64>) -> HistogramVec {
    register(
        HistogramVec::new(HistogramOpts::new(name, help).buckets(buckets), labels).unwrap_or_else(|e| invalid(name, e)),
    )
}

/// Seconds buckets from 1 ms to 30 s.
pub fn latency_buckets() -> Vec<f64> {
    vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0]
}

#[allow(clippy::panic)]
fn invalid(name: &str, e: prometheus::Error) -> ! {
    // Only reachable with a malformed literal metric name or label set in our own code.
    panic!("invalid metric definition {name}: {e}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_registered_metrics() {
        let c = super::counter_vec("riskmonitor_test_total", "test counter", &["outcome"]);
        c.with_label_values(&["ok"]).inc();
        let text = super::render();
        assert!(text.contains("riskmonitor_test_total{outcome=\"ok\"} 1"), "{text}");
    }
}
