//! The message on `alerts_pending_analysis` and `alerts_pending_delivery`: Avro in the Confluent
//! wire format, its schema registered in the registry under `<topic>-value`.

use crate::KafkaError;
use apache_avro::Schema;
use schema_registry_converter::async_impl::avro::{AvroDecoder, AvroEncoder};
use schema_registry_converter::async_impl::schema_registry::SrSettings;
use schema_registry_converter::avro_common::get_supplied_schema;
use schema_registry_converter::schema_registry_common::SubjectNameStrategy;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

pub const ALERT_EVENT_SCHEMA: &str = include_str!("../schemas/alert_event.avsc");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertEvent {
    pub alert_id: String,
    pub desk: String,
    pub metric: String,
    pub status: String,
    pub traceparent: Option<String>,
    pub produced_at_ms: i64,
}

/// Encodes and decodes [`AlertEvent`]s through the registry; schemas are cached by the codec.
#[derive(Clone)]
pub struct AlertCodec {
    encoder: Arc<AvroEncoder>,
    decoder: Arc<AvroDecoder>,
    schema: Arc<Schema>,
}

impl AlertCodec {
    pub fn new(registry_url: &str, timeout: Duration) -> Result<Self, KafkaError> {
        let settings = || {
            SrSettings::new_builder(registry_url.trim_end_matches('/').to_owned())
                .set_timeout(timeout)
                .build()
                .map_err(|e| KafkaError::Registry(e.to_string()))
        };
        let schema = Schema::parse_str(ALERT_EVENT_SCHEMA).map_err(|e| KafkaError::Message(e.to_string()))?;
        Ok(Self {
            encoder: Arc::new(AvroEncoder::new(settings()?)),
            decoder: Arc::new(AvroDecoder::new(settings()?)),
            schema: Arc::new(schema),
        })
    }

    /// Registers the schema (if needed) under `<topic>-value` and encodes `event`.
    pub async fn encode(&self, topic: &str, event: &AlertEvent) -> Result<Vec<u8>, KafkaError> {
        let strategy = SubjectNameStrategy::TopicNameStrategyWithSchema(
            topic.to_owned(),
            false,
            get_supplied_schema(&self.schema),
        );
        self.encoder.encode_struct(event, &strategy).await.map_err(|e| KafkaError::Registry(e.to_string()))
    }

    /// Decodes a message value. `Err(retryable = true)` when the registry could not be reached.
    pub async fn decode(&self, payload: &[u8]) -> Result<AlertEvent, DecodeAlertError> {
        let result = self.decoder.decode(Some(payload)).await.map_err(|e| {
            if e.retriable {
                DecodeAlertError::Retryable(e.to_string())
            } else {
                DecodeAlertError::Invalid(e.to_string())
            }
        })?;
        apache_avro::from_value::<AlertEvent>(&result.value).map_err(|e| DecodeAlertError::Invalid(e.to_string()))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DecodeAlertError {
    /// The registry did not answer: try again later.
    #[error("schema registry unavailable: {0}")]
    Retryable(String),
    /// The message can never be decoded: dead-letter it.
    #[error("invalid alert message: {0}")]
    Invalid(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(deprecated)] // the simplest datum API is enough for this check
    fn schema_parses_and_roundtrips_without_registry() {
        let schema = Schema::parse_str(ALERT_EVENT_SCHEMA).unwrap();
        let event = AlertEvent {
            alert_id: "0192f0c4-0000-7000-8000-000000000001".into(),
            desk: "rates".into(),
            metric: "vega".into(),
            status: "pending_analysis".into(),
            traceparent: Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".into()),
            produced_at_ms: 1_764_000_000_000,
        };
        let value = apache_avro::to_value(&event).unwrap().resolve(&schema).unwrap();
        let bytes = apache_avro::to_avro_datum(&schema, value).unwrap();
        let back = apache_avro::from_avro_datum(&schema, &mut bytes.as_slice(), None).unwrap();
        assert_eq!(apache_avro::from_value::<AlertEvent>(&back).unwrap(), event);
    }
}
