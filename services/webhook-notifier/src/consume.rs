//! The doorbell: each message on `alerts_pending_delivery` names an alert whose breach webhook
//! is due. Creating the delivery row is what must be durable before the offset moves; the first
//! attempt then goes out at once and the scheduler owns retries. Replays find the delivery
//! already there and do nothing.

use crate::app::Shared;
use crate::payload::Kind;
use rdkafka::Message;
use rdkafka::consumer::CommitMode;
use riskmonitor_domain::AlertStatus;
use riskmonitor_kafka::alert_message::DecodeAlertError;
use riskmonitor_kafka::consumer::{GroupConsumer, Offsets};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub async fn run(shared: Shared, consumer: GroupConsumer, tracker: TaskTracker, cancel: CancellationToken) {
    loop {
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
        let mut delay = Duration::from_millis(100);
        loop {
            match handle(&shared, &msg, &tracker).await {
                Ok(()) => break,
                Err(e) if cancel.is_cancelled() => {
                    tracing::warn!(event = "handle_abandoned", error = %e, "shutting down; the message will be redelivered");
                    return;
                }
                Err(e) => {
                    tracing::warn!(event = "handle_retry", error = %e, offset = msg.offset());
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
            }
        }
        let mut offsets = Offsets::default();
        offsets.record(msg.topic(), msg.partition(), msg.offset());
        if let Err(e) = offsets.commit(&consumer, CommitMode::Async) {
            tracing::warn!(event = "commit_failed", error = %e);
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum HandleError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("{0}")]
    Registry(String),
    #[error("dead-letter: {0}")]
    DeadLetter(#[from] riskmonitor_kafka::KafkaError),
}

async fn handle(
    shared: &Shared,
    msg: &rdkafka::message::BorrowedMessage<'_>,
    tracker: &TaskTracker,
) -> Result<(), HandleError> {
    let Some(payload) = msg.payload() else {
        shared.dead_letters.send(msg, "empty message").await?;
        return Ok(());
    };
    let event = match shared.codec.decode(payload).await {
        Ok(e) => e,
        Err(DecodeAlertError::Retryable(e)) => return Err(HandleError::Registry(e)),
        Err(DecodeAlertError::Invalid(e)) => {
            shared.dead_letters.send(msg, &e).await?;
            return Ok(());
        }
    };
    let store = shared.dispatcher.store();
    match riskmonitor_db::alerts::find(&store.pool, &event.alert_id).await? {
        None => {
            shared.dead_letters.send(msg, &format!("alert {} does not exist", event.alert_id)).await?;
        }
        Some(alert) if alert.status == AlertStatus::PendingDelivery => {
            crate::scheduler::create_and_send(shared, tracker, &alert.alert_id, Kind::Breach, 0).await?;
        }
        Some(alert) => {
            tracing::debug!(event = "already_handled", alert_id = %alert.alert_id, status = %alert.status);
        }
    }
    Ok(())
}
