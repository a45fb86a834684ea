//! One webhook attempt: sign, POST with a timeout, classify the answer, record it.
//!
//! Retried: 5xx, 408, 409, 429 (never before `Retry-After` when given), timeouts and connection
//! errors. Failed at once: any other 4xx and 3xx (a misconfigured endpoint is not fixed by
//! waiting). Delays grow exponentially with full jitter, capped, and the attempt budget is
//! `max_attempts`.

use crate::events::{AttemptFinished, DeliveryFailed};
use crate::settings::WebhookSettings;
use crate::signing::Signer;
use crate::store::{Attempt, Delivery, Outcome, Store};
use rand::RngExt;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER, USER_AGENT};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use tracing::Instrument;

#[derive(Clone)]
pub struct Dispatcher {
    http: reqwest::Client,
    signer: Signer,
    settings: Arc<WebhookSettings>,
    store: Store,
    in_flight: Arc<Semaphore>,
}

impl Dispatcher {
    pub fn new(settings: Arc<WebhookSettings>, signer: Signer, store: Store) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(settings.request_timeout_ms))
            .connect_timeout(Duration::from_millis(settings.request_timeout_ms.min(3_000)))
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(settings.max_in_flight)
            .build()?;
        let in_flight = Arc::new(Semaphore::new(settings.max_in_flight));
        Ok(Self { http, signer, settings, store, in_flight })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Free sending slots (the scheduler claims no more than this).
    pub fn free_slots(&self) -> usize {
        self.in_flight.available_permits()
    }

    /// Sends `d` in the background, bounded by `max_in_flight`; `tracker` lets shutdown wait.
    pub async fn spawn(&self, d: Delivery, tracker: &tokio_util::task::TaskTracker) {
        let Ok(permit) = self.in_flight.clone().acquire_owned().await else { return };
        let this = self.clone();
        tracker.spawn(async move {
            this.attempt(d).await;
            drop(permit);
        });
    }

    /// One attempt, recorded. Never fails: a failure to record is logged and the lease expiry
    /// hands the delivery to the next scheduler pass.
    pub async fn attempt(&self, d: Delivery) {
        let span = tracing::info_span!("webhook_attempt", delivery_id = %d.delivery_id, alert_id = %d.alert_id,
            kind = d.kind.as_str(), trace_id = tracing::field::Empty);
        if let Some(tp) = &d.traceparent {
            riskmonitor_runtime::telemetry::set_parent(&span, tp);
        }
        riskmonitor_runtime::telemetry::record_trace_id(&span);
        async {
            let started_at = chrono::Utc::now();
            let clock = Instant::now();
            let (status, error, retry_after) = self.post(&d).await;
            let latency_ms = clock.elapsed().as_millis() as u64;
            let outcome = self.classify(&d, status, retry_after);
            AttemptFinished {
                delivery_id: &d.delivery_id,
                alert_id: &d.alert_id,
                kind: d.kind.as_str(),
                attempt: d.attempts + 1,
                outcome: outcome.label(),
                status_code: status.map(|s| s.as_u16()),
                latency_ms,
                error: error.as_deref(),
            }
            .emit();
            let error_text = error.clone().or_else(|| status.filter(|s| !s.is_success()).map(|s| format!("HTTP {s}")));
            let attempt = Attempt {
                started_at,
                status_code: status.map(|s| s.as_u16()),
                latency_ms,
                outcome,
                error: error_text.as_deref(),
            };
            if let Err(e) = self.store.record(&d, &attempt).await {
                tracing::error!(event = "attempt_record_failed", error = %e, "lease expiry will retry the delivery");
                return;
            }
            if outcome == Outcome::Failed {
                DeliveryFailed {
                    delivery_id: &d.delivery_id,
                    alert_id: &d.alert_id,
                    kind: d.kind.as_str(),
                    reason: error_text.as_deref().unwrap_or("retry budget spent"),
                }
                .emit();
            }
        }
        .instrument(span)
        .await
    }

    async fn post(&self, d: &Delivery) -> (Option<StatusCode>, Option<String>, Option<Duration>) {
        let body = match serde_json::to_vec(&d.payload) {
            Ok(b) => b,
            Err(e) => return (None, Some(format!("cannot serialise payload: {e}")), None),
        };
        let timestamp = chrono::Utc::now().timestamp();
        let signature = self.signer.sign(&d.delivery_id, timestamp, &body);
        let mut request = self
            .http
            .post(&self.settings.url)
            .header(CONTENT_TYPE, "application/json")
            .header(USER_AGENT, concat!("riskmonitor-webhook-notifier/", env!("CARGO_PKG_VERSION")))
            .header("webhook-id", &d.delivery_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature);
        if let Some(tp) = &d.traceparent {
            request = request.header("traceparent", tp);
        }
        match request.body(body).send().await {
            Ok(resp) => {
                let status = resp.status();
                let retry_after = retry_after(resp.headers());
                (Some(status), None, retry_after)
            }
            Err(e) if e.is_timeout() => {
                (None, Some(format!("timed out after {} ms", self.settings.request_timeout_ms)), None)
            }
            Err(e) if e.is_connect() => (None, Some(format!("connection failed: {e}")), None),
            Err(e) => (None, Some(format!("request failed: {e}")), None),
        }
    }

    fn classify(&self, d: &Delivery, status: Option<StatusCode>, retry_after: Option<Duration>) -> Outcome {
        let retryable = match status {
            Some(s) if s.is_success() => return Outcome::Delivered,
            Some(s) if s.is_server_error() => true,
            Some(StatusCode::REQUEST_TIMEOUT | StatusCode::CONFLICT | StatusCode::TOO_MANY_REQUESTS) => true,
            Some(_) => false,
            None => true,
        };
        if !retryable || d.attempts + 1 >= self.settings.max_attempts {
            return Outcome::Failed;
        }
        let backoff = backoff_delay(&self.settings, d.attempts + 1);
        // The endpoint's own Retry-After wins over our schedule (bounded to an hour).
        let delay = retry_after.map_or(backoff, |ra| ra.min(Duration::from_secs(3600)).max(backoff));
        Outcome::Retry(delay)
    }
}

/// Exponential backoff with full jitter: uniform in [base*2^(n-1)/2, base*2^(n-1)], capped.
pub fn backoff_delay(s: &WebhookSettings, attempt: u32) -> Duration {
    let exp = s.retry_base_ms.saturating_mul(1u64 << attempt.saturating_sub(1).min(30));
    let ceiling = exp.min(s.retry_max_ms).max(1);
    let ms = rand::rng().random_range(ceiling / 2..=ceiling);
    Duration::from_millis(ms)
}

/// `Retry-After` as seconds or an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(std::time::SystemTime::now()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let s = WebhookSettings { retry_base_ms: 100, retry_max_ms: 1_000, ..Default::default() };
        for _ in 0..50 {
            let d1 = backoff_delay(&s, 1).as_millis();
            assert!((50..=100).contains(&d1), "{d1}");
            let d3 = backoff_delay(&s, 3).as_millis();
            assert!((200..=400).contains(&d3), "{d3}");
            let d20 = backoff_delay(&s, 20).as_millis();
            assert!((500..=1_000).contains(&d20), "{d20}");
        }
    }

    #[test]
    fn parses_retry_after_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        let later = std::time::SystemTime::now() + Duration::from_secs(120);
        h.insert(RETRY_AFTER, httpdate::fmt_http_date(later).parse().unwrap());
        let d = retry_after(&h).unwrap();
        assert!(d > Duration::from_secs(100) && d <= Duration::from_secs(120), "{d:?}");
        h.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }
}
