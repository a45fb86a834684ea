//! The consume loop: poll a batch from `positions_cdc` (up to `max_batch` messages, lingering
//! `batch_linger_ms` after the first), decode it, apply it in one transaction, then commit the
//! offsets. Errors are sorted as in svix-bridge: a malformed message is dead-lettered and
//! skipped; a registry or database outage is retried (the batch is not committed until it
//! succeeds); nothing is ever skipped silently.

use crate::app::{EngineError, Shared};
use crate::events::{AlertOpened, AlertResolved, BatchCommitted, BatchCounts};
use crate::store::Transition;
use backon::{BackoffBuilder, ExponentialBuilder};
use rdkafka::Message;
use rdkafka::consumer::CommitMode;
use rdkafka::message::BorrowedMessage;
use riskmonitor_domain::{CdcMessage, Exposure, PositionChange};
use riskmonitor_kafka::consumer::{GroupConsumer, Offsets};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

#[derive(Default)]
struct Batch {
    changes: Vec<PositionChange>,
    offsets: Offsets,
    counts: BatchCounts,
}

pub async fn run(shared: Shared, consumer: GroupConsumer, cancel: CancellationToken) -> Result<(), EngineError> {
    // Pipelined: while one batch is applied in MySQL, the next is polled and decoded. Batches are
    // applied strictly one after the other, and a batch's offsets are committed only after its
    // transaction committed.
    let mut applying: Option<tokio::task::JoinHandle<Result<Applied, EngineError>>> = None;
    loop {
        let first = match applying.as_mut() {
            Some(handle) => tokio::select! {
                m = consumer.recv() => Some(m),
                done = handle => {
                    applying = None;
                    finished(&consumer, done)?;
                    continue;
                }
                _ = cancel.cancelled() => None,
            },
            None => tokio::select! {
                m = consumer.recv() => Some(m),
                _ = cancel.cancelled() => None,
            },
        };
        let Some(first) = first else { break };
        let batch = collect(&shared, &consumer, first, &cancel).await?;
        if let Some(previous) = applying.take() {
            finished(&consumer, previous.await)?;
        }
        if !batch.offsets.is_empty() {
            let shared = shared.clone();
            applying = Some(tokio::spawn(async move { apply(&shared, batch).await }));
        }
    }
    if let Some(previous) = applying.take() {
        finished(&consumer, previous.await)?;
    }
    tracing::info!(event = "consumer_stopped", "consume loop drained");
    Ok(())
}

/// A batch whose transaction committed, waiting for its offsets to be committed.
struct Applied {
    offsets: Offsets,
    committed: BatchCommitted,
}

async fn apply(shared: &Shared, batch: Batch) -> Result<Applied, EngineError> {
    let started = Instant::now();
    let Batch { changes, offsets, mut counts } = batch;
    let (newest, superseded) = crate::state::newest_per_position(changes);
    counts.stale += superseded;
    let mut desks_touched = 0;
    // Positions are independent and desk deltas add up, so disjoint parts of a batch may
    // commit in transactions of their own, side by side; the offsets still wait for all of them.
    let parts = split(newest, shared.settings.engine.apply_parallelism);
    let results = futures::future::join_all(
        parts.iter().map(|part| crate::retry::with_retries(shared, "apply", || shared.store.apply(part))),
    )
    .await;
    for result in results {
        let (plan, transitions) = result?;
        counts.applied += plan.applied;
        counts.stale += plan.stale;
        counts.unchanged += plan.unchanged;
        desks_touched = desks_touched.max(plan.desks.len());
        announce(shared, &transitions);
    }
    Ok(Applied { offsets, committed: BatchCommitted { counts, elapsed: started.elapsed(), desks_touched } })
}

fn finished(
    consumer: &GroupConsumer,
    done: Result<Result<Applied, EngineError>, tokio::task::JoinError>,
) -> Result<(), EngineError> {
    let applied = done.map_err(|e| EngineError::Internal(format!("apply task failed: {e}")))??;
    // Only now that the batch is durable may the group move past it.
    applied.offsets.commit(consumer, CommitMode::Async)?;
    applied.committed.emit();
    Ok(())
}

/// Splits a batch into up to `n` parts by position id.
fn split(newest: BTreeMap<i64, PositionChange>, n: usize) -> Vec<BTreeMap<i64, PositionChange>> {
    let n = n.max(1);
    if newest.is_empty() {
        return Vec::new();
    }
    if n == 1 || newest.len() < 500 {
        return vec![newest];
    }
    let mut parts: Vec<BTreeMap<i64, PositionChange>> = (0..n).map(|_| BTreeMap::new()).collect();
    for (id, change) in newest {
        parts[id.rem_euclid(n as i64) as usize].insert(id, change);
    }
    parts
}

/// Logs and counts committed transitions and wakes the outbox relay.
pub fn announce(shared: &Shared, transitions: &[Transition]) {
    let mut opened = false;
    for t in transitions {
        match t {
            Transition::Opened { alert_id, desk, metric, value, limit_value, trace_id } => {
                opened = true;
                AlertOpened {
                    alert_id,
                    desk,
                    metric: metric.as_str(),
                    value: &riskmonitor_domain::decimal::plain(value),
                    limit_value: &riskmonitor_domain::decimal::plain(limit_value),
                    trace_id: trace_id.as_deref(),
                }
                .emit();
            }
            Transition::Resolved { alert_id, desk, metric, value } => {
                AlertResolved {
                    alert_id,
                    desk,
                    metric: metric.as_str(),
                    value: &riskmonitor_domain::decimal::plain(value),
                }
                .emit();
            }
        }
    }
    if opened {
        shared.relay.notify();
    }
}

async fn collect(
    shared: &Shared,
    consumer: &GroupConsumer,
    first: Result<BorrowedMessage<'_>, rdkafka::error::KafkaError>,
    cancel: &CancellationToken,
) -> Result<Batch, EngineError> {
    let mut batch = Batch::default();
    handle(shared, first, &mut batch, cancel).await?;
    let deadline = tokio::time::Instant::now() + Duration::from_millis(shared.settings.engine.batch_linger_ms);
    while batch.counts.total() + (batch.changes.len() as u64) < shared.settings.engine.max_batch as u64
        && !cancel.is_cancelled()
    {
        match tokio::time::timeout_at(deadline, consumer.recv()).await {
            Ok(m) => handle(shared, m, &mut batch, cancel).await?,
            Err(_) => break,
        }
    }
    Ok(batch)
}

async fn handle(
    shared: &Shared,
    received: Result<BorrowedMessage<'_>, rdkafka::error::KafkaError>,
    batch: &mut Batch,
    cancel: &CancellationToken,
) -> Result<(), EngineError> {
    let msg = match received {
        Ok(m) => m,
        Err(e) => {
            // Transport errors are retried by librdkafka itself; nothing was consumed.
            tracing::warn!(event = "consume_error", error = %e);
            return Ok(());
        }
    };
    let mut backoff = ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(100))
        .with_max_delay(Duration::from_secs(5))
        .without_max_times()
        .with_jitter()
        .build();
    let decoded = loop {
        match shared.decoder.decode(msg.key(), msg.payload()).await {
            Err(e) if e.is_retryable() => {
                tracing::warn!(event = "decode_retry", error = %e, partition = msg.partition(), offset = msg.offset());
                let delay = backoff.next().unwrap_or(Duration::from_secs(5));
                tokio::select! {
                    _ = tokio::time::sleep(delay) => continue,
                    // Not recorded: the message is consumed again after the restart.
                    _ = cancel.cancelled() => return Ok(()),
                }
            }
            other => break other,
        }
    };
    match decoded {
        Ok(CdcMessage::Change(change)) => match validate(&change) {
            Ok(()) => batch.changes.push(change),
            Err(reason) => {
                if !dead_letter(shared, &msg, &reason, cancel).await {
                    return Ok(());
                }
                batch.counts.dead_lettered += 1;
            }
        },
        Ok(CdcMessage::Tombstone { .. }) => batch.counts.tombstones += 1,
        Ok(CdcMessage::SchemaChange { .. } | CdcMessage::Heartbeat) => batch.counts.skipped += 1,
        Err(e) => {
            if !dead_letter(shared, &msg, &e.to_string(), cancel).await {
                return Ok(());
            }
            batch.counts.dead_lettered += 1;
        }
    }
    batch.offsets.record(msg.topic(), msg.partition(), msg.offset());
    Ok(())
}

/// A change the aggregates cannot hold exactly is poison, not something to round.
fn validate(change: &PositionChange) -> Result<(), String> {
    if let Some(after) = &change.after
        && !crate::state::fits_columns(&Exposure::of(after))
    {
        return Err(format!(
            "position {}: exposure exceeds the 35 integer digits the aggregates hold exactly",
            change.position_id
        ));
    }
    Ok(())
}

/// Sends `msg` to the dead-letter topic, retrying until it is there. False when shutdown came
/// first: the message is then not recorded, and is consumed again after the restart.
async fn dead_letter(shared: &Shared, msg: &BorrowedMessage<'_>, reason: &str, cancel: &CancellationToken) -> bool {
    let mut delay = Duration::from_millis(200);
    loop {
        let sent = tokio::select! {
            r = shared.dead_letters.send(msg, reason) => r,
            _ = cancel.cancelled() => return false,
        };
        match sent {
            Ok(()) => return true,
            Err(e) => {
                tracing::error!(event = "dead_letter_failed", error = %e, "retrying");
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = cancel.cancelled() => return false,
                }
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}
