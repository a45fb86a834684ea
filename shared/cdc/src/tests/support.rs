//! Test fixtures: Debezium-shaped positions, their Avro and JSON encodings, and a local
//! Confluent-compatible registry served over real HTTP.

use apache_avro::Decimal;
use apache_avro::types::Value;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use base64::Engine;
use bigdecimal::BigDecimal;
use chrono::{DateTime, NaiveDate, Utc};
use riskmonitor_domain::{InstrumentType, OptionType, Position, SourcePosition};
use serde_json::json;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub const ENVELOPE_SCHEMA: &str = include_str!("../../tests/fixtures/real_envelope_schema.avsc");
pub const KEY_SCHEMA: &str = include_str!("../../tests/fixtures/real_key_schema.avsc");
pub const HEARTBEAT_SCHEMA: &str = r#"{"type":"record","name":"Heartbeat","namespace":"io.debezium.connector.common","fields":[{"name":"ts_ms","type":"long"}]}"#;
pub const HEARTBEAT_KEY_SCHEMA: &str = r#"{"type":"record","name":"ServerNameKey","namespace":"io.debezium.connector.common","fields":[{"name":"serverName","type":"string"}]}"#;
pub const SCHEMA_CHANGE_SCHEMA: &str = r#"{"type":"record","name":"SchemaChangeValue","namespace":"io.debezium.connector.mariadb","fields":[
  {"name":"source","type":{"type":"record","name":"Source","fields":[
    {"name":"file","type":"string"},{"name":"pos","type":"long"},{"name":"row","type":"int"},
    {"name":"server_id","type":"long"},{"name":"ts_ms","type":"long"}]}},
  {"name":"ts_ms","type":"long"},
  {"name":"databaseName","type":["null","string"]},
  {"name":"ddl","type":["null","string"]},
  {"name":"tableChanges","type":{"type":"array","items":{"type":"record","name":"Change","fields":[
    {"name":"type","type":"string"},
    {"name":"columns","type":{"type":"array","items":{"type":"record","name":"Column","fields":[
      {"name":"name","type":"string"},{"name":"jdbcType","type":"int"},
      {"name":"attrs","type":{"type":"map","values":"string"}}]}}}]}}}]}"#;

/// Schema ids the test registry serves.
pub const ENVELOPE_ID: u32 = 1;
pub const KEY_ID: u32 = 2;
pub const HEARTBEAT_ID: u32 = 3;
pub const HEARTBEAT_KEY_ID: u32 = 4;
pub const SCHEMA_CHANGE_ID: u32 = 5;
pub const STRING_MODE_ID: u32 = 6;
pub const JSON_SCHEMA_ID: u32 = 7;
pub const GARBAGE_SCHEMA_ID: u32 = 8;

pub fn d(s: &str) -> BigDecimal {
    BigDecimal::from_str(s).unwrap()
}

/// A call option: every nullable column set.
pub fn option_position() -> Position {
    Position {
        position_id: 42,
        desk: "vol-arb".into(),
        instrument_id: "SPX-20261218-C-6000".into(),
        instrument_type: InstrumentType::Option,
        underlying: "SPX".into(),
        quantity: d("-12.500000"),
        multiplier: d("100.000000"),
        price: d("4321.12345678"),
        delta: d("0.55000000"),
        vega: d("1.23456789"),
        option_type: Some(OptionType::Call),
        strike: Some(d("6000.00000000")),
        expiry: NaiveDate::from_ymd_opt(2026, 12, 18),
        currency: "USD".into(),
        updated_at: Some(DateTime::parse_from_rfc3339("2026-11-25T11:53:06.812913Z").unwrap().with_timezone(&Utc)),
    }
}

/// A future: the nullable columns null.
pub fn future_position() -> Position {
    Position {
        position_id: 7,
        desk: "rates".into(),
        instrument_id: "UST10Y-FUT-DEC26".into(),
        instrument_type: InstrumentType::Future,
        underlying: "UST10Y".into(),
        quantity: d("100.000000"),
        multiplier: d("1000.000000"),
        price: d("112.50000000"),
        delta: d("1.00000000"),
        vega: d("0.00000000"),
        option_type: None,
        strike: None,
        expiry: None,
        currency: "USD".into(),
        updated_at: Some(DateTime::parse_from_rfc3339("2026-11-25T11:53:07Z").unwrap().with_timezone(&Utc)),
    }
}

pub fn source(snapshot: &str, gtid: Option<&str>) -> SourcePosition {
    SourcePosition {
        file: "binlog.000003".into(),
        pos: 2038,
        row: 1,
        snapshot: snapshot != "false",
        server_id: 1,
        gtid: gtid.map(str::to_owned),
        ts_ms: 1_795_607_586_000,
    }
}

pub const EVENT_TS_MS: i64 = 1_795_607_586_900;

/// How a decimal column is encoded.
#[derive(Clone, Copy, PartialEq)]
pub enum Decimals {
    /// `decimal.handling.mode=precise`: Avro decimal / base64 Connect Decimal.
    Precise,
    /// `decimal.handling.mode=string`.
    Text,
}

fn unscaled(value: &BigDecimal, scale: i64) -> Vec<u8> {
    value.with_scale(scale).as_bigint_and_exponent().0.to_signed_bytes_be()
}

fn days(date: NaiveDate) -> i32 {
    (date - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32
}

fn timestamp(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.fZ").to_string()
}

const SCALES: [(&str, i64); 6] =
    [("quantity", 6), ("multiplier", 6), ("price", 8), ("delta", 8), ("vega", 8), ("strike", 8)];

// ---------------------------------------------------------------------------------------------
// Avro
// ---------------------------------------------------------------------------------------------

fn avro_decimal(value: &BigDecimal, scale: i64, mode: Decimals) -> Value {
    match mode {
        Decimals::Precise => Value::Decimal(Decimal::from(unscaled(value, scale))),
        Decimals::Text => Value::String(value.with_scale(scale).to_string()),
    }
}

fn nullable(value: Option<Value>) -> Value {
    match value {
        None => Value::Union(0, Box::new(Value::Null)),
        Some(v) => Value::Union(1, Box::new(v)),
    }
}

pub fn avro_row(p: &Position, mode: Decimals) -> Value {
    Value::Record(vec![
        ("position_id".into(), Value::Long(p.position_id)),
        ("desk".into(), Value::String(p.desk.clone())),
        ("instrument_id".into(), Value::String(p.instrument_id.clone())),
        ("instrument_type".into(), Value::String(p.instrument_type.as_str().into())),
        ("underlying".into(), Value::String(p.underlying.clone())),
        ("quantity".into(), avro_decimal(&p.quantity, 6, mode)),
        ("multiplier".into(), avro_decimal(&p.multiplier, 6, mode)),
        ("price".into(), avro_decimal(&p.price, 8, mode)),
        ("delta".into(), avro_decimal(&p.delta, 8, mode)),
        ("vega".into(), avro_decimal(&p.vega, 8, mode)),
        ("option_type".into(), nullable(p.option_type.map(|o| Value::String(o.as_str().into())))),
        ("strike".into(), nullable(p.strike.as_ref().map(|s| avro_decimal(s, 8, mode)))),
        ("expiry".into(), nullable(p.expiry.map(|e| Value::Int(days(e))))),
        ("currency".into(), Value::String(p.currency.clone())),
        ("updated_at".into(), Value::String(p.updated_at.as_ref().map_or("1970-01-01T00:00:00Z".into(), timestamp))),
    ])
}

fn avro_source(snapshot: &str, gtid: Option<&str>) -> Value {
    let s = source(snapshot, gtid);
    let string = |v: &str| Value::String(v.into());
    Value::Record(vec![
        ("version".into(), string("3.5.0.Final")),
        ("connector".into(), string("mariadb")),
        ("name".into(), string("riskmonitor-positions")),
        ("ts_ms".into(), Value::Long(s.ts_ms)),
        ("snapshot".into(), Value::Union(0, Box::new(string(snapshot)))), // ["enum string", "null"]
        ("db".into(), string("riskmonitor")),
        ("sequence".into(), nullable(None)),
        ("ts_us".into(), nullable(Some(Value::Long(s.ts_ms * 1000)))),
        ("ts_ns".into(), nullable(Some(Value::Long(s.ts_ms * 1_000_000)))),
        ("table".into(), nullable(Some(string("positions")))),
        ("server_id".into(), Value::Long(s.server_id)),
        ("gtid".into(), nullable(gtid.map(string))),
        ("file".into(), string(&s.file)),
        ("pos".into(), Value::Long(s.pos as i64)),
        ("row".into(), Value::Int(s.row as i32)),
        ("thread".into(), nullable(Some(Value::Long(12)))),
        ("query".into(), nullable(None)),
    ])
}

pub fn avro_envelope(
    op: &str,
    before: Option<&Position>,
    after: Option<&Position>,
    snapshot: &str,
    mode: Decimals,
) -> Value {
    Value::Record(vec![
        ("before".into(), nullable(before.map(|p| avro_row(p, mode)))),
        ("after".into(), nullable(after.map(|p| avro_row(p, mode)))),
        ("source".into(), avro_source(snapshot, Some("0-1-42"))),
        ("transaction".into(), nullable(None)),
        ("op".into(), Value::String(op.into())),
        ("ts_ms".into(), nullable(Some(Value::Long(EVENT_TS_MS)))),
        ("ts_us".into(), nullable(Some(Value::Long(EVENT_TS_MS * 1000)))),
        ("ts_ns".into(), nullable(None)),
    ])
}

/// Confluent framing: magic byte, schema id, Avro datum.
#[allow(deprecated)] // the simple datum API is enough to produce fixtures
pub fn framed(id: u32, schema: &str, value: Value) -> Vec<u8> {
    let schema = crate::avro::schema::parse(schema).unwrap();
    let mut out = vec![0];
    out.extend_from_slice(&id.to_be_bytes());
    out.extend(apache_avro::to_avro_datum(&schema, value).unwrap());
    out
}

pub fn avro_key(position_id: i64) -> Vec<u8> {
    framed(KEY_ID, KEY_SCHEMA, Value::Record(vec![("position_id".into(), Value::Long(position_id))]))
}

pub fn avro_value(op: &str, before: Option<&Position>, after: Option<&Position>, snapshot: &str) -> Vec<u8> {
    framed(ENVELOPE_ID, ENVELOPE_SCHEMA, avro_envelope(op, before, after, snapshot, Decimals::Precise))
}

/// The envelope schema as Debezium writes it with `decimal.handling.mode=string`.
pub fn string_mode_schema() -> String {
    let mut schema: serde_json::Value = serde_json::from_str(ENVELOPE_SCHEMA).unwrap();
    let fields = schema["fields"][0]["type"][1]["fields"].as_array_mut().unwrap();
    for field in fields {
        let name = field["name"].as_str().unwrap().to_owned();
        if SCALES.iter().any(|(n, _)| *n == name) {
            field["type"] = if name == "strike" { json!(["null", "string"]) } else { json!("string") };
            field.as_object_mut().unwrap().remove("default");
        }
    }
    schema.to_string()
}

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

fn json_decimal(value: &BigDecimal, scale: i64, mode: Decimals) -> serde_json::Value {
    match mode {
        Decimals::Precise => json!(base64::engine::general_purpose::STANDARD.encode(unscaled(value, scale))),
        Decimals::Text => json!(value.with_scale(scale).to_string()),
    }
}

pub fn json_row(p: &Position, mode: Decimals) -> serde_json::Value {
    json!({
        "position_id": p.position_id,
        "desk": p.desk,
        "instrument_id": p.instrument_id,
        "instrument_type": p.instrument_type.as_str(),
        "underlying": p.underlying,
        "quantity": json_decimal(&p.quantity, 6, mode),
        "multiplier": json_decimal(&p.multiplier, 6, mode),
        "price": json_decimal(&p.price, 8, mode),
        "delta": json_decimal(&p.delta, 8, mode),
        "vega": json_decimal(&p.vega, 8, mode),
        "option_type": p.option_type.map(|o| o.as_str()),
        "strike": p.strike.as_ref().map(|s| json_decimal(s, 8, mode)),
        "expiry": p.expiry.map(days),
        "currency": p.currency,
        "updated_at": p.updated_at.as_ref().map(timestamp),
    })
}

pub fn json_envelope(
    op: &str,
    before: Option<&Position>,
    after: Option<&Position>,
    snapshot: &str,
    mode: Decimals,
) -> serde_json::Value {
    let s = source(snapshot, Some("0-1-42"));
    json!({
        "before": before.map(|p| json_row(p, mode)),
        "after": after.map(|p| json_row(p, mode)),
        "source": {
            "version": "3.5.0.Final", "connector": "mariadb", "name": "riskmonitor-positions",
            "ts_ms": s.ts_ms, "snapshot": snapshot, "db": "riskmonitor", "sequence": null,
            "ts_us": s.ts_ms * 1000, "ts_ns": s.ts_ms * 1_000_000, "table": "positions",
            "server_id": s.server_id, "gtid": s.gtid, "file": s.file, "pos": s.pos, "row": s.row,
            "thread": 12, "query": null
        },
        "transaction": null,
        "op": op,
        "ts_ms": EVENT_TS_MS,
        "ts_us": EVENT_TS_MS * 1000,
        "ts_ns": EVENT_TS_MS * 1_000_000
    })
}

/// The Connect schema `JsonConverter` (`schemas.enable=true`) puts next to the payload.
pub fn connect_schema(mode: Decimals) -> serde_json::Value {
    let decimal = |field: &str, scale: i64, optional: bool| match mode {
        Decimals::Precise => {
            json!({"type": "bytes", "optional": optional, "name": "org.apache.kafka.connect.data.Decimal",
            "version": 1, "parameters": {"scale": scale.to_string(), "connect.decimal.precision": "24"}, "field": field})
        }
        Decimals::Text => json!({"type": "string", "optional": optional, "field": field}),
    };
    let scalar = |ty: &str, field: &str, optional: bool| json!({"type": ty, "optional": optional, "field": field});
    let row = |field: &str| {
        let mut fields = vec![
            scalar("int64", "position_id", false),
            scalar("string", "desk", false),
            scalar("string", "instrument_id", false),
            json!({"type": "string", "optional": false, "name": "io.debezium.data.Enum", "version": 1,
                   "parameters": {"allowed": "EQUITY,FUTURE,OPTION"}, "field": "instrument_type"}),
            scalar("string", "underlying", false),
        ];
        for (name, scale) in &SCALES[..5] {
            fields.push(decimal(name, *scale, false));
        }
        fields.push(scalar("string", "option_type", true));
        fields.push(decimal("strike", 8, true));
        fields.push(json!({"type": "int32", "optional": true, "name": "io.debezium.time.Date", "version": 1, "field": "expiry"}));
        fields.push(scalar("string", "currency", false));
        fields.push(json!({"type": "string", "optional": false, "name": "io.debezium.time.ZonedTimestamp", "version": 1, "field": "updated_at"}));
        json!({"type": "struct", "fields": fields, "optional": true, "name": "riskmonitor-positions.riskmonitor.positions.Value", "field": field})
    };
    json!({"type": "struct", "fields": [
        row("before"), row("after"),
        {"type": "struct", "fields": [scalar("string", "file", false), scalar("int64", "pos", false)], "optional": false,
         "name": "io.debezium.connector.mariadb.Source", "field": "source"},
        scalar("string", "op", false), scalar("int64", "ts_ms", true)
    ], "optional": false, "name": "riskmonitor-positions.riskmonitor.positions.Envelope", "version": 2})
}

pub fn with_schema(schema: serde_json::Value, payload: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"schema": schema, "payload": payload})).unwrap()
}

pub fn json_key(position_id: i64) -> Vec<u8> {
    serde_json::to_vec(&json!({"position_id": position_id})).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Registry
// ---------------------------------------------------------------------------------------------

/// A Confluent-compatible registry on a local port, counting the requests it gets.
pub struct TestRegistry {
    pub addr: SocketAddr,
    pub hits: Arc<AtomicUsize>,
    /// Answer this many requests with 503 before behaving.
    pub fail_next: Arc<AtomicUsize>,
}

#[derive(Clone)]
struct RegistryState {
    schemas: Arc<HashMap<u32, serde_json::Value>>,
    hits: Arc<AtomicUsize>,
    fail_next: Arc<AtomicUsize>,
}

async fn schema_by_id(State(state): State<RegistryState>, Path(id): Path<u32>) -> impl IntoResponse {
    state.hits.fetch_add(1, Ordering::SeqCst);
    let content_type = [("content-type", "application/vnd.schemaregistry.v1+json")];
    if state.fail_next.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
        let body = json!({"error_code": 50003, "message": "storage unavailable"}).to_string();
        return (StatusCode::SERVICE_UNAVAILABLE, content_type, body);
    }
    match state.schemas.get(&id) {
        Some(body) => (StatusCode::OK, content_type, body.to_string()),
        None => {
            (StatusCode::NOT_FOUND, content_type, r#"{"error_code":40403,"message":"Schema not found"}"#.to_owned())
        }
    }
}

impl TestRegistry {
    /// Serves the fixture schemas under `/apis/ccompat/v7/schemas/ids/{id}`.
    pub async fn start() -> TestRegistry {
        let avro = |s: &str| json!({"schema": s});
        let schemas = HashMap::from([
            (ENVELOPE_ID, avro(ENVELOPE_SCHEMA)),
            (KEY_ID, json!({"schema": KEY_SCHEMA, "schemaType": "AVRO", "references": []})),
            (HEARTBEAT_ID, avro(HEARTBEAT_SCHEMA)),
            (HEARTBEAT_KEY_ID, avro(HEARTBEAT_KEY_SCHEMA)),
            (SCHEMA_CHANGE_ID, avro(SCHEMA_CHANGE_SCHEMA)),
            (STRING_MODE_ID, avro(&string_mode_schema())),
            (JSON_SCHEMA_ID, json!({"schema": "{\"type\":\"object\"}", "schemaType": "JSON"})),
            (GARBAGE_SCHEMA_ID, avro(r#"{"type":"record","name":"X","fields":[{"name":"a","type":"no-such-type"}]}"#)),
        ]);
        let hits = Arc::new(AtomicUsize::new(0));
        let fail_next = Arc::new(AtomicUsize::new(0));
        let state = RegistryState { schemas: Arc::new(schemas), hits: hits.clone(), fail_next: fail_next.clone() };
        let app = Router::new().route("/apis/ccompat/v7/schemas/ids/{id}", get(schema_by_id)).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        TestRegistry { addr, hits, fail_next }
    }

    pub fn url(&self) -> String {
        format!("http://{}/apis/ccompat/v7", self.addr)
    }

    pub fn decoder(&self) -> crate::Decoder {
        crate::Decoder::new(&self.url(), std::time::Duration::from_secs(5)).unwrap()
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}
