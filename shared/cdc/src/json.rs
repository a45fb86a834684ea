//! The JSON path: Kafka Connect's `JsonConverter` with `schemas.enable=false` (the bare record)
//! or `true` (`{"schema": ..., "payload": ...}`).
//!
//! Exactness: every leaf is captured as a borrowed [`RawValue`], so a JSON number is converted
//! from its literal text (`12345678901234567890.12345678` stays exact), never through `f64`.
//! Decimals may be strings (`decimal.handling.mode=string`), numbers (`double`, or the
//! converter's `decimal.format=NUMERIC`), or base64 unscaled bytes (`precise`); the latter is
//! only readable with `schemas.enable=true`, whose field schema carries the scale. Without a
//! schema a string is always read as decimal text.

use crate::datum::{Datum, excerpt};
use crate::envelope::{Envelope, SourceBuilder, SourceField};
use crate::error::{Bad, DecodeError, Part};
use crate::row::{Column, RowBuilder, Side};
use base64::Engine;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;

/// A record at the top level, or the `payload` inside the schema wrapper.
#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow)]
    schema: Option<&'a RawValue>,
    #[serde(borrow)]
    payload: Option<Box<Record<'a>>>,
    #[serde(borrow)]
    before: Option<&'a RawValue>,
    #[serde(borrow)]
    after: Option<&'a RawValue>,
    #[serde(borrow)]
    source: Option<&'a RawValue>,
    #[serde(borrow)]
    op: Option<&'a RawValue>,
    #[serde(borrow)]
    ts_ms: Option<&'a RawValue>,
    #[serde(borrow)]
    ddl: Option<&'a RawValue>,
    #[serde(borrow)]
    position_id: Option<&'a RawValue>,
}

/// A `before`/`after` row; other columns are ignored.
#[derive(Deserialize)]
struct Row<'a> {
    #[serde(borrow)]
    position_id: Option<&'a RawValue>,
    #[serde(borrow)]
    desk: Option<&'a RawValue>,
    #[serde(borrow)]
    instrument_id: Option<&'a RawValue>,
    #[serde(borrow)]
    instrument_type: Option<&'a RawValue>,
    #[serde(borrow)]
    underlying: Option<&'a RawValue>,
    #[serde(borrow)]
    quantity: Option<&'a RawValue>,
    #[serde(borrow)]
    multiplier: Option<&'a RawValue>,
    #[serde(borrow)]
    price: Option<&'a RawValue>,
    #[serde(borrow)]
    delta: Option<&'a RawValue>,
    #[serde(borrow)]
    vega: Option<&'a RawValue>,
    #[serde(borrow)]
    option_type: Option<&'a RawValue>,
    #[serde(borrow)]
    strike: Option<&'a RawValue>,
    #[serde(borrow)]
    expiry: Option<&'a RawValue>,
    #[serde(borrow)]
    currency: Option<&'a RawValue>,
    #[serde(borrow)]
    updated_at: Option<&'a RawValue>,
}

impl<'a> Row<'a> {
    /// The row's values in [`Column::ALL`] order.
    fn columns(&self) -> [Option<&'a RawValue>; 15] {
        [
            self.position_id,
            self.desk,
            self.instrument_id,
            self.instrument_type,
            self.underlying,
            self.quantity,
            self.multiplier,
            self.price,
            self.delta,
            self.vega,
            self.option_type,
            self.strike,
            self.expiry,
            self.currency,
            self.updated_at,
        ]
    }
}

#[derive(Deserialize)]
struct Source<'a> {
    #[serde(borrow)]
    file: Option<&'a RawValue>,
    #[serde(borrow)]
    pos: Option<&'a RawValue>,
    #[serde(borrow)]
    row: Option<&'a RawValue>,
    #[serde(borrow)]
    snapshot: Option<&'a RawValue>,
    #[serde(borrow)]
    server_id: Option<&'a RawValue>,
    #[serde(borrow)]
    gtid: Option<&'a RawValue>,
    #[serde(borrow)]
    ts_ms: Option<&'a RawValue>,
}

/// A Connect schema (`{"type":"struct","fields":[...]}`), as much as we need of it.
#[derive(Deserialize)]
struct ConnectSchema<'a> {
    #[serde(borrow, default)]
    field: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(default)]
    fields: Vec<ConnectSchema<'a>>,
    #[serde(borrow, default)]
    parameters: Option<Parameters<'a>>,
}

#[derive(Deserialize)]
struct Parameters<'a> {
    #[serde(borrow, default)]
    scale: Option<Cow<'a, str>>,
}

const CONNECT_DECIMAL: &str = "org.apache.kafka.connect.data.Decimal";

/// The scale of each column the schema declares as a Connect `Decimal`, by [`Column::index`].
type Scales = [Option<i64>; 15];

/// Decodes a JSON key or value into its top-level fields.
pub(crate) fn decode(bytes: &[u8], part: Part) -> Result<Envelope<'_>, DecodeError> {
    let invalid = |e: serde_json::Error| DecodeError::InvalidJson { part, reason: e.to_string() };
    let top: Record<'_> = serde_json::from_slice(bytes).map_err(invalid)?;
    let (record, schema) = match top.payload {
        Some(payload) => (*payload, top.schema),
        None => (top, None),
    };
    let mut envelope = Envelope::default();
    if record.before.is_some() || record.after.is_some() {
        let [before_scales, after_scales] = match schema {
            Some(schema) => row_scales(schema, part)?,
            None => [[None; 15]; 2],
        };
        if let Some(raw) = record.before {
            envelope.before = Some(row(raw, Side::Before, &before_scales, part)?);
        }
        if let Some(raw) = record.after {
            envelope.after = Some(row(raw, Side::After, &after_scales, part)?);
        }
    }
    if let Some(raw) = record.source {
        envelope.source = Some(source(raw, part)?);
    }
    envelope.op = record.op.map(datum);
    envelope.ts_ms = record.ts_ms.map(datum);
    envelope.ddl = record.ddl.map(datum);
    envelope.position_id = record.position_id.map(datum);
    Ok(envelope)
}

/// A JSON leaf as a [`Datum`]: strings unescaped (borrowed when they hold no escape), numbers
/// kept as their literal text. `raw` was validated by the parser, so this cannot fail.
fn datum(raw: &RawValue) -> Datum<'_> {
    let text = raw.get().trim_ascii();
    match text.as_bytes().first() {
        Some(b'"') => match text.get(1..text.len() - 1) {
            Some(inner) if !inner.contains('\\') => Datum::Str(Cow::Borrowed(inner)),
            _ => serde_json::from_str::<String>(text)
                .map_or(Datum::Other("malformed string"), |s| Datum::Str(Cow::Owned(s))),
        },
        Some(b'n') => Datum::Null,
        Some(b't') => Datum::Bool(true),
        Some(b'f') => Datum::Bool(false),
        Some(b'{') => Datum::Other("object"),
        Some(b'[') => Datum::Other("array"),
        _ => Datum::Number(text),
    }
}

/// Parses a nested object (`before`, `after`, `source`), naming the field if it is not one.
fn nested<'a, T: Deserialize<'a>>(raw: &'a RawValue, field: &str, part: Part) -> Result<T, DecodeError> {
    let text = raw.get();
    if !text.trim_ascii_start().starts_with('{') {
        let found = datum(raw).kind();
        return Err(DecodeError::WrongType { field: field.to_owned(), expected: "an object or null", found });
    }
    serde_json::from_str(text).map_err(|e| DecodeError::InvalidJson { part, reason: format!("`{field}`: {e}") })
}

fn row(raw: &RawValue, side: Side, scales: &Scales, part: Part) -> Result<riskmonitor_domain::Position, DecodeError> {
    let parsed: Row<'_> = nested(raw, side.name(), part)?;
    let mut builder = RowBuilder::default();
    for (column, value) in Column::ALL.into_iter().zip(parsed.columns()) {
        let Some(value) = value else { continue };
        let mut value = datum(value);
        if let (Some(scale), Datum::Str(text)) = (scales[column.index()], &value) {
            value = base64_decimal(text, scale).map_err(|bad| bad.at(format!("{}.{}", side.name(), column.name())))?;
        }
        builder.set(side, column, value)?;
    }
    builder.finish(side)
}

fn base64_decimal(text: &str, scale: i64) -> Result<Datum<'static>, Bad> {
    let unscaled = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| Bad::Decimal(format!("`{}` is not base64: {e}", excerpt(text))))?;
    Ok(Datum::Decimal(Cow::Owned(unscaled), scale))
}

fn source(raw: &RawValue, part: Part) -> Result<SourceBuilder, DecodeError> {
    let parsed: Source<'_> = nested(raw, "source", part)?;
    let mut builder = SourceBuilder::default();
    let fields = [
        (SourceField::File, parsed.file),
        (SourceField::Pos, parsed.pos),
        (SourceField::Row, parsed.row),
        (SourceField::Snapshot, parsed.snapshot),
        (SourceField::ServerId, parsed.server_id),
        (SourceField::Gtid, parsed.gtid),
        (SourceField::TsMs, parsed.ts_ms),
    ];
    for (field, value) in fields {
        if let Some(value) = value {
            builder.set(field, datum(value))?;
        }
    }
    Ok(builder)
}

/// Reads the scales of the `before` and `after` rows' Connect `Decimal` columns from the
/// envelope schema.
fn row_scales(schema: &RawValue, part: Part) -> Result<[Scales; 2], DecodeError> {
    let invalid = |reason: String| DecodeError::InvalidJson { part, reason: format!("schema: {reason}") };
    let schema: ConnectSchema<'_> = serde_json::from_str(schema.get()).map_err(|e| invalid(e.to_string()))?;
    let mut scales = [[None; 15]; 2];
    for (side, scales) in [Side::Before, Side::After].into_iter().zip(&mut scales) {
        if let Some(row) = schema.fields.iter().find(|f| f.field.as_deref() == Some(side.name())) {
            *scales = side_scales(row, side).map_err(invalid)?;
        }
    }
    Ok(scales)
}

fn side_scales(row: &ConnectSchema<'_>, side: Side) -> Result<Scales, String> {
    let mut scales = [None; 15];
    for field in &row.fields {
        let column = field.field.as_deref().and_then(Column::from_name);
        let Some(column) = column.filter(|c| c.is_decimal()) else { continue };
        if field.name.as_deref() != Some(CONNECT_DECIMAL) {
            continue; // a string or double: the value says its own scale
        }
        let scale = field.parameters.as_ref().and_then(|p| p.scale.as_deref());
        let scale = scale.and_then(|s| s.parse().ok()).ok_or_else(|| {
            format!("`{}.{}` is a Decimal without a numeric scale parameter", side.name(), column.name())
        })?;
        scales[column.index()] = Some(scale);
    }
    Ok(scales)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn raw(text: &str) -> &RawValue {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn leaves_keep_their_text() {
        assert!(matches!(datum(raw(r#""abc""#)), Datum::Str(Cow::Borrowed("abc"))));
        assert!(matches!(datum(raw(r#""a\"b""#)), Datum::Str(Cow::Owned(s)) if s == "a\"b"));
        assert!(matches!(
            datum(raw("12345678901234567890.123456789")),
            Datum::Number("12345678901234567890.123456789")
        ));
        assert!(matches!(datum(raw("-1e-3")), Datum::Number("-1e-3")));
        assert!(matches!(datum(raw("true")), Datum::Bool(true)));
        assert!(matches!(datum(raw("[1]")), Datum::Other("array")));
    }

    #[test]
    fn scales_from_the_connect_schema() {
        let schema = raw(r#"{"type":"struct","fields":[
                {"type":"struct","field":"after","fields":[
                    {"type":"int64","field":"position_id"},
                    {"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"6","connect.decimal.precision":"24"},"field":"quantity"},
                    {"type":"string","field":"price"}]}]}"#);
        let [before, after] = row_scales(schema, Part::Value).unwrap();
        assert_eq!(after[Column::Quantity.index()], Some(6));
        assert_eq!(after[Column::Price.index()], None);
        assert_eq!(before, [None; 15]);
    }
}
