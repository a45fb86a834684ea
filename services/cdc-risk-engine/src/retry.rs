//! Retries of transactions that fail transiently (deadlock, lock wait timeout, lost
//! connection), with exponential backoff and jitter (`backon`).

use crate::app::Shared;
use crate::events::TransactionRetried;
use backon::{ExponentialBuilder, Retryable};
use std::future::Future;
use std::time::Duration;

pub async fn with_retries<T, F, Fut>(shared: &Shared, stage: &'static str, op: F) -> Result<T, sqlx::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, sqlx::Error>>,
{
    let attempts = shared.settings.engine.max_batch_retries.max(1) as usize;
    let policy = ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(20))
        .with_max_delay(Duration::from_secs(2))
        .with_max_times(attempts)
        .with_jitter();
    let mut attempt = 0u32;
    op.retry(policy)
        .when(riskmonitor_db::is_retryable)
        .notify(|e, _| {
            attempt += 1;
            TransactionRetried { stage, attempt, error: &e.to_string() }.emit();
        })
        .await
}
