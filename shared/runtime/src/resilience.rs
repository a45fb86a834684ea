//! Resilience primitives for calls to dependencies outside the system (LLM, market data):
//! a circuit breaker (closed -> open after N consecutive failures -> half-open after a cool-down,
//! one trial call) and a bulkhead (bounded concurrency with a bounded wait).

use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BreakerSettings {
    /// Consecutive failures that open the circuit.
    pub failure_threshold: u32,
    /// How long the circuit stays open before one trial call is let through.
    pub open_secs: u64,
}

impl Default for BreakerSettings {
    fn default() -> Self {
        Self { failure_threshold: 5, open_secs: 30 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CircuitState {
    Closed,
    Open,
    HalfOpen,
}

impl CircuitState {
    /// Gauge value: 0 closed, 1 open, 2 half-open.
    pub fn as_gauge(self) -> i64 {
        match self {
            CircuitState::Closed => 0,
            CircuitState::Open => 1,
            CircuitState::HalfOpen => 2,
        }
    }
}

#[derive(Debug)]
pub struct CircuitBreaker {
    settings: BreakerSettings,
    state: Mutex<BreakerState>,
}

#[derive(Debug)]
struct BreakerState {
    consecutive_failures: u32,
    opened_at: Option<Instant>,
    trial_in_flight: bool,
}

impl CircuitBreaker {
    pub fn new(settings: BreakerSettings) -> Self {
        Self {
            settings,
            state: Mutex::new(BreakerState { consecutive_failures: 0, opened_at: None, trial_in_flight: false }),
        }
    }

    pub fn state(&self) -> CircuitState {
        let Ok(s) = self.state.lock() else { return CircuitState::Open };
        match s.opened_at {
            None => CircuitState::Closed,
            Some(at) if at.elapsed() >= Duration::from_secs(self.settings.open_secs) => CircuitState::HalfOpen,
            Some(_) => CircuitState::Open,
        }
    }

    /// Whether a call may go out now. In half-open state only one trial call is allowed.
    pub fn try_acquire(&self) -> bool {
        let open_for = Duration::from_secs(self.settings.open_secs);
        let Ok(mut s) = self.state.lock() else { return false };
        match s.opened_at {
            None => true,
            Some(at) if at.elapsed() >= open_for && !s.trial_in_flight => {
                s.trial_in_flight = true;
                true
            }
            Some(_) => false,
        }
    }

    pub fn record_success(&self) {
        if let Ok(mut s) = self.state.lock() {
            s.consecutive_failures = 0;
            s.opened_at = None;
            s.trial_in_flight = false;
        }
    }

    /// Gives back a half-open trial slot without a verdict (the call never reached the dependency).
    pub fn release_trial(&self) {
        if let Ok(mut s) = self.state.lock() {
            s.trial_in_flight = false;
        }
    }

    pub fn record_failure(&self) {
        if let Ok(mut s) = self.state.lock() {
            s.consecutive_failures = s.consecutive_failures.saturating_add(1);
            if s.trial_in_flight || s.consecutive_failures >= self.settings.failure_threshold.max(1) {
                s.opened_at = Some(Instant::now());
            }
            s.trial_in_flight = false;
        }
    }
}

/// Bounded concurrency towards one dependency: at most `max_concurrent` calls at once; a caller
/// waits at most `max_wait` for a slot, then gets `None` (and takes its fallback).
#[derive(Debug, Clone)]
pub struct Bulkhead {
    semaphore: std::sync::Arc<Semaphore>,
    max_wait: Duration,
}

impl Bulkhead {
    pub fn new(max_concurrent: usize, max_wait: Duration) -> Self {
        Self { semaphore: std::sync::Arc::new(Semaphore::new(max_concurrent.max(1))), max_wait }
    }

    pub async fn acquire(&self) -> Option<OwnedSemaphorePermit> {
        tokio::time::timeout(self.max_wait, self.semaphore.clone().acquire_owned()).await.ok()?.ok()
    }

    pub fn available(&self) -> usize {
        self.semaphore.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_threshold_and_half_opens_after_cooldown() {
        let b = CircuitBreaker::new(BreakerSettings { failure_threshold: 2, open_secs: 0 });
        assert!(b.try_acquire());
        b.record_failure();
        assert_eq!(b.state(), CircuitState::Closed);
        b.record_failure();
        // open_secs = 0: immediately half-open, exactly one trial.
        assert_eq!(b.state(), CircuitState::HalfOpen);
        assert!(b.try_acquire());
        assert!(!b.try_acquire());
        b.record_success();
        assert_eq!(b.state(), CircuitState::Closed);
    }

    #[test]
    fn stays_open_during_cooldown() {
        let b = CircuitBreaker::new(BreakerSettings { failure_threshold: 1, open_secs: 60 });
        b.record_failure();
        assert_eq!(b.state(), CircuitState::Open);
        assert!(!b.try_acquire());
    }

    #[tokio::test]
    async fn bulkhead_bounds_concurrency() {
        let b = Bulkhead::new(1, Duration::from_millis(20));
        let first = b.acquire().await;
        assert!(first.is_some());
        assert!(b.acquire().await.is_none());
        drop(first);
        assert!(b.acquire().await.is_some());
    }
}
