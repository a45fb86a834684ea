//! Client of the market-snapshot service: spot, volatility and rate per underlying, for the
//! llm-analyzer (context of an alert's analysis) and the mcp-gateway (live re-pricing).
//!
//! One snapshot is one `GET {market.url}/v1/quotes?underlyings=A,B` (see [`model`] for the wire
//! format), with a per-request timeout, retries with exponential backoff and jitter on timeouts,
//! connection errors, 5xx and 429, a circuit breaker that fails fast while the service is down,
//! and a bulkhead bounding calls in flight. Answers are validated before anyone prices with them.
//!
//! Metrics: `riskmonitor_market_requests_total{outcome}`,
//! `riskmonitor_market_http_attempts_total{result}`,
//! `riskmonitor_market_request_duration_seconds{outcome}` and
//! `riskmonitor_market_circuit_state` (0 closed, 1 open, 2 half-open).

mod client;
mod error;
mod metrics;
pub mod model;
mod request;
mod settings;

pub use client::MarketClient;
pub use error::MarketError;
pub use model::{MarketSnapshot, Quote, QuotesResponse};
pub use riskmonitor_runtime::resilience::{BreakerSettings, CircuitState};
pub use settings::MarketSettings;
