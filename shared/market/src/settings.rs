//! `market.*` settings: where the market-snapshot service is and how hard to try.

use riskmonitor_runtime::SettingsError;
use riskmonitor_runtime::resilience::BreakerSettings;
use riskmonitor_runtime::settings::{Validate, reject};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Longest accepted per-request timeout and retry delay (one minute).
const MAX_MS: u64 = 60_000;
/// Most retries accepted after the first attempt.
const MAX_RETRIES: u32 = 10;

/// Settings of [`crate::MarketClient`] (the `market` section of a service's settings).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MarketSettings {
    /// Base URL of the market-snapshot service, e.g. `http://127.0.0.1:18090` (a path prefix
    /// is kept: `http://host/market` asks `http://host/market/v1/quotes`).
    pub url: String,
    /// Timeout of one HTTP request (connect, headers and body), in milliseconds.
    pub timeout_ms: u64,
    /// Retries after the first attempt, on timeouts, connection errors, 5xx and 429.
    pub retries: u32,
    /// First backoff delay; doubles per retry (plus jitter) up to `retry_max_delay_ms`.
    pub retry_min_delay_ms: u64,
    pub retry_max_delay_ms: u64,
    /// Circuit breaker: consecutive failed calls that open it, and how long it stays open.
    pub breaker: BreakerSettings,
    /// Bulkhead: calls in flight at once; a caller waits at most `timeout_ms` for a slot.
    pub max_concurrent: usize,
}

impl Default for MarketSettings {
    fn default() -> Self {
        Self {
            url: "http://127.0.0.1:18090".into(),
            timeout_ms: 800,
            retries: 2,
            retry_min_delay_ms: 50,
            retry_max_delay_ms: 400,
            breaker: BreakerSettings::default(),
            max_concurrent: 32,
        }
    }
}

impl MarketSettings {
    /// Checks what serde cannot: a usable URL, ranges, and relations between keys.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let url = reqwest::Url::parse(self.url.trim())
            .map_err(|e| reject("market.url", format!("`{}` is not a URL: {e}", self.url)))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(reject("market.url", "must be an http:// or https:// URL"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(reject("market.url", "must name a host"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(reject("market.url", "must not have a query or fragment"));
        }
        if self.timeout_ms == 0 || self.timeout_ms > MAX_MS {
            return Err(reject("market.timeout_ms", format!("must be between 1 and {MAX_MS}")));
        }
        if self.retries > MAX_RETRIES {
            return Err(reject("market.retries", format!("must be at most {MAX_RETRIES}")));
        }
        if self.retry_min_delay_ms == 0 || self.retry_min_delay_ms > MAX_MS {
            return Err(reject("market.retry_min_delay_ms", format!("must be between 1 and {MAX_MS}")));
        }
        if self.retry_max_delay_ms < self.retry_min_delay_ms || self.retry_max_delay_ms > MAX_MS {
            return Err(reject(
                "market.retry_max_delay_ms",
                format!("must be between market.retry_min_delay_ms and {MAX_MS}"),
            ));
        }
        if self.breaker.failure_threshold == 0 {
            return Err(reject("market.breaker.failure_threshold", "must be at least 1"));
        }
        if self.breaker.open_secs == 0 {
            return Err(reject("market.breaker.open_secs", "must be at least 1"));
        }
        if self.max_concurrent == 0 {
            return Err(reject("market.max_concurrent", "must be at least 1"));
        }
        Ok(())
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    /// Upper bound of one [`crate::MarketClient::snapshot`] call: the wait for a bulkhead slot,
    /// every attempt timing out, and every backoff delay at its maximum (jitter at most doubles
    /// a delay). Callers size leases and deadlines with it.
    pub fn max_call_duration(&self) -> Duration {
        let attempts = u64::from(self.retries) + 1;
        let delays = u64::from(self.retries) * self.retry_max_delay_ms * 2;
        Duration::from_millis(self.timeout_ms * (attempts + 1) + delays)
    }
}

impl Validate for MarketSettings {
    fn validate(&self) -> Result<(), SettingsError> {
        MarketSettings::validate(self)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn rejected_key(s: &MarketSettings) -> String {
        match s.validate().unwrap_err() {
            SettingsError::Rejected { key, .. } => key,
            other => panic!("unexpected error {other}"),
        }
    }

    #[test]
    fn defaults_are_valid() {
        let s = MarketSettings::default();
        s.validate().unwrap();
        assert_eq!(s.max_call_duration(), Duration::from_millis(800 * 4 + 2 * 400 * 2));
    }

    #[test]
    fn bad_values_name_their_key() {
        let base = MarketSettings::default;
        assert_eq!(rejected_key(&MarketSettings { url: "nope".into(), ..base() }), "market.url");
        assert_eq!(rejected_key(&MarketSettings { url: "ftp://h".into(), ..base() }), "market.url");
        assert_eq!(rejected_key(&MarketSettings { url: "http://h/?a=1".into(), ..base() }), "market.url");
        assert_eq!(rejected_key(&MarketSettings { timeout_ms: 0, ..base() }), "market.timeout_ms");
        assert_eq!(rejected_key(&MarketSettings { retries: 11, ..base() }), "market.retries");
        assert_eq!(
            rejected_key(&MarketSettings { retry_min_delay_ms: 500, retry_max_delay_ms: 100, ..base() }),
            "market.retry_max_delay_ms"
        );
        let breaker = BreakerSettings { failure_threshold: 0, open_secs: 1 };
        assert_eq!(rejected_key(&MarketSettings { breaker, ..base() }), "market.breaker.failure_threshold");
        assert_eq!(rejected_key(&MarketSettings { max_concurrent: 0, ..base() }), "market.max_concurrent");
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err = serde_json::from_str::<MarketSettings>(r#"{"urll":"x"}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field"), "{err}");
        let s: MarketSettings = serde_json::from_str(r#"{"retries":0}"#).unwrap();
        assert_eq!((s.retries, s.timeout_ms), (0, 800));
    }
}
