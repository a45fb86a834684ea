//! Topics and raw consumers/producers for tests.

use crate::TestEnv;
use rdkafka::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::producer::FutureProducer;

/// Creates the topics of `settings` (idempotent).
pub async fn create_topics(settings: &riskmonitor_kafka::KafkaSettings) {
    riskmonitor_kafka::admin::ensure_topics(settings, &settings.topics.all())
        .await
        .unwrap_or_else(|e| panic!("create topics: {e}"));
}

/// A consumer of `topics` from the beginning, in a group of its own, auto-committing.
pub fn consumer(env: &TestEnv, topics: &[&str]) -> StreamConsumer {
    let c: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &env.brokers)
        .set("group.id", crate::unique("test-"))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "true")
        .create()
        .unwrap_or_else(|e| panic!("consumer: {e}"));
    c.subscribe(topics).unwrap_or_else(|e| panic!("subscribe: {e}"));
    c
}

pub fn producer(env: &TestEnv) -> FutureProducer {
    ClientConfig::new().set("bootstrap.servers", &env.brokers).create().unwrap_or_else(|e| panic!("producer: {e}"))
}
