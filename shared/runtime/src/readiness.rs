//! Readiness: `/readyz` answers 200 only while the service is not shutting down and every
//! registered dependency check passes (each bounded by a timeout).

use futures::future::{BoxFuture, join_all};
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

type CheckFn = Arc<dyn Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

#[derive(Clone, Default)]
pub struct Readiness {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    shutting_down: AtomicBool,
    checks: RwLock<Vec<(String, CheckFn)>>,
}

#[derive(Debug, Serialize)]
pub struct ReadinessReport {
    pub ready: bool,
    pub shutting_down: bool,
    pub checks: Vec<CheckResult>,
}

#[derive(Debug, Serialize)]
pub struct CheckResult {
    pub name: String,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

static READY: std::sync::LazyLock<prometheus::IntGauge> = std::sync::LazyLock::new(|| {
    crate::metrics::gauge("riskmonitor_ready", "1 when the last /readyz evaluation was ready, else 0")
});
static READY_CHANGES: std::sync::LazyLock<prometheus::IntCounterVec> = std::sync::LazyLock::new(|| {
    crate::metrics::counter_vec(
        "riskmonitor_readiness_changes_total",
        "Transitions of readiness (to = ready | not_ready)",
        &["to"],
    )
});

impl Readiness {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a dependency check; it runs on every `/readyz`.
    pub fn add_check<F>(&self, name: &str, check: F)
    where
        F: Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync + 'static,
    {
        if let Ok(mut checks) = self.inner.checks.write() {
            checks.push((name.to_owned(), Arc::new(check)));
        }
    }

    /// Registers a flag the service flips itself (e.g. "consumer assigned"). Returns its setter.
    pub fn add_flag(&self, name: &str, initially: bool) -> Arc<AtomicBool> {
        let flag = Arc::new(AtomicBool::new(initially));
        let reader = flag.clone();
        let label = name.to_owned();
        self.add_check(name, move || {
            let ok = reader.load(Ordering::Acquire);
            let label = label.clone();
            Box::pin(async move { if ok { Ok(()) } else { Err(format!("{label} not yet ready")) } })
        });
        flag
    }

    pub fn set_shutting_down(&self) {
        self.inner.shutting_down.store(true, Ordering::Release);
    }

    pub fn is_shutting_down(&self) -> bool {
        self.inner.shutting_down.load(Ordering::Acquire)
    }

    pub async fn evaluate(&self) -> ReadinessReport {
        let checks: Vec<(String, CheckFn)> = self.inner.checks.read().map(|c| c.clone()).unwrap_or_default();
        let results = join_all(checks.into_iter().map(|(name, check)| async move {
            let outcome = tokio::time::timeout(CHECK_TIMEOUT, check()).await;
            let error = match outcome {
                Ok(Ok(())) => None,
                Ok(Err(e)) => Some(e),
                Err(_) => Some(format!("timed out after {}s", CHECK_TIMEOUT.as_secs())),
            };
            CheckResult { name, ok: error.is_none(), error }
        }))
        .await;
        let shutting_down = self.is_shutting_down();
        let ready = !shutting_down && results.iter().all(|r| r.ok);
        let previous = READY.get();
        READY.set(i64::from(ready));
        if previous != i64::from(ready) {
            READY_CHANGES.with_label_values(&[if ready { "ready" } else { "not_ready" }]).inc();
            if !ready {
                let failing: Vec<&str> = results.iter().filter(|r| !r.ok).map(|r| r.name.as_str()).collect();
                tracing::warn!(event = "not_ready", shutting_down, failing = ?failing);
            }
        }
        ReadinessReport { ready, shutting_down, checks: results }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn ready_only_when_all_checks_pass_and_not_stopping() {
        let r = Readiness::new();
        assert!(r.evaluate().await.ready);
        let flag = r.add_flag("consumer", false);
        let report = r.evaluate().await;
        assert!(!report.ready);
        assert_eq!(report.checks[0].error.as_deref(), Some("consumer not yet ready"));
        flag.store(true, Ordering::Release);
        assert!(r.evaluate().await.ready);
        r.set_shutting_down();
        assert!(!r.evaluate().await.ready);
    }
}
