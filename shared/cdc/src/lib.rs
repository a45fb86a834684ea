//! riskmonitor-cdc: decodes the Debezium (MariaDB connector) change events of the `positions`
//! table into [`riskmonitor_domain`]'s types.
//!
//! ```no_run
//! # async fn run(key: Option<&[u8]>, value: Option<&[u8]>) -> Result<(), Box<dyn std::error::Error>> {
//! use riskmonitor_cdc::Decoder;
//! use riskmonitor_domain::CdcMessage;
//! let decoder = Decoder::new("http://127.0.0.1:18081/apis/ccompat/v7", std::time::Duration::from_secs(5))?;
//! match decoder.decode(key, value).await {
//!     Ok(CdcMessage::Change(change)) => println!("{:?} position {}", change.op, change.position_id),
//!     Ok(_) => {}                              // tombstone, heartbeat, schema change
//!     Err(e) if e.is_retryable() => {}         // registry down: retry the record later
//!     Err(e) => eprintln!("dead-letter: {e}"), // the record itself is bad
//! }
//! # Ok(()) }
//! ```
//!
//! Formats, detected per key and per value from the first byte:
//! - `0`: Confluent wire format (magic byte, 4-byte big-endian schema id, Avro binary datum).
//!   Writer schemas come from a Confluent-compatible registry, parsed with `apache_avro` and
//!   compiled once per id into a plan that reads the datum straight into domain values.
//! - `{`: Kafka Connect JSON, with or without `{"schema", "payload"}`; numbers are read from their
//!   literal text, never through `f64`.
//!
//! Decimal columns may arrive as Avro/Connect `Decimal` (unscaled bytes + schema scale), decimal
//! strings, or numbers, following the connector's `decimal.handling.mode`.

mod avro;
mod datum;
mod decoder;
mod envelope;
mod error;
mod json;
mod registry;
mod row;

#[cfg(test)]
mod tests;

pub use decoder::Decoder;
pub use error::{BuildError, DecodeError, Part};
