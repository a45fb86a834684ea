//! The Avro path: Confluent framing (`0x00`, 4-byte big-endian schema id, Avro binary datum),
//! and a datum reader driven by a compiled [`Plan`].

pub(crate) mod plan;
pub(crate) mod schema;
mod wire;

use crate::datum::Datum;
use crate::envelope::{Envelope, SourceBuilder};
use crate::error::{DecodeError, Part};
use crate::row::RowBuilder;
use plan::Node;
pub(crate) use plan::Plan;
use std::borrow::Cow;
use wire::Cursor;

/// Splits a Confluent-framed record into its schema id and Avro datum.
pub(crate) fn split_header(bytes: &[u8], part: Part) -> Result<(u32, &[u8]), DecodeError> {
    match bytes {
        [] => Err(DecodeError::Empty { part }),
        [0, a, b, c, d, datum @ ..] => Ok((u32::from_be_bytes([*a, *b, *c, *d]), datum)),
        [0, ..] => Err(DecodeError::Truncated { part }),
        [byte, ..] => Err(DecodeError::BadMagic { part, byte: *byte }),
    }
}

/// Reads one datum written with the plan's schema. The whole datum must be consumed.
pub(crate) fn decode<'a>(plan: &'a Plan, datum: &'a [u8], part: Part) -> Result<Envelope<'a>, DecodeError> {
    let mut cur = Cursor::new(datum, part);
    let mut envelope = Envelope::default();
    for (field, node) in plan.fields.iter() {
        let value = read(node, &mut cur)?;
        if let Some(field) = field {
            envelope.set(*field, value)?;
        }
    }
    if cur.remaining() != 0 {
        return Err(cur.invalid(format!("{} bytes after the end of the datum", cur.remaining())));
    }
    Ok(envelope)
}

/// Reads one value. Values of unused fields are read (and validated) too, then dropped; they
/// borrow from the datum, so that costs no allocation.
fn read<'a>(node: &'a Node, cur: &mut Cursor<'a>) -> Result<Datum<'a>, DecodeError> {
    Ok(match node {
        Node::Null => Datum::Null,
        Node::Bool => Datum::Bool(cur.bool()?),
        Node::Int => Datum::Long(i64::from(cur.int()?)),
        Node::Long => Datum::Long(cur.long()?),
        Node::Float => Datum::Float(cur.float()?),
        Node::Double => Datum::Double(cur.double()?),
        Node::Bytes => {
            cur.bytes()?;
            Datum::Bytes
        }
        Node::Str => Datum::Str(Cow::Borrowed(cur.str()?)),
        Node::Fixed(n) => {
            cur.take(*n)?;
            Datum::Bytes
        }
        Node::Decimal { scale, fixed } => {
            let unscaled = match fixed {
                Some(n) => cur.take(*n)?,
                None => cur.bytes()?,
            };
            Datum::Decimal(Cow::Borrowed(unscaled), *scale)
        }
        Node::Enum(symbols) => {
            let i = cur.long()?;
            let symbol = usize::try_from(i).ok().and_then(|i| symbols.get(i));
            Datum::Str(Cow::Borrowed(symbol.ok_or_else(|| cur.invalid(format!("enum index {i} out of range")))?))
        }
        Node::Union(branches) => {
            let i = cur.long()?;
            let branch = usize::try_from(i).ok().and_then(|i| branches.get(i));
            read(branch.ok_or_else(|| cur.invalid(format!("union branch {i} out of range")))?, cur)?
        }
        Node::Array(item) => {
            skip_blocks(cur, |cur| read(item, cur).map(drop), item.is_zero_width())?;
            Datum::Other("array")
        }
        Node::Map(value) => {
            let zero_width = false; // every entry has at least its key's length
            skip_blocks(cur, |cur| cur.str().and_then(|_| read(value, cur)).map(drop), zero_width)?;
            Datum::Other("map")
        }
        Node::Record(fields) => {
            for field in fields.iter() {
                read(field, cur)?;
            }
            Datum::Other("record")
        }
        Node::Row(side, columns) => {
            let mut row = RowBuilder::default();
            for (column, node) in columns.iter() {
                let value = read(node, cur)?;
                if let Some(column) = column {
                    row.set(*side, *column, value)?;
                }
            }
            Datum::Row(Box::new(row.finish(*side)?))
        }
        Node::Source(fields) => {
            let mut source = SourceBuilder::default();
            for (field, node) in fields.iter() {
                let value = read(node, cur)?;
                if let Some(field) = field {
                    source.set(*field, value)?;
                }
            }
            Datum::Source(Box::new(source))
        }
    })
}

/// Steps over the blocks of an array or map.
fn skip_blocks<'a>(
    cur: &mut Cursor<'a>,
    mut item: impl FnMut(&mut Cursor<'a>) -> Result<(), DecodeError>,
    zero_width: bool,
) -> Result<(), DecodeError> {
    while let Some((count, size)) = cur.block()? {
        if let Some(size) = size {
            cur.take(size)?; // the writer told us the block's size: no need to read the items
            continue;
        }
        if zero_width {
            continue; // items take no bytes: nothing to read, however many there are
        }
        if count > cur.remaining() as u64 {
            return Err(cur.truncated()); // each item takes at least one byte
        }
        for _ in 0..count {
            item(cur)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use apache_avro::Schema;

    #[test]
    fn confluent_header() {
        assert_eq!(split_header(&[0, 0, 0, 1, 2, 9], Part::Value).unwrap(), (258, &[9][..]));
        assert_eq!(split_header(&[0, 0, 0, 1, 2], Part::Value).unwrap(), (258, &[][..]));
        assert_eq!(split_header(&[0, 0, 0], Part::Key), Err(DecodeError::Truncated { part: Part::Key }));
        assert_eq!(split_header(&[7, 0, 0, 0, 1], Part::Key), Err(DecodeError::BadMagic { part: Part::Key, byte: 7 }));
        assert_eq!(split_header(&[], Part::Key), Err(DecodeError::Empty { part: Part::Key }));
    }

    fn plan(schema: &str) -> Plan {
        Plan::compile(&Schema::parse_str(schema).unwrap()).unwrap()
    }

    #[test]
    fn skips_arrays_maps_and_nested_records() {
        let plan = plan(
            r#"{"type":"record","name":"K","fields":[
                {"name":"tags","type":{"type":"array","items":"string"}},
                {"name":"attrs","type":{"type":"map","values":"long"}},
                {"name":"nested","type":{"type":"record","name":"N","fields":[{"name":"x","type":"int"}]}},
                {"name":"nulls","type":{"type":"array","items":"null"}},
                {"name":"position_id","type":"long"}]}"#,
        );
        // tags: 1 block of 2 ("a","b"), end; attrs: block with byte size (-1 item, 3 bytes), end;
        // nested.x = 5; nulls: a block claiming 2^62 items of null, end; position_id = 42.
        let datum = [
            0x04, 0x02, b'a', 0x02, b'b', 0x00, //
            0x01, 0x06, 0x02, b'k', 0x04, 0x00, //
            0x0a, //
            0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00, //
            0x54,
        ];
        let envelope = decode(&plan, &datum, Part::Key).unwrap();
        assert_eq!(envelope.into_key().unwrap(), 42);
        // A block claiming more (non-empty) items than bytes left is truncated, not a long loop.
        assert_eq!(
            decode(&plan, &[0xfe, 0xff, 0xff, 0xff, 0x0f], Part::Key).unwrap_err(),
            DecodeError::Truncated { part: Part::Key }
        );
    }

    #[test]
    fn bad_union_enum_and_trailing_bytes() {
        let plan = plan(
            r#"{"type":"record","name":"K","fields":[
                {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"]}},
                {"name":"position_id","type":["null","long"]}]}"#,
        );
        assert_eq!(decode(&plan, &[0x02, 0x02, 0x54], Part::Key).unwrap().into_key().unwrap(), 42);
        for bad in [&[0x04, 0x02, 0x54][..], &[0x02, 0x04, 0x54], &[0x02, 0x01, 0x54], &[0x02, 0x02, 0x54, 0x00]] {
            assert!(matches!(decode(&plan, bad, Part::Key), Err(DecodeError::InvalidAvro { .. })), "{bad:?}");
        }
    }
}
