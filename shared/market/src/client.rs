//! [`MarketClient`]: one GET per snapshot, behind a circuit breaker and a bulkhead, with a
//! per-request timeout and retries (exponential backoff with jitter) on transient failures.

use crate::error::MarketError;
use crate::metrics::{ATTEMPTS, CIRCUIT_STATE, DURATION, REQUESTS};
use crate::model::{MarketSnapshot, QUOTES_PATH, QuotesResponse, UNDERLYINGS_PARAM};
use crate::request::{Requested, build_snapshot};
use crate::settings::MarketSettings;
use backon::{ExponentialBuilder, Retryable};
use reqwest::Url;
use riskmonitor_runtime::resilience::{Bulkhead, CircuitBreaker, CircuitState};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longest part of an error body kept in [`MarketError::Status`].
const BODY_SNIPPET_CHARS: usize = 200;

/// Client of the market-snapshot service. Cheap to clone: clones share the HTTP connection
/// pool, the circuit breaker and the bulkhead.
#[derive(Clone)]
pub struct MarketClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    quotes_url: Url,
    timeout: Duration,
    backoff: ExponentialBuilder,
    breaker: CircuitBreaker,
    bulkhead: Bulkhead,
}

impl fmt::Debug for MarketClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MarketClient")
            .field("quotes_url", &self.inner.quotes_url.as_str())
            .field("circuit", &self.circuit_state())
            .finish_non_exhaustive()
    }
}

impl MarketClient {
    /// Builds a client; the settings are validated first.
    pub fn new(settings: &MarketSettings) -> Result<Self, MarketError> {
        settings.validate().map_err(|e| MarketError::Settings(e.to_string()))?;
        let base = settings.url.trim().trim_end_matches('/');
        let quotes_url = Url::parse(&format!("{base}{QUOTES_PATH}"))
            .map_err(|e| MarketError::Settings(format!("market.url: {e}")))?;
        let http = reqwest::Client::builder()
            .connect_timeout(settings.timeout())
            .user_agent(concat!("riskmonitor-market/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| MarketError::Settings(format!("cannot build the HTTP client: {e}")))?;
        let backoff = ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(settings.retry_min_delay_ms))
            .with_max_delay(Duration::from_millis(settings.retry_max_delay_ms))
            .with_max_times(settings.retries as usize)
            .with_jitter();
        let inner = Inner {
            http,
            quotes_url,
            timeout: settings.timeout(),
            backoff,
            breaker: CircuitBreaker::new(settings.breaker.clone()),
            bulkhead: Bulkhead::new(settings.max_concurrent, settings.timeout()),
        };
        CIRCUIT_STATE.set(CircuitState::Closed.as_gauge());
        Ok(Self { inner: Arc::new(inner) })
    }

    /// The current state of the circuit breaker towards the market service.
    pub fn circuit_state(&self) -> CircuitState {
        let state = self.inner.breaker.state();
        CIRCUIT_STATE.set(state.as_gauge());
        state
    }

    /// Quotes for `underlyings` (deduplicated and sorted; blank names dropped) in one request.
    /// Underlyings the service has no quote for are listed in [`MarketSnapshot::missing`]; an
    /// empty list answers an empty snapshot without a request.
    #[tracing::instrument(name = "market.snapshot", skip_all, fields(underlyings = underlyings.len()))]
    pub async fn snapshot(&self, underlyings: &[String]) -> Result<MarketSnapshot, MarketError> {
        let requested = Requested::new(underlyings);
        if requested.askable.is_empty() {
            return Ok(MarketSnapshot { quotes: Vec::new(), missing: requested.unaskable });
        }
        let started = Instant::now();
        let result = self.call(&requested).await;
        let outcome = match &result {
            Ok(_) => "ok",
            Err(e) => e.outcome(),
        };
        REQUESTS.with_label_values(&[outcome]).inc();
        DURATION.with_label_values(&[outcome]).observe(started.elapsed().as_secs_f64());
        let state = self.circuit_state();
        match &result {
            Ok(s) => tracing::debug!(quotes = s.quotes.len(), missing = s.missing.len(), "market snapshot"),
            Err(MarketError::CircuitOpen) => tracing::debug!("market circuit open: failing fast"),
            Err(e) => {
                tracing::warn!(error = %e, outcome, circuit = ?state, "market snapshot failed")
            }
        }
        result
    }

    /// One logical call: breaker and bulkhead admission, the attempts, the breaker's verdict.
    async fn call(&self, requested: &Requested) -> Result<MarketSnapshot, MarketError> {
        let inner = &self.inner;
        // Fail fast while open, before queueing for a bulkhead slot.
        if inner.breaker.state() == CircuitState::Open {
            return Err(MarketError::CircuitOpen);
        }
        let _permit = inner.bulkhead.acquire().await.ok_or(MarketError::Busy)?;
        let trial = inner.breaker.state() == CircuitState::HalfOpen;
        if !inner.breaker.try_acquire() {
            return Err(MarketError::CircuitOpen);
        }
        let verdict = Verdict { breaker: &inner.breaker, trial, recorded: false };

        let mut url = inner.quotes_url.clone();
        url.query_pairs_mut().append_pair(UNDERLYINGS_PARAM, &requested.askable.join(","));
        let result = (|| self.attempt(&url))
            .retry(inner.backoff)
            .sleep(tokio::time::sleep)
            .when(MarketError::is_retryable)
            .notify(|e, delay| {
                tracing::info!(error = %e, retry_in_ms = delay.as_millis() as u64, "market request failed: retrying");
            })
            .await
            .and_then(|response| build_snapshot(response, requested));
        verdict.record(match &result {
            Ok(_) => true,
            Err(e) => !e.is_dependency_failure(),
        });
        result
    }

    /// One HTTP request with the per-request timeout.
    async fn attempt(&self, url: &Url) -> Result<QuotesResponse, MarketError> {
        let inner = &self.inner;
        let sent = inner.http.get(url.clone()).timeout(inner.timeout).send().await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => return Err(self.transport_error(e)),
        };
        let status = response.status();
        let body = match response.bytes().await {
            Ok(b) => b,
            Err(e) => return Err(self.transport_error(e)),
        };
        let class = match status.as_u16() {
            200..=299 => "2xx",
            400..=499 => "4xx",
            500..=599 => "5xx",
            _ => "other",
        };
        ATTEMPTS.with_label_values(&[class]).inc();
        if !status.is_success() {
            let text = String::from_utf8_lossy(&body);
            let snippet: String = text.trim().chars().take(BODY_SNIPPET_CHARS).collect();
            return Err(MarketError::Status { status: status.as_u16(), body: snippet });
        }
        serde_json::from_slice(&body)
            .map_err(|e| MarketError::InvalidResponse(format!("body is not a quotes response: {e}")))
    }

    fn transport_error(&self, e: reqwest::Error) -> MarketError {
        if e.is_timeout() {
            ATTEMPTS.with_label_values(&["timeout"]).inc();
            return MarketError::Timeout { timeout_ms: self.inner.timeout.as_millis() as u64 };
        }
        ATTEMPTS.with_label_values(&["transport"]).inc();
        // Without the URL: it may carry credentials.
        let e = e.without_url();
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        MarketError::Transport(message)
    }
}

/// Records the call's outcome with the breaker exactly once. A half-open trial call that is
/// dropped unfinished (the caller gave up) counts as a failure, so the breaker is never left
/// waiting for a trial that will not report.
struct Verdict<'a> {
    breaker: &'a CircuitBreaker,
    trial: bool,
    recorded: bool,
}

impl Verdict<'_> {
    fn record(mut self, success: bool) {
        self.recorded = true;
        if success {
            self.breaker.record_success();
        } else {
            self.breaker.record_failure();
        }
    }
}

impl Drop for Verdict<'_> {
    fn drop(&mut self) {
        if !self.recorded && self.trial {
            self.breaker.record_failure();
        }
    }
}
