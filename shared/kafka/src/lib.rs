//! Kafka plumbing shared by the services: settings and topic creation, consumers with manual
//! offset commits, the Avro alert messages that hand `alert_id`s between stages (Confluent wire
//! format through the schema registry), W3C trace context in headers, dead-letter topics, and the
//! transactional-outbox relay.

pub mod admin;
pub mod alert_message;
pub mod consumer;
pub mod dlq;
pub mod headers;
pub mod outbox;
pub mod producer;
pub mod settings;
pub mod setup;

pub use alert_message::{AlertCodec, AlertEvent};
pub use settings::{KafkaSettings, TopicSpec, Topics};

#[derive(Debug, thiserror::Error)]
pub enum KafkaError {
    #[error("kafka: {0}")]
    Kafka(#[from] rdkafka::error::KafkaError),
    #[error("schema registry: {0}")]
    Registry(String),
    #[error("invalid alert message: {0}")]
    Message(String),
    #[error("topic {topic}: {message}")]
    Topic { topic: String, message: String },
    #[error(transparent)]
    Db(#[from] riskmonitor_db::DbError),
}

impl From<sqlx::Error> for KafkaError {
    fn from(e: sqlx::Error) -> Self {
        KafkaError::Db(riskmonitor_db::DbError::Sqlx(e))
    }
}
