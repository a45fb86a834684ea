//! Kafka Connect JSON, with and without the embedded schema. No registry involved.

use super::support::*;
use crate::{DecodeError, Decoder, Part};
use riskmonitor_domain::{CdcMessage, Op, PositionChange};
use serde_json::json;
use std::time::Duration;

/// JSON never needs the registry: point at a port nobody listens on to prove it.
fn decoder() -> Decoder {
    Decoder::new("http://127.0.0.1:9/apis/ccompat/v7", Duration::from_millis(100)).unwrap()
}

async fn decode(value: &[u8]) -> Result<CdcMessage, DecodeError> {
    decoder().decode(None, Some(value)).await
}

fn bytes(v: &serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

#[tokio::test]
async fn without_schema_string_decimals() {
    let (opt, fut) = (option_position(), future_position());
    let mut moved = opt.clone();
    moved.desk = "exotics".into();
    for (op, code, before, after) in [
        (Op::Create, "c", None, Some(&opt)),
        (Op::Read, "r", None, Some(&fut)),
        (Op::Update, "u", Some(&opt), Some(&moved)),
        (Op::Delete, "d", Some(&fut), None),
    ] {
        let snapshot = if code == "r" { "true" } else { "false" };
        let value = bytes(&json_envelope(code, before, after, snapshot, Decimals::Text));
        let id = after.or(before).unwrap().position_id;
        let got = decoder().decode(Some(&json_key(id)), Some(&value)).await.unwrap();
        let expected = CdcMessage::Change(PositionChange {
            position_id: id,
            op,
            before: before.cloned(),
            after: after.cloned(),
            source: source(snapshot, Some("0-1-42")),
            ts_ms: EVENT_TS_MS,
        });
        assert_eq!(got, expected, "op {code}");
    }
}

#[tokio::test]
async fn with_schema_precise_and_string_decimals() {
    let p = option_position();
    for mode in [Decimals::Precise, Decimals::Text] {
        let value = with_schema(connect_schema(mode), json_envelope("u", Some(&p), Some(&p), "false", mode));
        let key = with_schema(
            json!({"type": "struct", "fields": [{"type": "int64", "field": "position_id"}]}),
            json!({"position_id": 42}),
        );
        let CdcMessage::Change(change) = decoder().decode(Some(&key), Some(&value)).await.unwrap() else { panic!() };
        assert_eq!(change.after.as_ref(), Some(&p));
        assert_eq!(change.before.as_ref(), Some(&p));
        let after = change.after.unwrap();
        assert_eq!(after.quantity.to_string(), "-12.500000");
        assert_eq!(after.strike.unwrap().to_string(), "6000.00000000");
    }
}

#[tokio::test]
async fn numbers_are_exact() {
    let mut value = json_envelope("c", None, Some(&future_position()), "false", Decimals::Text);
    // More digits than an f64 holds, and an exponent.
    value["after"]["quantity"] = json!(0); // replaced textually below
    let text =
        serde_json::to_string(&value).unwrap().replace(r#""quantity":0"#, r#""quantity":12345678901234567890.123456"#);
    let text = text.replace(r#""price":"112.50000000""#, r#""price":1.125E+2"#);
    let CdcMessage::Change(change) = decode(text.as_bytes()).await.unwrap() else { panic!() };
    let after = change.after.unwrap();
    assert_eq!(after.quantity.to_string(), "12345678901234567890.123456");
    assert_eq!(after.price, d("112.5"));
}

#[tokio::test]
async fn escapes_whitespace_and_unknown_fields() {
    let mut value = json_envelope("c", None, Some(&future_position()), "false", Decimals::Text);
    value["after"]["desk"] = json!("r\u{e9}sum\u{e9} \"desk\"");
    value["after"]["new_column"] = json!({"nested": [1, 2, 3]});
    let text = format!("  \n{}", serde_json::to_string_pretty(&value).unwrap().replace("\u{e9}", "\\u00e9"));
    let CdcMessage::Change(change) = decode(text.as_bytes()).await.unwrap() else { panic!() };
    assert_eq!(change.after.unwrap().desk, "r\u{e9}sum\u{e9} \"desk\"");
}

#[tokio::test]
async fn tombstones_heartbeats_and_schema_changes() {
    let d = decoder();
    assert_eq!(d.decode(Some(&json_key(9)), None).await.unwrap(), CdcMessage::Tombstone { position_id: 9 });
    let key = with_schema(json!({"type": "struct"}), json!({"position_id": 10}));
    assert_eq!(d.decode(Some(&key), None).await.unwrap(), CdcMessage::Tombstone { position_id: 10 });
    let heartbeat_key = br#"{"serverName":"riskmonitor"}"#;
    assert_eq!(
        d.decode(Some(heartbeat_key), Some(br#"{"ts_ms":1795607586000}"#)).await.unwrap(),
        CdcMessage::Heartbeat
    );
    let wrapped = with_schema(json!({"type": "struct"}), json!({"ts_ms": 1}));
    assert_eq!(d.decode(Some(heartbeat_key), Some(&wrapped)).await.unwrap(), CdcMessage::Heartbeat);
    let ddl = json!({"source": {"file": "binlog.000003", "pos": 4}, "ts_ms": 1, "databaseName": "riskmonitor",
        "ddl": "DROP TABLE positions", "tableChanges": []});
    assert_eq!(decode(&bytes(&ddl)).await.unwrap(), CdcMessage::SchemaChange { ddl: "DROP TABLE positions".into() });
    assert_eq!(d.decode(Some(heartbeat_key), None).await.unwrap_err(), DecodeError::missing("key.position_id"));
}

#[tokio::test]
async fn malformed_json() {
    let p = option_position();
    let good = json_envelope("c", None, Some(&p), "false", Decimals::Text);
    let invalid = |e: &DecodeError| matches!(e, DecodeError::InvalidJson { part: Part::Value, .. });

    let text = serde_json::to_vec(&good).unwrap();
    assert!(invalid(&decode(&text[..text.len() - 1]).await.unwrap_err()));
    assert!(invalid(&decode(b"{not json}").await.unwrap_err()));
    assert!(invalid(&decode(br#"{"op":"c","op":"u"}"#).await.unwrap_err()));
    assert_eq!(decode(b"[1,2]").await.unwrap_err(), DecodeError::BadMagic { part: Part::Value, byte: b'[' });
    assert_eq!(decode(b"   ").await.unwrap_err(), DecodeError::Empty { part: Part::Value });
    let bad_key = decoder().decode(Some(b"{\"position_id\":"), Some(&text)).await.unwrap_err();
    assert!(matches!(bad_key, DecodeError::InvalidJson { part: Part::Key, .. }), "{bad_key}");

    let with = |path: &[&str], v: serde_json::Value| {
        let mut m = good.clone();
        let mut at = &mut m;
        for p in &path[..path.len() - 1] {
            at = &mut at[*p];
        }
        match v {
            serde_json::Value::Null if path.len() > 1 => {
                at.as_object_mut().unwrap().remove(path[path.len() - 1]);
            }
            v => at[path[path.len() - 1]] = v,
        }
        bytes(&m)
    };
    let cases: Vec<(Vec<u8>, DecodeError)> = vec![
        (with(&["after", "desk"], json!(null)), DecodeError::missing("after.desk")),
        (with(&["after", "quantity"], json!(null)), DecodeError::missing("after.quantity")),
        (with(&["source", "file"], json!(null)), DecodeError::missing("source.file")),
        (with(&["after"], json!(null)), DecodeError::missing("after")),
        (with(&["op"], json!("x")), DecodeError::BadOp { op: "x".into() }),
        (with(&["op"], json!(null)), DecodeError::missing("op")),
    ];
    for (value, expected) in cases {
        assert_eq!(decode(&value).await.unwrap_err(), expected);
    }
    // (record, error variant, field it names)
    let cases = [
        (with(&["after", "position_id"], json!("42")), "WrongType", "after.position_id"),
        (with(&["after", "position_id"], json!(4.2)), "WrongType", "after.position_id"),
        (with(&["after", "desk"], json!(7)), "WrongType", "after.desk"),
        (with(&["after", "quantity"], json!(true)), "WrongType", "after.quantity"),
        (with(&["after"], json!("row")), "WrongType", "after"),
        (with(&["source"], json!([1])), "WrongType", "source"),
        (with(&["source", "pos"], json!(-1)), "WrongType", "source.pos"),
        (with(&["ts_ms"], json!("soon")), "WrongType", "ts_ms"),
        (with(&["after", "instrument_type"], json!("SWAP")), "BadEnum", "after.instrument_type"),
        (with(&["after", "option_type"], json!("STRADDLE")), "BadEnum", "after.option_type"),
        (with(&["source", "snapshot"], json!("maybe")), "BadEnum", "source.snapshot"),
        (with(&["after", "price"], json!("1.2.3")), "BadDecimal", "after.price"),
        (with(&["after", "expiry"], json!(99_999_999)), "BadDateTime", "after.expiry"),
        (with(&["after", "updated_at"], json!("25/11/2026")), "BadDateTime", "after.updated_at"),
    ];
    for (value, variant, field) in cases {
        let err = decode(&value).await.unwrap_err();
        assert_eq!(named_field(&err), Some((variant, field)), "{err:?} for {}", String::from_utf8_lossy(&value));
    }

    // Base64 decimals need a readable scale, and must be base64.
    let mut schema = connect_schema(Decimals::Precise);
    let precise = json_envelope("c", None, Some(&p), "false", Decimals::Precise);
    let mut bad = precise.clone();
    bad["after"]["vega"] = json!("not base64!");
    let err = decode(&with_schema(schema.clone(), bad)).await.unwrap_err();
    assert!(matches!(&err, DecodeError::BadDecimal { field, .. } if field == "after.vega"), "{err}");
    schema["fields"][1]["fields"][5]["parameters"]["scale"] = json!("six");
    assert!(invalid(&decode(&with_schema(schema, precise)).await.unwrap_err()));
}

/// The variant and field of a field-level error.
fn named_field(e: &DecodeError) -> Option<(&'static str, &str)> {
    match e {
        DecodeError::WrongType { field, .. } => Some(("WrongType", field)),
        DecodeError::BadEnum { field, .. } => Some(("BadEnum", field)),
        DecodeError::BadDecimal { field, .. } => Some(("BadDecimal", field)),
        DecodeError::BadDateTime { field, .. } => Some(("BadDateTime", field)),
        _ => None,
    }
}

#[tokio::test]
async fn key_mismatch() {
    let value = bytes(&json_envelope("c", None, Some(&option_position()), "false", Decimals::Text));
    let err = decoder().decode(Some(&json_key(1)), Some(&value)).await.unwrap_err();
    assert_eq!(err, DecodeError::KeyMismatch { key: 1, value: 42 });
    let err = decoder().decode(Some(b"{\"position_id\":\"42\"}"), Some(&value)).await.unwrap_err();
    assert!(matches!(&err, DecodeError::WrongType { field, .. } if field == "key.position_id"), "{err}");
}
