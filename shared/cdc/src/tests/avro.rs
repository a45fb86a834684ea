//! Confluent-framed Avro through a real (local) registry.

use super::support::*;
use crate::{DecodeError, Decoder, Part};
use riskmonitor_domain::{CdcMessage, Op, Position, PositionChange};
use std::time::Duration;

fn change(op: Op, before: Option<Position>, after: Option<Position>, snapshot: &str) -> CdcMessage {
    let position_id = after.as_ref().or(before.as_ref()).map(|p| p.position_id).unwrap();
    CdcMessage::Change(PositionChange {
        position_id,
        op,
        before,
        after,
        source: source(snapshot, Some("0-1-42")),
        ts_ms: EVENT_TS_MS,
    })
}

#[tokio::test]
async fn create_update_delete_read_and_desk_change() {
    let registry = TestRegistry::start().await;
    let decoder = registry.decoder();
    let (opt, fut) = (option_position(), future_position());
    let mut moved = opt.clone();
    moved.desk = "exotics".into();
    moved.quantity = d("-25.000000");

    let cases = [
        ("c", None, Some(&opt), "false", change(Op::Create, None, Some(opt.clone()), "false")),
        ("r", None, Some(&fut), "first", change(Op::Read, None, Some(fut.clone()), "true")),
        ("r", None, Some(&fut), "last_in_data_collection", change(Op::Read, None, Some(fut.clone()), "true")),
        ("u", Some(&opt), Some(&moved), "false", change(Op::Update, Some(opt.clone()), Some(moved.clone()), "false")),
        ("d", Some(&fut), None, "false", change(Op::Delete, Some(fut.clone()), None, "false")),
    ];
    for (op, before, after, snapshot, expected) in cases {
        let id = after.or(before).unwrap().position_id;
        let value = avro_value(op, before, after, snapshot);
        let got = decoder.decode(Some(&avro_key(id)), Some(&value)).await.unwrap();
        assert_eq!(got, expected, "op {op}");
        // Without a key there is nothing to cross-check, same result.
        assert_eq!(decoder.decode(None, Some(&value)).await.unwrap(), expected);
    }
    // One request per schema (envelope and key), however many records.
    assert_eq!(registry.hits(), 2);
}

#[tokio::test]
async fn decimals_keep_the_schema_scale() {
    let registry = TestRegistry::start().await;
    let decoder = registry.decoder();
    let mut p = future_position();
    p.quantity = d("100"); // encoded as unscaled 100000000 with the schema's scale 6
    p.price = d("-0.00000001");
    let value = avro_value("c", None, Some(&p), "false");
    let CdcMessage::Change(change) = decoder.decode(None, Some(&value)).await.unwrap() else { panic!() };
    let after = change.after.unwrap();
    assert_eq!(after.quantity.to_string(), "100.000000");
    assert_eq!(after.quantity.as_bigint_and_exponent(), (100_000_000.into(), 6));
    assert_eq!(after.multiplier.to_string(), "1000.000000");
    assert_eq!(after.price.to_string(), "-1E-8");
    assert_eq!(after.price.as_bigint_and_exponent(), ((-1).into(), 8));
    assert_eq!(after.vega.as_bigint_and_exponent(), (0.into(), 8));
}

#[tokio::test]
async fn string_decimal_mode() {
    let registry = TestRegistry::start().await;
    let decoder = registry.decoder();
    let p = option_position();
    let value =
        framed(STRING_MODE_ID, &string_mode_schema(), avro_envelope("c", None, Some(&p), "false", Decimals::Text));
    let got = decoder.decode(Some(&avro_key(p.position_id)), Some(&value)).await.unwrap();
    assert_eq!(got, change(Op::Create, None, Some(p), "false"));
}

#[tokio::test]
async fn tombstones_heartbeats_and_schema_changes() {
    let registry = TestRegistry::start().await;
    let decoder = registry.decoder();
    assert_eq!(decoder.decode(Some(&avro_key(42)), None).await.unwrap(), CdcMessage::Tombstone { position_id: 42 });
    assert_eq!(decoder.decode(Some(&json_key(43)), None).await.unwrap(), CdcMessage::Tombstone { position_id: 43 });
    assert_eq!(decoder.decode(None, None).await.unwrap_err(), DecodeError::missing("key"));

    use apache_avro::types::Value;
    let heartbeat = framed(HEARTBEAT_ID, HEARTBEAT_SCHEMA, Value::Record(vec![("ts_ms".into(), Value::Long(5))]));
    let heartbeat_key = framed(
        HEARTBEAT_KEY_ID,
        HEARTBEAT_KEY_SCHEMA,
        Value::Record(vec![("serverName".into(), Value::String("riskmonitor".into()))]),
    );
    assert_eq!(decoder.decode(Some(&heartbeat_key), Some(&heartbeat)).await.unwrap(), CdcMessage::Heartbeat);

    let column = |name: &str| {
        Value::Record(vec![
            ("name".into(), Value::String(name.into())),
            ("jdbcType".into(), Value::Int(3)),
            ("attrs".into(), Value::Map([("k".to_owned(), Value::String("v".into()))].into())),
        ])
    };
    let ddl = "ALTER TABLE positions ADD COLUMN book VARCHAR(32)";
    let schema_change = framed(
        SCHEMA_CHANGE_ID,
        SCHEMA_CHANGE_SCHEMA,
        Value::Record(vec![
            (
                "source".into(),
                Value::Record(vec![
                    ("file".into(), Value::String("binlog.000003".into())),
                    ("pos".into(), Value::Long(4)),
                    ("row".into(), Value::Int(0)),
                    ("server_id".into(), Value::Long(1)),
                    ("ts_ms".into(), Value::Long(5)),
                ]),
            ),
            ("ts_ms".into(), Value::Long(5)),
            ("databaseName".into(), Value::Union(1, Box::new(Value::String("riskmonitor".into())))),
            ("ddl".into(), Value::Union(1, Box::new(Value::String(ddl.into())))),
            (
                "tableChanges".into(),
                Value::Array(vec![Value::Record(vec![
                    ("type".into(), Value::String("ALTER".into())),
                    ("columns".into(), Value::Array(vec![column("position_id"), column("book")])),
                ])]),
            ),
        ]),
    );
    assert_eq!(decoder.decode(None, Some(&schema_change)).await.unwrap(), CdcMessage::SchemaChange { ddl: ddl.into() });
}

#[tokio::test]
async fn key_must_match_the_row() {
    let registry = TestRegistry::start().await;
    let decoder = registry.decoder();
    let p = option_position();
    let value = avro_value("c", None, Some(&p), "false");
    let err = decoder.decode(Some(&avro_key(41)), Some(&value)).await.unwrap_err();
    assert_eq!(err, DecodeError::KeyMismatch { key: 41, value: 42 });
    let err = decoder.decode(Some(&json_key(41)), Some(&value)).await.unwrap_err();
    assert_eq!(err, DecodeError::KeyMismatch { key: 41, value: 42 });
    let heartbeat_key = br#"{"serverName":"riskmonitor"}"#;
    assert_eq!(
        decoder.decode(Some(heartbeat_key), Some(&value)).await.unwrap_err(),
        DecodeError::missing("key.position_id")
    );
}

#[tokio::test]
async fn malformed_framing_and_datums() {
    let registry = TestRegistry::start().await;
    let decoder = registry.decoder();
    let p = option_position();
    let value = avro_value("c", None, Some(&p), "false");
    let truncated = DecodeError::Truncated { part: Part::Value };

    assert_eq!(decoder.decode(None, Some(&value[..value.len() - 3])).await.unwrap_err(), truncated);
    assert_eq!(decoder.decode(None, Some(&value[..3])).await.unwrap_err(), truncated);
    assert_eq!(decoder.decode(None, Some(&[])).await.unwrap_err(), DecodeError::Empty { part: Part::Value });
    let mut bad_magic = value.clone();
    bad_magic[0] = 1;
    assert_eq!(
        decoder.decode(None, Some(&bad_magic)).await.unwrap_err(),
        DecodeError::BadMagic { part: Part::Value, byte: 1 }
    );
    let mut trailing = value.clone();
    trailing.push(0);
    assert!(matches!(
        decoder.decode(None, Some(&trailing)).await,
        Err(DecodeError::InvalidAvro { part: Part::Value, .. })
    ));
    // `before`'s union index 5 does not exist.
    let mut bad_union = value.clone();
    bad_union[5] = 10;
    assert!(matches!(decoder.decode(None, Some(&bad_union)).await, Err(DecodeError::InvalidAvro { .. })));
    // The key schema used for the value: no `op`.
    assert_eq!(decoder.decode(None, Some(&avro_key(1))).await.unwrap_err(), DecodeError::missing("op"));
    // A bad key fails the record too.
    let key_err = decoder.decode(Some(&avro_key(42)[..4]), Some(&value)).await.unwrap_err();
    assert_eq!(key_err, DecodeError::Truncated { part: Part::Key });
}

#[tokio::test]
async fn bad_values_name_their_field() {
    let registry = TestRegistry::start().await;
    let decoder = registry.decoder();
    let mut p = option_position();
    p.instrument_type = riskmonitor_domain::InstrumentType::Equity;
    let mut value = avro_envelope("c", None, Some(&p), "false", Decimals::Text);
    let apache_avro::types::Value::Record(fields) = &mut value else { panic!() };
    let apache_avro::types::Value::Union(_, after) = &mut fields[1].1 else { panic!() };
    let apache_avro::types::Value::Record(columns) = after.as_mut() else { panic!() };
    columns[3].1 = apache_avro::types::Value::String("SWAP".into());
    columns[5].1 = apache_avro::types::Value::String("1,5".into());
    let bytes = framed(STRING_MODE_ID, &string_mode_schema(), value.clone());
    let err = decoder.decode(None, Some(&bytes)).await.unwrap_err();
    assert!(
        matches!(&err, DecodeError::BadEnum { field, value, .. } if field == "after.instrument_type" && value == "SWAP"),
        "{err}"
    );

    let apache_avro::types::Value::Record(fields) = &mut value else { panic!() };
    let apache_avro::types::Value::Union(_, after) = &mut fields[1].1 else { panic!() };
    let apache_avro::types::Value::Record(columns) = after.as_mut() else { panic!() };
    columns[3].1 = apache_avro::types::Value::String("OPTION".into());
    let bytes = framed(STRING_MODE_ID, &string_mode_schema(), value);
    let err = decoder.decode(None, Some(&bytes)).await.unwrap_err();
    assert!(matches!(&err, DecodeError::BadDecimal { field, .. } if field == "after.quantity"), "{err}");
}

#[tokio::test]
async fn registry_errors() {
    let registry = TestRegistry::start().await;
    let decoder = registry.decoder();
    let frame = |id: u32| {
        let mut v = vec![0];
        v.extend_from_slice(&id.to_be_bytes());
        v.push(0);
        v
    };

    // Unknown id: the registry's 404 is final (not retryable), and not cached.
    let err = decoder.decode(None, Some(&frame(999))).await.unwrap_err();
    assert!(matches!(&err, DecodeError::UnknownSchemaId { id: 999, message } if message.contains("40403")), "{err}");
    assert!(!err.is_retryable());
    decoder.decode(None, Some(&frame(999))).await.unwrap_err();
    assert_eq!(registry.hits(), 2);

    // Schemas that can never work: final, and cached.
    for id in [JSON_SCHEMA_ID, GARBAGE_SCHEMA_ID] {
        let err = decoder.decode(None, Some(&frame(id))).await.unwrap_err();
        assert!(matches!(err, DecodeError::InvalidSchema { .. }), "{err}");
        assert!(!err.is_retryable());
        assert_eq!(decoder.decode(None, Some(&frame(id))).await.unwrap_err(), err);
    }
    assert_eq!(registry.hits(), 4);

    // 503: retryable, and the next attempt succeeds.
    registry.fail_next.store(1, std::sync::atomic::Ordering::SeqCst);
    let value = avro_value("c", None, Some(&option_position()), "false");
    let err = decoder.decode(None, Some(&value)).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert!(matches!(&err, DecodeError::RegistryUnavailable { reason, .. } if reason.contains("503")), "{err}");
    assert!(decoder.decode(None, Some(&value)).await.is_ok());

    // A 404 that is not the registry's (wrong base URL): retryable, not "unknown id".
    let wrong = Decoder::new(&format!("http://{}/apis/registry/v2", registry.addr), Duration::from_secs(5)).unwrap();
    let err = wrong.decode(None, Some(&value)).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
}

#[tokio::test]
async fn registry_down_is_retryable() {
    // A port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let decoder = Decoder::new(&format!("http://{addr}/apis/ccompat/v7"), Duration::from_secs(2)).unwrap();
    let value = avro_value("c", None, Some(&option_position()), "false");
    let err = decoder.decode(None, Some(&value)).await.unwrap_err();
    assert!(matches!(err, DecodeError::RegistryUnavailable { id: ENVELOPE_ID, .. }), "{err}");
    assert!(err.is_retryable());
    // Tombstones with an Avro key need the registry too.
    assert!(decoder.decode(Some(&avro_key(1)), None).await.unwrap_err().is_retryable());
}

#[tokio::test]
async fn registry_timeout_is_retryable() {
    // Accepts connections, never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let decoder = Decoder::new(&format!("http://{addr}"), Duration::from_millis(200)).unwrap();
    let err = decoder.decode(None, Some(&avro_value("c", None, Some(&option_position()), "false"))).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
}

#[tokio::test]
async fn concurrent_first_use_fetches_once() {
    let registry = TestRegistry::start().await;
    let decoder = registry.decoder();
    let value = avro_value("c", None, Some(&option_position()), "false");
    let key = avro_key(42);
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (decoder, value, key) = (decoder.clone(), value.clone(), key.clone());
            tokio::spawn(async move { decoder.decode(Some(&key), Some(&value)).await })
        })
        .collect();
    for task in tasks {
        assert!(matches!(task.await.unwrap(), Ok(CdcMessage::Change(_))));
    }
    assert_eq!(registry.hits(), 2);
}

#[test]
fn bad_registry_urls() {
    assert!(Decoder::new("not a url", Duration::from_secs(1)).is_err());
    assert!(Decoder::new("ftp://registry", Duration::from_secs(1)).is_err());
    assert!(Decoder::new("http://registry:8080/apis/ccompat/v7/", Duration::from_secs(1)).is_ok());
}

#[test]
fn decoder_is_send_sync_clone() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<Decoder>();
    fn future_is_send<F: std::future::Future + Send>(_: F) {}
    let decoder = Decoder::new("http://127.0.0.1:1", Duration::from_secs(1)).unwrap();
    future_is_send(decoder.decode(None, None));
}
