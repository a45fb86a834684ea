//! `riskmonitor-admin`: what an operator runs to recover from an incident.
//! - [`replay`]: move a service's consumer group on a topic to the beginning, the end, an
//!   offset or a time (per partition or all), with a dry run; refuses while the group has
//!   members unless told to wait for them to stop.
//! - [`dlq`]: list, show and re-drive dead-letter messages to their source topic, keeping the
//!   original headers and counting re-drives.
//! - [`alerts`]: find alerts stuck in a status and re-publish their ids to the stage's topic.
//!
//! Every consumer is idempotent, so all of these are safe to repeat.

pub mod alerts;
pub mod dlq;
pub mod replay;
pub mod settings;

pub use settings::Settings;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(transparent)]
    Kafka(#[from] riskmonitor_kafka::KafkaError),
    #[error("kafka: {0}")]
    Rdkafka(#[from] rdkafka::error::KafkaError),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Pool(#[from] riskmonitor_db::DbError),
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Usage(String),
}
