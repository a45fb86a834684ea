//! Guards around the dependencies. MySQL gets a bulkhead (bounded queries in flight, bounded
//! wait for a slot) and a per-query timeout here; the market and LLM clients carry their own
//! timeout, retries, bulkhead and circuit breaker. So a slow dependency costs only the calls
//! that need it, each for a bounded time, and never the whole server.

use crate::observe::DEPENDENCY_CALLS;
use riskmonitor_runtime::resilience::Bulkhead;
use sqlx::MySqlPool;
use std::future::Future;
use std::time::Duration;

/// A dependency that could not answer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DepError {
    #[error("{dependency} is saturated: no slot freed within {waited_ms} ms; retry shortly")]
    Busy { dependency: &'static str, waited_ms: u64 },
    #[error("{dependency} did not answer within {timeout_ms} ms")]
    Timeout { dependency: &'static str, timeout_ms: u64 },
    #[error("{dependency} is unavailable: {message}")]
    Unavailable { dependency: &'static str, message: String },
}

impl DepError {
    pub fn outcome(&self) -> &'static str {
        match self {
            DepError::Busy { .. } => "busy",
            DepError::Timeout { .. } => "timeout",
            DepError::Unavailable { .. } => "error",
        }
    }
}

/// MySQL behind a bulkhead and a per-query timeout.
#[derive(Clone)]
pub struct Db {
    pool: MySqlPool,
    bulkhead: Bulkhead,
    timeout: Duration,
    max_wait: Duration,
}

impl Db {
    pub fn new(pool: MySqlPool, max_concurrent: usize, max_wait: Duration, timeout: Duration) -> Self {
        Self { pool, bulkhead: Bulkhead::new(max_concurrent, max_wait), timeout, max_wait }
    }

    pub fn pool(&self) -> &MySqlPool {
        &self.pool
    }

    /// Runs one query (or a short transaction) under the guard.
    pub async fn run<T, F>(&self, query: F) -> Result<T, DepError>
    where
        F: Future<Output = Result<T, sqlx::Error>>,
    {
        let result = self.guarded(query).await;
        let outcome = match &result {
            Ok(_) => "ok",
            Err(e) => e.outcome(),
        };
        DEPENDENCY_CALLS.with_label_values(&["mysql", outcome]).inc();
        if let Err(e) = &result {
            tracing::warn!(dependency = "mysql", error = %e, "mysql query failed");
        }
        result
    }

    async fn guarded<T, F>(&self, query: F) -> Result<T, DepError>
    where
        F: Future<Output = Result<T, sqlx::Error>>,
    {
        let Some(_permit) = self.bulkhead.acquire().await else {
            return Err(DepError::Busy { dependency: "mysql", waited_ms: self.max_wait.as_millis() as u64 });
        };
        match tokio::time::timeout(self.timeout, query).await {
            Err(_) => Err(DepError::Timeout { dependency: "mysql", timeout_ms: self.timeout.as_millis() as u64 }),
            Ok(Err(e)) => Err(DepError::Unavailable { dependency: "mysql", message: e.to_string() }),
            Ok(Ok(v)) => Ok(v),
        }
    }
}

/// A market-client error as a dependency failure.
pub fn market_error(e: &riskmonitor_market::MarketError) -> DepError {
    match e {
        riskmonitor_market::MarketError::Timeout { timeout_ms } => {
            DepError::Timeout { dependency: "market", timeout_ms: *timeout_ms }
        }
        other => DepError::Unavailable { dependency: "market", message: other.to_string() },
    }
}
