//! Dead-letter topics: a message that can never be processed is copied there with its key,
//! payload and headers, plus the reason and its original topic, partition and offset.

use crate::KafkaError;
use crate::headers::{self, DLQ_FAILED_AT, DLQ_OFFSET, DLQ_PARTITION, DLQ_REASON, DLQ_SERVICE, DLQ_TOPIC};
use prometheus::IntCounterVec;
use rdkafka::Message;
use rdkafka::message::Header;
use rdkafka::producer::FutureProducer;
use std::sync::LazyLock;

static DEAD_LETTERED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    riskmonitor_runtime::metrics::counter_vec(
        "riskmonitor_dead_letters_total",
        "Messages sent to a dead-letter topic",
        &["service", "topic"],
    )
});

#[derive(Clone)]
pub struct DeadLetters {
    producer: FutureProducer,
    topic: String,
    service: &'static str,
}

impl DeadLetters {
    pub fn new(producer: FutureProducer, topic: &str, service: &'static str) -> Self {
        Self { producer, topic: topic.to_owned(), service }
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Copies `msg` to the dead-letter topic with `reason`; returns once the broker has it.
    pub async fn send<M: Message<Headers = rdkafka::message::BorrowedHeaders>>(
        &self,
        msg: &M,
        reason: &str,
    ) -> Result<(), KafkaError> {
        let partition = msg.partition().to_string();
        let offset = msg.offset().to_string();
        let failed_at = chrono::Utc::now().to_rfc3339();
        let reason: String = reason.chars().take(2000).collect();
        let headers = headers::copy(msg.headers())
            .insert(Header { key: DLQ_REASON, value: Some(reason.as_str()) })
            .insert(Header { key: DLQ_TOPIC, value: Some(msg.topic()) })
            .insert(Header { key: DLQ_PARTITION, value: Some(partition.as_str()) })
            .insert(Header { key: DLQ_OFFSET, value: Some(offset.as_str()) })
            .insert(Header { key: DLQ_SERVICE, value: Some(self.service) })
            .insert(Header { key: DLQ_FAILED_AT, value: Some(failed_at.as_str()) });
        let key = msg.key().unwrap_or_default();
        let record = rdkafka::producer::FutureRecord::to(&self.topic)
            .key(key)
            .payload(msg.payload().unwrap_or_default())
            .headers(headers);
        self.producer.send(record, std::time::Duration::from_secs(30)).await.map_err(|(e, _)| KafkaError::Kafka(e))?;
        DEAD_LETTERED.with_label_values(&[self.service, msg.topic()]).inc();
        tracing::warn!(
            event = "dead_lettered",
            service = self.service,
            topic = msg.topic(),
            partition = msg.partition(),
            offset = msg.offset(),
            reason = %reason,
            "message sent to the dead-letter topic"
        );
        Ok(())
    }
}
