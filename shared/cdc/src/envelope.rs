//! Debezium's envelope (`before`, `after`, `source`, `op`, `ts_ms`), its `source` block, and the
//! other record shapes on the topic (keys, heartbeats, schema changes), whatever the wire format.

use crate::datum::{Datum, excerpt};
use crate::error::{Bad, DecodeError, Part};
use riskmonitor_domain::{CdcMessage, Op, Position, PositionChange, SourcePosition};

/// The top-level fields we read; any other is skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RootField {
    Before,
    After,
    Source,
    Op,
    TsMs,
    /// A schema-change record's DDL statement.
    Ddl,
    /// A record key's only field.
    PositionId,
}

impl RootField {
    pub(crate) fn from_name(name: &str) -> Option<RootField> {
        Some(match name {
            "before" => RootField::Before,
            "after" => RootField::After,
            "source" => RootField::Source,
            "op" => RootField::Op,
            "ts_ms" => RootField::TsMs,
            "ddl" => RootField::Ddl,
            "position_id" => RootField::PositionId,
            _ => return None,
        })
    }
}

/// The fields of `source` we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SourceField {
    File,
    Pos,
    Row,
    Snapshot,
    ServerId,
    Gtid,
    TsMs,
}

impl SourceField {
    pub(crate) fn from_name(name: &str) -> Option<SourceField> {
        Some(match name {
            "file" => SourceField::File,
            "pos" => SourceField::Pos,
            "row" => SourceField::Row,
            "snapshot" => SourceField::Snapshot,
            "server_id" => SourceField::ServerId,
            "gtid" => SourceField::Gtid,
            "ts_ms" => SourceField::TsMs,
            _ => return None,
        })
    }

    fn path(self) -> &'static str {
        match self {
            SourceField::File => "source.file",
            SourceField::Pos => "source.pos",
            SourceField::Row => "source.row",
            SourceField::Snapshot => "source.snapshot",
            SourceField::ServerId => "source.server_id",
            SourceField::Gtid => "source.gtid",
            SourceField::TsMs => "source.ts_ms",
        }
    }
}

const SNAPSHOT_VALUES: &str =
    "true, first, first_in_data_collection, last_in_data_collection, last, incremental, false";

/// Collects the `source` block; checked only when the record turns out to be a change.
#[derive(Debug, Default)]
pub(crate) struct SourceBuilder {
    file: Option<String>,
    pos: Option<u64>,
    row: Option<u32>,
    snapshot: bool,
    server_id: Option<i64>,
    gtid: Option<String>,
    ts_ms: Option<i64>,
}

impl SourceBuilder {
    /// Converts `value` to the field's type. A null leaves the field unset (`snapshot`: false).
    pub(crate) fn set(&mut self, field: SourceField, value: Datum<'_>) -> Result<(), DecodeError> {
        if value.is_null() {
            return Ok(());
        }
        self.convert(field, value).map_err(|bad| bad.at(field.path().to_owned()))
    }

    fn convert(&mut self, field: SourceField, value: Datum<'_>) -> Result<(), Bad> {
        let out_of_range =
            || Bad::Type { expected: "a non-negative integer in range", found: "an out-of-range integer" };
        match field {
            SourceField::File => self.file = Some(value.into_string()?),
            SourceField::Pos => self.pos = Some(u64::try_from(value.into_i64()?).map_err(|_| out_of_range())?),
            SourceField::Row => self.row = Some(u32::try_from(value.into_i64()?).map_err(|_| out_of_range())?),
            SourceField::Snapshot => self.snapshot = snapshot(&value)?,
            SourceField::ServerId => self.server_id = Some(value.into_i64()?),
            SourceField::Gtid => self.gtid = Some(value.into_string()?),
            SourceField::TsMs => self.ts_ms = Some(value.into_i64()?),
        }
        Ok(())
    }

    pub(crate) fn finish(self) -> Result<SourcePosition, DecodeError> {
        let req = |field: SourceField| DecodeError::missing(field.path());
        Ok(SourcePosition {
            file: self.file.ok_or_else(|| req(SourceField::File))?,
            pos: self.pos.ok_or_else(|| req(SourceField::Pos))?,
            row: self.row.ok_or_else(|| req(SourceField::Row))?,
            snapshot: self.snapshot,
            server_id: self.server_id.ok_or_else(|| req(SourceField::ServerId))?,
            gtid: self.gtid,
            ts_ms: self.ts_ms.ok_or_else(|| req(SourceField::TsMs))?,
        })
    }
}

/// `source.snapshot`: every snapshot phase is true; `false` (or null) is a streamed change.
fn snapshot(value: &Datum<'_>) -> Result<bool, Bad> {
    if let Datum::Bool(b) = value {
        return Ok(*b); // Debezium 1.x sent a boolean.
    }
    match value.as_str()? {
        "true" | "first" | "last" | "first_in_data_collection" | "last_in_data_collection" | "incremental" => Ok(true),
        "false" => Ok(false),
        other => Err(Bad::Enum { value: excerpt(other).into_owned(), expected: SNAPSHOT_VALUES }),
    }
}

/// The top-level fields of one record, read from either wire format. `None` is absent or null.
#[derive(Debug, Default)]
pub(crate) struct Envelope<'a> {
    pub(crate) before: Option<Position>,
    pub(crate) after: Option<Position>,
    pub(crate) source: Option<SourceBuilder>,
    pub(crate) op: Option<Datum<'a>>,
    pub(crate) ts_ms: Option<Datum<'a>>,
    pub(crate) ddl: Option<Datum<'a>>,
    pub(crate) position_id: Option<Datum<'a>>,
}

impl<'a> Envelope<'a> {
    pub(crate) fn set(&mut self, field: RootField, value: Datum<'a>) -> Result<(), DecodeError> {
        if value.is_null() {
            return Ok(());
        }
        match (field, value) {
            (RootField::Before, Datum::Row(row)) => self.before = Some(*row),
            (RootField::After, Datum::Row(row)) => self.after = Some(*row),
            (RootField::Source, Datum::Source(source)) => self.source = Some(*source),
            (RootField::Op, v) => self.op = Some(v),
            (RootField::TsMs, v) => self.ts_ms = Some(v),
            (RootField::Ddl, v) => self.ddl = Some(v),
            (RootField::PositionId, v) => self.position_id = Some(v),
            (RootField::Before | RootField::After | RootField::Source, v) => {
                let field = match field {
                    RootField::Before => "before",
                    RootField::After => "after",
                    _ => "source",
                };
                return Err(DecodeError::WrongType {
                    field: field.into(),
                    expected: "a record or null",
                    found: v.kind(),
                });
            }
        }
        Ok(())
    }

    /// Tells the record's shape: with `op` a change; else with `ddl` a schema change; else with
    /// `ts_ms` and no row or source a heartbeat. Anything else lacks its `op`.
    pub(crate) fn into_message(self) -> Result<CdcMessage, DecodeError> {
        if let Some(op) = self.op {
            let op = decode_op(op)?;
            let (before, after) = (self.before, self.after);
            let row = match op {
                Op::Delete => before.as_ref().ok_or_else(|| DecodeError::missing("before"))?,
                Op::Create | Op::Update | Op::Read => after.as_ref().ok_or_else(|| DecodeError::missing("after"))?,
            };
            let position_id = row.position_id;
            let source = self.source.ok_or_else(|| DecodeError::missing("source"))?.finish()?;
            let ts_ms = self.ts_ms.ok_or_else(|| DecodeError::missing("ts_ms"))?;
            let ts_ms = ts_ms.into_i64().map_err(|bad| bad.at("ts_ms".into()))?;
            return Ok(CdcMessage::Change(PositionChange { position_id, op, before, after, source, ts_ms }));
        }
        if let Some(ddl) = self.ddl {
            return Ok(CdcMessage::SchemaChange { ddl: ddl.into_string().map_err(|bad| bad.at("ddl".into()))? });
        }
        let has_change_fields = self.before.is_some() || self.after.is_some() || self.source.is_some();
        if self.ts_ms.is_some() && !has_change_fields {
            return Ok(CdcMessage::Heartbeat);
        }
        Err(DecodeError::missing("op"))
    }

    /// A record key's `position_id`.
    pub(crate) fn into_key(self) -> Result<i64, DecodeError> {
        let id = self.position_id.ok_or_else(|| DecodeError::missing("key.position_id"))?;
        id.into_i64().map_err(|bad| bad.at("key.position_id".into()))
    }
}

fn decode_op(op: Datum<'_>) -> Result<Op, DecodeError> {
    let code = op.as_str().map_err(|bad| bad.at("op".into()))?;
    Op::from_code(code).ok_or_else(|| DecodeError::BadOp { op: excerpt(code).into_owned() })
}

/// Reads the first non-whitespace byte to tell the format.
pub(crate) fn first_byte(bytes: &[u8], part: Part) -> Result<u8, DecodeError> {
    match bytes.first() {
        None => Err(DecodeError::Empty { part }),
        Some(0) => Ok(0),
        Some(_) => bytes.iter().copied().find(|b| !b.is_ascii_whitespace()).ok_or(DecodeError::Empty { part }),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn snapshot_phases() {
        for s in ["true", "first", "last", "first_in_data_collection", "last_in_data_collection", "incremental"] {
            assert!(snapshot(&Datum::Str(s.into())).unwrap(), "{s}");
        }
        assert!(!snapshot(&Datum::Str("false".into())).unwrap());
        assert!(snapshot(&Datum::Bool(true)).unwrap());
        assert!(matches!(snapshot(&Datum::Str("maybe".into())), Err(Bad::Enum { .. })));
        let mut b = SourceBuilder::default();
        b.set(SourceField::Snapshot, Datum::Null).unwrap();
        assert!(!b.snapshot);
    }

    #[test]
    fn shapes() {
        let heartbeat = Envelope { ts_ms: Some(Datum::Long(1)), ..Envelope::default() };
        assert_eq!(heartbeat.into_message().unwrap(), CdcMessage::Heartbeat);
        let ddl = Envelope {
            ddl: Some(Datum::Str("ALTER TABLE x".into())),
            ts_ms: Some(Datum::Long(1)),
            ..Envelope::default()
        };
        assert_eq!(ddl.into_message().unwrap(), CdcMessage::SchemaChange { ddl: "ALTER TABLE x".into() });
        assert_eq!(Envelope::default().into_message().unwrap_err(), DecodeError::missing("op"));
        let no_op =
            Envelope { ts_ms: Some(Datum::Long(1)), source: Some(SourceBuilder::default()), ..Envelope::default() };
        assert_eq!(no_op.into_message().unwrap_err(), DecodeError::missing("op"));
        let bad_op = Envelope { op: Some(Datum::Str("t".into())), ..Envelope::default() };
        assert_eq!(bad_op.into_message().unwrap_err(), DecodeError::BadOp { op: "t".into() });
        let no_after = Envelope { op: Some(Datum::Str("c".into())), ..Envelope::default() };
        assert_eq!(no_after.into_message().unwrap_err(), DecodeError::missing("after"));
        let negative = SourceBuilder::default().set(SourceField::Pos, Datum::Long(-1)).unwrap_err();
        assert!(matches!(negative, DecodeError::WrongType { ref field, .. } if field == "source.pos"));
    }

    #[test]
    fn format_detection() {
        assert_eq!(first_byte(b"", Part::Key), Err(DecodeError::Empty { part: Part::Key }));
        assert_eq!(first_byte(b"  \n{}", Part::Value).unwrap(), b'{');
        assert_eq!(first_byte(&[0, 0, 0, 0, 1], Part::Value).unwrap(), 0);
        assert_eq!(first_byte(b"   ", Part::Value), Err(DecodeError::Empty { part: Part::Value }));
    }
}
