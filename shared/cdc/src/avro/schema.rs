//! Parses a writer schema as the registry returns it.
//!
//! Debezium (with the default `schema.name.adjustment.mode=none`) derives namespaces from the
//! topic prefix, so a prefix like `riskmonitor-positions` yields
//! `riskmonitor-positions.riskmonitor.positions.Value`: not a valid Avro name, and `apache_avro`
//! refuses the whole schema. Names only serve to resolve references inside the schema, so we
//! rewrite every name, namespace and type reference with the same function (invalid characters
//! become `_`) before parsing; references still meet their definitions, and the binary encoding,
//! which never mentions names, is untouched. Field names are rewritten the same way; the
//! `positions` columns we read are valid names already.

use apache_avro::Schema;
use serde_json::Value as Json;

/// Parses `text` after making its names valid Avro names.
pub(crate) fn parse(text: &str) -> Result<Schema, String> {
    let mut json: Json = serde_json::from_str(text).map_err(|e| format!("schema is not JSON: {e}"))?;
    fix_type(&mut json, 0);
    Schema::parse(&json).map_err(|e| e.to_string())
}

/// Deep enough for any real schema; bounds the recursion on hostile ones (they then fail to parse).
const MAX_DEPTH: usize = 64;

/// Fixes the names in a type: a reference (string), a union (array) or a definition (object).
fn fix_type(json: &mut Json, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match json {
        Json::String(reference) => fix_name(reference),
        Json::Array(union) => union.iter_mut().for_each(|t| fix_type(t, depth + 1)),
        Json::Object(object) => {
            for key in ["name", "namespace"] {
                if let Some(Json::String(name)) = object.get_mut(key) {
                    fix_name(name);
                }
            }
            if let Some(Json::Array(aliases)) = object.get_mut("aliases") {
                aliases.iter_mut().for_each(|a| fix_type(a, depth + 1));
            }
            if let Some(Json::Array(fields)) = object.get_mut("fields") {
                for field in fields.iter_mut().filter_map(Json::as_object_mut) {
                    if let Some(Json::String(name)) = field.get_mut("name") {
                        fix_name(name);
                    }
                    if let Some(t) = field.get_mut("type") {
                        fix_type(t, depth + 1);
                    }
                }
            }
            for key in ["type", "items", "values"] {
                if let Some(t) = object.get_mut(key) {
                    fix_type(t, depth + 1); // keywords like "record" are valid names: unchanged
                }
            }
        }
        _ => {}
    }
}

/// Makes each dot-separated part of `name` match `[A-Za-z_][A-Za-z0-9_]*`.
fn fix_name(name: &mut String) {
    let valid_part = |part: &str| {
        part.bytes().next().is_none_or(|b| !b.is_ascii_digit())
            && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    if name.split('.').all(valid_part) {
        return;
    }
    let fixed: Vec<String> = name
        .split('.')
        .map(|part| {
            let mut out: String = part.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
            if out.starts_with(|c: char| c.is_ascii_digit()) {
                out.insert(0, '_');
            }
            out
        })
        .collect();
    *name = fixed.join(".");
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_become_valid() {
        let fix = |s: &str| {
            let mut s = s.to_owned();
            fix_name(&mut s);
            s
        };
        assert_eq!(
            fix("riskmonitor-positions.riskmonitor.positions.Value"),
            "riskmonitor_positions.riskmonitor.positions.Value"
        );
        assert_eq!(fix("io.debezium.connector.mariadb.Source"), "io.debezium.connector.mariadb.Source");
        assert_eq!(fix("1st.caf\u{e9}"), "_1st.caf_");
        assert_eq!(fix("long"), "long");
    }

    #[test]
    fn debezium_schema_with_a_hyphenated_prefix_parses() {
        let text = include_str!("../../tests/fixtures/real_envelope_schema.avsc");
        assert!(Schema::parse_str(text).is_err(), "apache_avro rejects it as is");
        let Schema::Record(envelope) = parse(text).unwrap() else { panic!("a record") };
        assert_eq!(envelope.name.fullname(None), "riskmonitor_positions.riskmonitor.positions.Envelope");
        // The defaults (Connect's bytes-as-string encoding) are kept as they are.
        assert!(parse(include_str!("../../tests/fixtures/real_key_schema.avsc")).is_ok());
    }
}
