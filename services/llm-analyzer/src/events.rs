//! The analyzer's notable events: each logs and counts, with fixed names and labels.

use prometheus::{HistogramVec, IntCounterVec};
use riskmonitor_runtime::metrics;
use std::sync::LazyLock;

static ANALYSES: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "riskmonitor_analyzer_analyses_total",
        "Analyses written, by who wrote them (llm, deterministic)",
        &["source"],
    )
});
static SECONDS: LazyLock<HistogramVec> = LazyLock::new(|| {
    metrics::histogram_vec(
        "riskmonitor_analyzer_analysis_duration_seconds",
        "From claim to committed analysis",
        &["source"],
        metrics::latency_buckets(),
    )
});
static SKIPPED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "riskmonitor_analyzer_skipped_total",
        "Alert messages not analysed, by reason (already_done, busy, missing, lost_claim, failed)",
        &["reason"],
    )
});

pub struct AlertAnalysed<'a> {
    pub alert_id: &'a str,
    pub source: &'static str,
    pub fallback_reason: Option<&'a str>,
    pub elapsed_ms: u64,
}

impl AlertAnalysed<'_> {
    pub fn emit(self) {
        ANALYSES.with_label_values(&[self.source]).inc();
        SECONDS.with_label_values(&[self.source]).observe(self.elapsed_ms as f64 / 1000.0);
        tracing::info!(
            event = "alert_analysed",
            alert_id = self.alert_id,
            source = self.source,
            fallback_reason = self.fallback_reason,
            elapsed_ms = self.elapsed_ms,
        );
    }
}

pub struct AlertSkipped<'a> {
    pub alert_id: &'a str,
    pub reason: &'static str,
    pub detail: Option<&'a str>,
}

impl AlertSkipped<'_> {
    pub fn emit(self) {
        SKIPPED.with_label_values(&[self.reason]).inc();
        tracing::info!(event = "alert_skipped", alert_id = self.alert_id, reason = self.reason, detail = self.detail);
    }
}
