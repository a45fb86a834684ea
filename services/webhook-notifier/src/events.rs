//! The notifier's notable events: each logs and counts, with fixed names and labels.

use prometheus::{HistogramVec, IntCounterVec};
use riskmonitor_runtime::metrics;
use std::sync::LazyLock;

static ATTEMPTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "riskmonitor_webhook_attempts_total",
        "Webhook attempts by kind and outcome (delivered, retry, failed)",
        &["kind", "outcome"],
    )
});
static LATENCY: LazyLock<HistogramVec> = LazyLock::new(|| {
    metrics::histogram_vec(
        "riskmonitor_webhook_attempt_duration_seconds",
        "Duration of one webhook attempt",
        &["kind"],
        metrics::latency_buckets(),
    )
});
static FAILED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "riskmonitor_webhook_deliveries_failed_total",
        "Deliveries that spent their retry budget (dead-lettered)",
        &["kind"],
    )
});
static ESCALATIONS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec(
        "riskmonitor_webhook_escalations_total",
        "Alerts still not acknowledged after every reminder",
        &["metric"],
    )
});
static CREATED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    metrics::counter_vec("riskmonitor_webhook_deliveries_created_total", "Deliveries created by kind", &["kind"])
});

static ALERTS_BY_STATUS: LazyLock<prometheus::IntGaugeVec> =
    LazyLock::new(|| metrics::gauge_vec("riskmonitor_alerts", "Alerts in the database by status", &["status"]));
static OLDEST_BY_STATUS: LazyLock<prometheus::GaugeVec> = LazyLock::new(|| {
    let g = prometheus::GaugeVec::new(
        prometheus::Opts::new(
            "riskmonitor_alerts_oldest_age_seconds",
            "Age of the oldest alert in each status (time since it entered the status)",
        ),
        &["status"],
    )
    .unwrap_or_else(|e| panic!("metric definition: {e}"));
    let _ = prometheus::register(Box::new(g.clone()));
    g
});

/// The alert census the scheduler takes (exported as gauges).
pub struct AlertCensus<'a>(pub &'a [(String, i64, f64)]);

impl AlertCensus<'_> {
    pub fn emit(self) {
        for status in riskmonitor_domain::AlertStatus::ALL {
            let (n, oldest) =
                self.0.iter().find(|(s, _, _)| s == status.as_str()).map(|(_, n, o)| (*n, *o)).unwrap_or((0, 0.0));
            ALERTS_BY_STATUS.with_label_values(&[status.as_str()]).set(n);
            OLDEST_BY_STATUS.with_label_values(&[status.as_str()]).set(oldest);
        }
    }
}

pub struct AttemptFinished<'a> {
    pub delivery_id: &'a str,
    pub alert_id: &'a str,
    pub kind: &'a str,
    pub attempt: u32,
    pub outcome: &'static str,
    pub status_code: Option<u16>,
    pub latency_ms: u64,
    pub error: Option<&'a str>,
}

impl AttemptFinished<'_> {
    pub fn emit(self) {
        ATTEMPTS.with_label_values(&[self.kind, self.outcome]).inc();
        LATENCY.with_label_values(&[self.kind]).observe(self.latency_ms as f64 / 1000.0);
        tracing::info!(
            event = "webhook_attempt",
            delivery_id = self.delivery_id,
            alert_id = self.alert_id,
            kind = self.kind,
            attempt = self.attempt,
            outcome = self.outcome,
            status_code = self.status_code,
            latency_ms = self.latency_ms,
            error = self.error,
        );
    }
}

pub struct DeliveryFailed<'a> {
    pub delivery_id: &'a str,
    pub alert_id: &'a str,
    pub kind: &'a str,
    pub reason: &'a str,
}

impl DeliveryFailed<'_> {
    pub fn emit(self) {
        FAILED.with_label_values(&[self.kind]).inc();
        tracing::error!(
            event = "delivery_failed",
            delivery_id = self.delivery_id,
            alert_id = self.alert_id,
            kind = self.kind,
            reason = self.reason,
            "webhook delivery failed for good; dead-letter record written"
        );
    }
}

pub struct DeliveryCreated<'a> {
    pub delivery_id: &'a str,
    pub alert_id: &'a str,
    pub kind: &'a str,
    pub reminder: u32,
}

impl DeliveryCreated<'_> {
    pub fn emit(self) {
        CREATED.with_label_values(&[self.kind]).inc();
        tracing::info!(
            event = "delivery_created",
            delivery_id = self.delivery_id,
            alert_id = self.alert_id,
            kind = self.kind,
            reminder = self.reminder
        );
    }
}

pub struct AlertEscalated<'a> {
    pub alert_id: &'a str,
    pub desk: &'a str,
    pub metric: &'a str,
    pub reminders: u32,
}

impl AlertEscalated<'_> {
    pub fn emit(self) {
        ESCALATIONS.with_label_values(&[self.metric]).inc();
        tracing::error!(
            event = "alert_escalated",
            alert_id = self.alert_id,
            desk = self.desk,
            metric = self.metric,
            reminders = self.reminders,
            "limit breach still not acknowledged after every reminder: escalate"
        );
    }
}
