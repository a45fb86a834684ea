//! The consume loop: up to `max_in_flight` alerts analysed at once; offsets committed in
//! order per partition once every earlier message is done (see `offsets`).

use crate::app::Shared;
use crate::offsets::InOrder;
use rdkafka::consumer::CommitMode;
use rdkafka::consumer::Consumer;
use rdkafka::{Message, Offset, TopicPartitionList};
use riskmonitor_kafka::alert_message::DecodeAlertError;
use riskmonitor_kafka::consumer::GroupConsumer;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

struct Done {
    topic: String,
    partition: i32,
    offset: i64,
}

pub async fn run(shared: Shared, consumer: GroupConsumer, cancel: CancellationToken) {
    let slots = Arc::new(Semaphore::new(shared.settings.analyzer.max_in_flight));
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Done>();
    let mut order = InOrder::default();
    loop {
        tokio::select! {
            biased;
            Some(done) = done_rx.recv() => commit(&consumer, &mut order, done),
            _ = cancel.cancelled() => break,
            permit = slots.clone().acquire_owned() => {
                let Ok(permit) = permit else { break };
                let msg = tokio::select! {
                    m = consumer.recv() => m,
                    _ = cancel.cancelled() => break,
                };
                let msg = match msg {
                    Ok(m) => m,
                    Err(e) => {
                        tracing::warn!(event = "consume_error", error = %e);
                        continue;
                    }
                };
                let (topic, partition, offset) = (msg.topic().to_owned(), msg.partition(), msg.offset());
                let event = match decode(&shared, &msg, &cancel).await {
                    Some(Ok(event)) => Some(event),
                    Some(Err(reason)) => {
                        dead_letter(&shared, &msg, &reason).await;
                        None
                    }
                    // Shutting down while the registry is away: not recorded, redelivered later.
                    None => break,
                };
                order.started(&topic, partition, offset);
                let (shared, done_tx) = (shared.clone(), done_tx.clone());
                tokio::spawn(async move {
                    if let Some(event) = event {
                        crate::reconcile::process(&shared, &event.alert_id, event.traceparent.as_deref()).await;
                    }
                    drop(permit);
                    let _ = done_tx.send(Done { topic, partition, offset });
                });
            }
        }
    }
    // Drain: wait for analyses in flight (bounded by the grace period in `app`).
    drop(done_tx);
    while order.in_flight() > 0 {
        match done_rx.recv().await {
            Some(done) => commit(&consumer, &mut order, done),
            None => break,
        }
    }
}

fn commit(consumer: &GroupConsumer, order: &mut InOrder, done: Done) {
    if let Some(next) = order.finished(&done.topic, done.partition, done.offset) {
        let mut tpl = TopicPartitionList::new();
        if tpl.add_partition_offset(&done.topic, done.partition, Offset::Offset(next)).is_ok()
            && let Err(e) = consumer.commit(&tpl, CommitMode::Async)
        {
            tracing::warn!(event = "commit_failed", error = %e, "messages will be replayed (idempotent)");
        }
    }
}

/// `None` when shutdown interrupted a registry outage.
async fn decode(
    shared: &Shared,
    msg: &rdkafka::message::BorrowedMessage<'_>,
    cancel: &CancellationToken,
) -> Option<Result<riskmonitor_kafka::AlertEvent, String>> {
    let Some(payload) = msg.payload() else { return Some(Err("empty message".into())) };
    let mut delay = Duration::from_millis(100);
    loop {
        match shared.codec.decode(payload).await {
            Ok(e) => return Some(Ok(e)),
            Err(DecodeAlertError::Invalid(e)) => return Some(Err(e)),
            Err(DecodeAlertError::Retryable(e)) => {
                tracing::warn!(event = "decode_retry", error = %e);
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = cancel.cancelled() => return None,
                }
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}

async fn dead_letter(shared: &Shared, msg: &rdkafka::message::BorrowedMessage<'_>, reason: &str) {
    let mut delay = Duration::from_millis(200);
    for _ in 0..10 {
        match shared.dead_letters.send(msg, reason).await {
            Ok(()) => return,
            Err(e) => {
                tracing::error!(event = "dead_letter_failed", error = %e);
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}
