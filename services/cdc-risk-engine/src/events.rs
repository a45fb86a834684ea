//! The engine's notable events (after vector's `internal_events`): each one logs and counts,
//! with fixed metric and label names.

use prometheus::{HistogramVec, IntCounterVec, IntGauge};
use riskmonitor_runtime::metrics;
use std::sync::LazyLock;
use std::time::Duration;

static EVENTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "riskmonitor_engine_events_total",
        "CDC messages handled, by outcome (applied, stale, unchanged, tombstone, skipped, dead_lettered)",
        &["outcome"],
    )
});
static BATCH_SIZE: LazyLock<HistogramVec> = LazyLock::new(|| {
    metrics::histogram_vec(
        "riskmonitor_engine_batch_size",
        "Messages per committed batch",
        &[],
        vec![1.0, 10.0, 50.0, 100.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0],
    )
});
static BATCH_SECONDS: LazyLock<HistogramVec> = LazyLock::new(|| {
    metrics::histogram_vec(
        "riskmonitor_engine_batch_duration_seconds",
        "Time to apply and commit one batch",
        &[],
        metrics::latency_buckets(),
    )
});
static ALERTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "riskmonitor_engine_alerts_total",
        "Breach episodes opened and resolved",
        &["transition", "metric"],
    )
});
static RETRIES: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec("riskmonitor_engine_retries_total", "Transactions retried after a transient error", &["stage"])
});
static LAST_COMMIT: LazyLock<IntGauge> = LazyLock::new(|| {
    metrics::gauge("riskmonitor_engine_last_commit_timestamp_seconds", "Unix time of the last committed batch")
});

/// Counts of one batch, by outcome.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BatchCounts {
    pub applied: u64,
    pub stale: u64,
    pub unchanged: u64,
    pub tombstones: u64,
    pub skipped: u64,
    pub dead_lettered: u64,
}

impl BatchCounts {
    pub fn total(&self) -> u64 {
        self.applied + self.stale + self.unchanged + self.tombstones + self.skipped + self.dead_lettered
    }
}

pub struct BatchCommitted {
    pub counts: BatchCounts,
    pub elapsed: Duration,
    pub desks_touched: usize,
}

impl BatchCommitted {
    pub fn emit(self) {
        let c = self.counts;
        for (outcome, n) in [
            ("applied", c.applied),
            ("stale", c.stale),
            ("unchanged", c.unchanged),
            ("tombstone", c.tombstones),
            ("skipped", c.skipped),
            ("dead_lettered", c.dead_lettered),
        ] {
            if n > 0 {
                EVENTS.with_label_values(&[outcome]).inc_by(n);
            }
        }
        BATCH_SIZE.with_label_values(&[] as &[&str]).observe(c.total() as f64);
        BATCH_SECONDS.with_label_values(&[] as &[&str]).observe(self.elapsed.as_secs_f64());
        LAST_COMMIT.set(chrono::Utc::now().timestamp());
        tracing::debug!(
            event = "batch_committed",
            messages = c.total(),
            applied = c.applied,
            stale = c.stale,
            unchanged = c.unchanged,
            desks = self.desks_touched,
            elapsed_ms = self.elapsed.as_millis() as u64,
        );
    }
}

pub struct AlertOpened<'a> {
    pub alert_id: &'a str,
    pub desk: &'a str,
    pub metric: &'a str,
    pub value: &'a str,
    pub limit_value: &'a str,
    pub trace_id: Option<&'a str>,
}

impl AlertOpened<'_> {
    pub fn emit(self) {
        ALERTS.with_label_values(&["opened", self.metric]).inc();
        tracing::info!(
            event = "alert_opened",
            alert_id = self.alert_id,
            desk = self.desk,
            metric = self.metric,
            value = self.value,
            limit_value = self.limit_value,
            trace_id = self.trace_id.unwrap_or_default(),
            "limit breach: episode opened"
        );
    }
}

pub struct AlertResolved<'a> {
    pub alert_id: &'a str,
    pub desk: &'a str,
    pub metric: &'a str,
    pub value: &'a str,
}

impl AlertResolved<'_> {
    pub fn emit(self) {
        ALERTS.with_label_values(&["resolved", self.metric]).inc();
        tracing::info!(
            event = "alert_resolved",
            alert_id = self.alert_id,
            desk = self.desk,
            metric = self.metric,
            value = self.value,
            "breach episode resolved"
        );
    }
}

pub struct TransactionRetried<'a> {
    pub stage: &'static str,
    pub attempt: u32,
    pub error: &'a str,
}

impl TransactionRetried<'_> {
    pub fn emit(self) {
        RETRIES.with_label_values(&[self.stage]).inc();
        tracing::warn!(event = "transaction_retried", stage = self.stage, attempt = self.attempt, error = self.error);
    }
}
