//! An idempotent producer with delivery reports awaited by the caller.

use crate::{KafkaError, KafkaSettings};
use rdkafka::message::OwnedHeaders;
use rdkafka::producer::{FutureProducer, FutureRecord};
use std::time::Duration;

pub fn build(settings: &KafkaSettings, client_id: &str) -> Result<FutureProducer, KafkaError> {
    Ok(settings
        .client_config(client_id)
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set("linger.ms", "1")
        .set("compression.type", "lz4")
        .set("message.timeout.ms", "30000")
        .create()?)
}

/// Sends one record and waits for the broker's acknowledgement.
pub async fn send(
    producer: &FutureProducer,
    topic: &str,
    key: &str,
    payload: &[u8],
    headers: OwnedHeaders,
) -> Result<(i32, i64), KafkaError> {
    let record = FutureRecord::to(topic).key(key).payload(payload).headers(headers);
    producer
        .send(record, Duration::from_secs(30))
        .await
        .map(|delivery| (delivery.partition, delivery.offset))
        .map_err(|(e, _)| KafkaError::Kafka(e))
}
