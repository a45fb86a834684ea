//! Why a record could not be decoded, and whether trying again can help.

use std::fmt;

/// Which half of the Kafka record an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    Key,
    Value,
}

impl Part {
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Key => "key",
            Part::Value => "value",
        }
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything that can go wrong decoding one record.
///
/// Only [`DecodeError::RegistryUnavailable`] is worth retrying (see [`DecodeError::is_retryable`]);
/// every other variant describes the record itself (or a schema the registry will always return
/// for its id), so the record should be dead-lettered.
///
/// Field paths name where the problem is: `after.quantity`, `source.pos`, `key.position_id`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// A present but zero-length key or value.
    #[error("the {part} is empty")]
    Empty { part: Part },
    /// The bytes end in the middle of the Confluent header or of an Avro datum.
    #[error("the {part} is truncated")]
    Truncated { part: Part },
    /// Neither the Confluent magic byte `0` nor the start of a JSON object.
    #[error("the {part} starts with byte {byte:#04x}: neither Confluent-framed Avro (magic byte 0) nor a JSON object")]
    BadMagic { part: Part, byte: u8 },
    /// The registry answered 404 with a registry error body: no schema has this id.
    #[error("schema id {id} is unknown to the schema registry: {message}")]
    UnknownSchemaId { id: u32, message: String },
    /// The registry could not be asked (connection refused, timeout) or failed (5xx, an
    /// unexpected status or body). Retryable.
    #[error("schema registry unavailable while fetching schema id {id}: {reason}")]
    RegistryUnavailable { id: u32, reason: String },
    /// The registry returned a schema for this id that cannot describe these records (not Avro,
    /// not parseable, not a record).
    #[error("schema id {id} cannot be used: {reason}")]
    InvalidSchema { id: u32, reason: String },
    /// The Avro datum does not follow its writer schema (bad union or enum index, invalid UTF-8,
    /// overlong varint, trailing bytes, ...).
    #[error("invalid Avro {part}: {reason}")]
    InvalidAvro { part: Part, reason: String },
    /// The JSON is malformed or not shaped like a Debezium record.
    #[error("invalid JSON {part}: {reason}")]
    InvalidJson { part: Part, reason: String },
    /// A required field is absent or null.
    #[error("missing field `{field}`")]
    MissingField { field: String },
    /// A field holds a value of the wrong type.
    #[error("field `{field}`: expected {expected}, found {found}")]
    WrongType { field: String, expected: &'static str, found: &'static str },
    /// `op` is not one of `c`, `u`, `d`, `r`.
    #[error("unknown op `{op}` (expected c, u, d or r)")]
    BadOp { op: String },
    /// An enum column (or `source.snapshot`) holds a value outside its allowed set.
    #[error("field `{field}`: `{value}` is not one of {expected}")]
    BadEnum { field: String, value: String, expected: &'static str },
    /// A decimal column holds something that is not an exact decimal we accept.
    #[error("field `{field}`: bad decimal: {reason}")]
    BadDecimal { field: String, reason: String },
    /// A date or timestamp column holds something that is not a valid date/time.
    #[error("field `{field}`: bad date/time: {reason}")]
    BadDateTime { field: String, reason: String },
    /// The record key names another position than the row in the value.
    #[error("the key's position_id {key} does not match the row's position_id {value}")]
    KeyMismatch { key: i64, value: i64 },
}

impl DecodeError {
    /// True when the same record may decode later (the schema registry was unreachable or
    /// failing): retry it instead of dead-lettering it.
    pub fn is_retryable(&self) -> bool {
        matches!(self, DecodeError::RegistryUnavailable { .. })
    }

    pub(crate) fn missing(field: impl Into<String>) -> Self {
        DecodeError::MissingField { field: field.into() }
    }
}

/// A value that cannot become the type its field needs; [`Bad::at`] names the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Bad {
    Type { expected: &'static str, found: &'static str },
    Enum { value: String, expected: &'static str },
    Decimal(String),
    DateTime(String),
}

impl Bad {
    pub(crate) fn at(self, field: String) -> DecodeError {
        match self {
            Bad::Type { expected, found } => DecodeError::WrongType { field, expected, found },
            Bad::Enum { value, expected } => DecodeError::BadEnum { field, value, expected },
            Bad::Decimal(reason) => DecodeError::BadDecimal { field, reason },
            Bad::DateTime(reason) => DecodeError::BadDateTime { field, reason },
        }
    }
}

/// Errors building a [`crate::Decoder`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    #[error("invalid schema registry URL `{url}`: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("cannot build the schema registry HTTP client: {0}")]
    Client(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_registry_outages_are_retryable() {
        let down = DecodeError::RegistryUnavailable { id: 1, reason: "connection refused".into() };
        assert!(down.is_retryable());
        assert!(!DecodeError::UnknownSchemaId { id: 1, message: "Schema not found".into() }.is_retryable());
        assert!(!DecodeError::Truncated { part: Part::Value }.is_retryable());
        assert_eq!(
            Bad::Type { expected: "integer", found: "string" }.at("after.position_id".into()).to_string(),
            "field `after.position_id`: expected integer, found string"
        );
    }
}
