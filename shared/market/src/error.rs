//! Why a market snapshot could not be had.

/// Errors of [`crate::MarketClient`]. Callers fall back (analysis without market context,
/// re-pricing reported as unavailable); none of them is fatal to a service.
#[derive(Debug, thiserror::Error)]
pub enum MarketError {
    /// The client cannot be built from its settings.
    #[error("market client settings: {0}")]
    Settings(String),
    /// The circuit breaker is open: recent calls failed, so this one was not attempted.
    #[error("market service circuit is open: failing fast")]
    CircuitOpen,
    /// Every bulkhead slot stayed taken for the whole wait.
    #[error("too many market requests in flight")]
    Busy,
    /// The last attempt did not complete within the per-request timeout.
    #[error("market service did not answer within {timeout_ms} ms")]
    Timeout { timeout_ms: u64 },
    /// Connection refused or reset, DNS failure, or another transport error.
    #[error("market service unreachable: {0}")]
    Transport(String),
    /// The service answered with a non-success status (`body` is the start of its body).
    #[error("market service answered HTTP {status}: {body}")]
    Status { status: u16, body: String },
    /// The service answered 200 with something unusable.
    #[error("invalid market service response: {0}")]
    InvalidResponse(String),
}

impl MarketError {
    /// Whether another attempt may succeed: timeouts, transport errors, 5xx and 429.
    pub fn is_retryable(&self) -> bool {
        match self {
            MarketError::Timeout { .. } | MarketError::Transport(_) => true,
            MarketError::Status { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }

    /// Whether the market service itself misbehaved (counts against the circuit breaker).
    /// A non-429 4xx means it answered and rejected our request: it is up.
    pub fn is_dependency_failure(&self) -> bool {
        self.is_retryable() || matches!(self, MarketError::InvalidResponse(_))
    }

    /// Low-cardinality label for metrics and logs.
    pub fn outcome(&self) -> &'static str {
        match self {
            MarketError::Settings(_) => "settings",
            MarketError::CircuitOpen => "circuit_open",
            MarketError::Busy => "busy",
            MarketError::Timeout { .. } => "timeout",
            MarketError::Transport(_) => "transport",
            MarketError::Status { status, .. } if *status >= 500 || *status == 429 => "unavailable",
            MarketError::Status { .. } => "rejected",
            MarketError::InvalidResponse(_) => "invalid_response",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_classification() {
        let status = |status| MarketError::Status { status, body: String::new() };
        assert!(status(500).is_retryable() && status(503).is_retryable() && status(429).is_retryable());
        assert!(!status(400).is_retryable() && !status(404).is_retryable());
        assert!(!status(404).is_dependency_failure());
        assert!(MarketError::Timeout { timeout_ms: 1 }.is_retryable());
        assert!(!MarketError::InvalidResponse("x".into()).is_retryable());
        assert!(MarketError::InvalidResponse("x".into()).is_dependency_failure());
        assert!(!MarketError::CircuitOpen.is_dependency_failure());
        assert_eq!(status(429).outcome(), "unavailable");
    }
}
