//! Compiles a writer schema (parsed once per schema id by `apache_avro`) into a [`Plan`]: a tree
//! that says, for every field in wire order, how to read it and where its value goes. Reading a
//! datum then needs no name lookups, no schema walking and no intermediate `Value` tree.

use crate::envelope::{RootField, SourceField};
use crate::row::{Column, Side};
use apache_avro::Schema;
use apache_avro::schema::{InnerDecimalSchema, NamesRef, RecordSchema, ResolvedSchema, UuidSchema};

/// Deepest nesting accepted; Debezium's schemas nest 4 levels. Also stops recursive schemas.
const MAX_DEPTH: usize = 32;
/// Most nodes a plan may have (named types are inlined at each use).
const MAX_NODES: usize = 20_000;

/// How to read one value of the writer schema.
#[derive(Debug)]
pub(crate) enum Node {
    Null,
    Bool,
    Int,
    Long,
    Float,
    Double,
    Bytes,
    Str,
    Fixed(usize),
    /// Avro `decimal` over `bytes` (`fixed: None`) or `fixed`.
    Decimal {
        scale: i64,
        fixed: Option<usize>,
    },
    Enum(Box<[Box<str>]>),
    Union(Box<[Node]>),
    Array(Box<Node>),
    Map(Box<Node>),
    /// A record we only step over.
    Record(Box<[Node]>),
    /// A `before`/`after` row: each field's column, if we use it.
    Row(Side, Box<[(Option<Column>, Node)]>),
    /// The `source` block.
    Source(Box<[(Option<SourceField>, Node)]>),
}

impl Node {
    /// True when values of this type take no bytes at all.
    pub(crate) fn is_zero_width(&self) -> bool {
        match self {
            Node::Null => true,
            Node::Fixed(n) => *n == 0,
            Node::Record(fields) => fields.iter().all(Node::is_zero_width),
            Node::Row(_, fields) => fields.iter().all(|(_, n)| n.is_zero_width()),
            Node::Source(fields) => fields.iter().all(|(_, n)| n.is_zero_width()),
            _ => false,
        }
    }
}

/// The compiled top-level record of a key or value schema.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) fields: Box<[(Option<RootField>, Node)]>,
}

/// Where a record found at this point of the schema goes.
#[derive(Clone, Copy)]
enum Ctx {
    Plain,
    Row(Side),
    Source,
}

struct Compiler<'s> {
    names: &'s NamesRef<'s>,
    nodes: usize,
}

impl Plan {
    /// Compiles `schema`, which must be a record (Debezium's keys, envelopes, heartbeats and
    /// schema-change records all are).
    pub(crate) fn compile(schema: &Schema) -> Result<Plan, String> {
        let resolved = ResolvedSchema::try_from(schema).map_err(|e| e.to_string())?;
        let mut compiler = Compiler { names: resolved.get_names(), nodes: 0 };
        let record = match compiler.deref(schema, 0)? {
            Schema::Record(record) => record,
            other => return Err(format!("the top-level schema is not a record but {:?}", schema_kind(other))),
        };
        let fields = record
            .fields
            .iter()
            .map(|f| {
                let root = RootField::from_name(&f.name);
                let ctx = match root {
                    Some(RootField::Before) => Ctx::Row(Side::Before),
                    Some(RootField::After) => Ctx::Row(Side::After),
                    Some(RootField::Source) => Ctx::Source,
                    _ => Ctx::Plain,
                };
                Ok((root, compiler.node(&f.schema, ctx, 1)?))
            })
            .collect::<Result<_, String>>()?;
        Ok(Plan { fields })
    }
}

impl<'s> Compiler<'s> {
    /// Follows named references to their definition.
    fn deref<'a>(&self, mut schema: &'a Schema, depth: usize) -> Result<&'a Schema, String>
    where
        's: 'a,
    {
        for _ in 0..=MAX_DEPTH {
            match schema {
                Schema::Ref { name } => {
                    schema = self.names.get(name).copied().ok_or_else(|| format!("unresolved type `{name}`"))?;
                }
                other => return Ok(other),
            }
        }
        Err(format!("reference chain too long at depth {depth}"))
    }

    fn node(&mut self, schema: &Schema, ctx: Ctx, depth: usize) -> Result<Node, String> {
        if depth > MAX_DEPTH {
            return Err(format!("schema nests deeper than {MAX_DEPTH} levels (recursive types are not supported)"));
        }
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(format!("schema has more than {MAX_NODES} nodes"));
        }
        let schema = self.deref(schema, depth)?;
        Ok(match schema {
            Schema::Null => Node::Null,
            Schema::Boolean => Node::Bool,
            Schema::Int | Schema::Date | Schema::TimeMillis => Node::Int,
            Schema::Long
            | Schema::TimeMicros
            | Schema::TimestampMillis
            | Schema::TimestampMicros
            | Schema::TimestampNanos
            | Schema::LocalTimestampMillis
            | Schema::LocalTimestampMicros
            | Schema::LocalTimestampNanos => Node::Long,
            Schema::Float => Node::Float,
            Schema::Double => Node::Double,
            // `big-decimal` carries its scale inside the bytes; we only ever step over it.
            Schema::Bytes | Schema::BigDecimal | Schema::Uuid(UuidSchema::Bytes) => Node::Bytes,
            Schema::String | Schema::Uuid(UuidSchema::String) => Node::Str,
            Schema::Fixed(f) | Schema::Duration(f) | Schema::Uuid(UuidSchema::Fixed(f)) => Node::Fixed(f.size),
            Schema::Decimal(d) => Node::Decimal {
                scale: i64::try_from(d.scale).map_err(|_| format!("decimal scale {} out of range", d.scale))?,
                fixed: match &d.inner {
                    InnerDecimalSchema::Bytes => None,
                    InnerDecimalSchema::Fixed(f) => Some(f.size),
                },
            },
            Schema::Enum(e) => Node::Enum(e.symbols.iter().map(|s| Box::from(s.as_str())).collect()),
            Schema::Union(u) => {
                Node::Union(u.variants().iter().map(|v| self.node(v, ctx, depth + 1)).collect::<Result<_, _>>()?)
            }
            Schema::Array(a) => Node::Array(Box::new(self.node(&a.items, Ctx::Plain, depth + 1)?)),
            Schema::Map(m) => Node::Map(Box::new(self.node(&m.types, Ctx::Plain, depth + 1)?)),
            Schema::Record(r) => self.record(r, ctx, depth)?,
            Schema::Ref { name } => return Err(format!("unresolved type `{name}`")),
        })
    }

    fn record(&mut self, r: &RecordSchema, ctx: Ctx, depth: usize) -> Result<Node, String> {
        let plain = |c: &mut Self, s: &Schema| c.node(s, Ctx::Plain, depth + 1);
        Ok(match ctx {
            Ctx::Plain => Node::Record(r.fields.iter().map(|f| plain(self, &f.schema)).collect::<Result<_, _>>()?),
            Ctx::Row(side) => Node::Row(
                side,
                r.fields
                    .iter()
                    .map(|f| Ok((Column::from_name(&f.name), plain(self, &f.schema)?)))
                    .collect::<Result<_, String>>()?,
            ),
            Ctx::Source => Node::Source(
                r.fields
                    .iter()
                    .map(|f| Ok((SourceField::from_name(&f.name), plain(self, &f.schema)?)))
                    .collect::<Result<_, String>>()?,
            ),
        })
    }
}

fn schema_kind(schema: &Schema) -> apache_avro::schema::SchemaKind {
    apache_avro::schema::SchemaKind::from(schema)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn compiles_debezium_envelope() {
        let schema =
            super::super::schema::parse(include_str!("../../tests/fixtures/real_envelope_schema.avsc")).unwrap();
        let plan = Plan::compile(&schema).unwrap();
        let roots: Vec<_> = plan.fields.iter().map(|(r, _)| *r).collect();
        assert_eq!(
            roots,
            [
                Some(RootField::Before),
                Some(RootField::After),
                Some(RootField::Source),
                None,
                Some(RootField::Op),
                Some(RootField::TsMs),
                None,
                None
            ]
        );
        // `after` refers to the `Value` record defined inside `before`: resolved and compiled as a row.
        let Node::Union(after) = &plan.fields[1].1 else { panic!("after is a union") };
        let Node::Row(Side::After, columns) = &after[1] else { panic!("after[1] is a row: {:?}", after[1]) };
        let quantity = columns.iter().find(|(c, _)| *c == Some(Column::Quantity)).unwrap();
        assert!(matches!(quantity.1, Node::Decimal { scale: 6, fixed: None }));
        let price = columns.iter().find(|(c, _)| *c == Some(Column::Price)).unwrap();
        assert!(matches!(price.1, Node::Decimal { scale: 8, fixed: None }));
    }

    #[test]
    fn rejects_non_records_and_recursion() {
        assert!(Plan::compile(&Schema::Long).is_err());
        let list = Schema::parse_str(
            r#"{"type":"record","name":"L","fields":[{"name":"next","type":["null","L"]},{"name":"v","type":"long"}]}"#,
        )
        .unwrap();
        let err = Plan::compile(&list).unwrap_err();
        assert!(err.contains("recursive"), "{err}");
    }
}
