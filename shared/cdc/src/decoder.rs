//! The entry point: one Kafka record (key and value bytes) in, one [`CdcMessage`] out.

use crate::avro;
use crate::envelope::{Envelope, first_byte};
use crate::error::{BuildError, DecodeError, Part};
use crate::json;
use crate::registry::Registry;
use riskmonitor_domain::CdcMessage;
use std::sync::Arc;
use std::time::Duration;

/// Decodes the records of the `positions` CDC topic, in whichever format the connector writes:
/// Confluent-framed Avro (first byte `0`, schemas fetched by id from the registry and cached) or
/// JSON with or without an embedded schema (first byte `{`). Key and value are detected
/// separately.
///
/// Cheap to clone (one `Arc`); share one per process so every schema is fetched once.
#[derive(Clone)]
pub struct Decoder {
    registry: Arc<Registry>,
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoder").finish_non_exhaustive()
    }
}

impl Decoder {
    /// `registry_url` is the Confluent-compatible API root, e.g.
    /// `http://127.0.0.1:18081/apis/ccompat/v7`; `timeout` bounds each registry request
    /// (connecting included). Nothing is fetched until a record needs it.
    pub fn new(registry_url: &str, timeout: Duration) -> Result<Decoder, BuildError> {
        Ok(Decoder { registry: Arc::new(Registry::new(registry_url, timeout)?) })
    }

    /// Decodes one record, as rdkafka hands it over (`None` is a null key or value).
    ///
    /// - a null value is a [`CdcMessage::Tombstone`] for the key's `position_id`;
    /// - a change's `position_id` comes from `after` (`before` for deletes) and, when there is a
    ///   key, must equal the key's;
    /// - heartbeats and schema-change records are recognised by their fields (`ts_ms` without
    ///   `op`; `ddl`); their keys are not read.
    ///
    /// Never panics; errors say whether retrying can help ([`DecodeError::is_retryable`]).
    pub async fn decode(&self, key: Option<&[u8]>, value: Option<&[u8]>) -> Result<CdcMessage, DecodeError> {
        let Some(value) = value else {
            let key = key.ok_or_else(|| DecodeError::missing("key"))?;
            return Ok(CdcMessage::Tombstone { position_id: self.key(key).await? });
        };
        let message = match first_byte(value, Part::Value)? {
            0 => {
                let (id, datum) = avro::split_header(value, Part::Value)?;
                let plan = self.registry.plan(id).await?;
                avro::decode(&plan, datum, Part::Value)?.into_message()?
            }
            b'{' => json::decode(value, Part::Value)?.into_message()?,
            byte => return Err(DecodeError::BadMagic { part: Part::Value, byte }),
        };
        if let (CdcMessage::Change(change), Some(key)) = (&message, key) {
            let key = self.key(key).await?;
            if key != change.position_id {
                return Err(DecodeError::KeyMismatch { key, value: change.position_id });
            }
        }
        Ok(message)
    }

    /// The `position_id` of a record key.
    async fn key(&self, key: &[u8]) -> Result<i64, DecodeError> {
        match first_byte(key, Part::Key)? {
            0 => {
                let (id, datum) = avro::split_header(key, Part::Key)?;
                let plan = self.registry.plan(id).await?;
                avro::decode(&plan, datum, Part::Key).and_then(Envelope::into_key)
            }
            b'{' => json::decode(key, Part::Key).and_then(Envelope::into_key),
            byte => Err(DecodeError::BadMagic { part: Part::Key, byte }),
        }
    }
}
