//! Synthetic change events in exactly the dev stack's format: a real Debezium message from
//! `positions_cdc` (Avro, Confluent wire format) is the template; its schema comes from the
//! registry, and copies with other ids, desks, amounts and binlog positions are encoded with it.

use apache_avro::Schema;
use apache_avro::types::Value;
use bigdecimal::num_bigint::BigInt;
use rdkafka::Message;
use rdkafka::consumer::Consumer;
use riskmonitor_testkit::TestEnv;
use std::collections::HashMap;
use std::time::Duration;

pub struct EventFactory {
    value_schema: Schema,
    value_id: u32,
    key_schema: Schema,
    key_id: u32,
    template: Value,
    key_template: Value,
}

/// Amounts as unscaled integers at the column scales (quantity 6, price/delta/vega 8).
pub struct Amounts {
    pub quantity_e6: i64,
    pub price_e8: i64,
    pub delta_e8: i64,
    pub vega_e8: i64,
}

async fn schema(env: &TestEnv, id: u32) -> Option<Schema> {
    let url = format!("{}/schemas/ids/{id}", env.ccompat_url());
    let body: serde_json::Value = reqwest::get(&url).await.ok()?.json().await.ok()?;
    Schema::parse_str(body["schema"].as_str()?).ok()
}

fn wire_id(bytes: &[u8]) -> Option<u32> {
    (bytes.len() > 5 && bytes[0] == 0).then(|| u32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]))
}

#[allow(deprecated)] // the simple datum API is enough here
fn decode(schema: &Schema, bytes: &[u8]) -> Option<Value> {
    apache_avro::from_avro_datum(schema, &mut &bytes[5..], None).ok()
}

impl EventFactory {
    /// Finds a decodable Debezium Avro message with an `after` image in `topic`.
    pub async fn from_topic(env: &TestEnv, topic: &str) -> Self {
        let consumer = riskmonitor_testkit::kafka::consumer(env, &[topic]);
        let mut schemas: HashMap<u32, Option<Schema>> = HashMap::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let msg = tokio::time::timeout_at(deadline, consumer.recv())
                .await
                .unwrap_or_else(|_| panic!("no Avro change event in {topic}: insert a position first"))
                .unwrap_or_else(|e| panic!("{e}"));
            let (Some(key), Some(value)) = (msg.key(), msg.payload()) else { continue };
            let (Some(kid), Some(vid)) = (wire_id(key), wire_id(value)) else { continue };
            for id in [kid, vid] {
                if let std::collections::hash_map::Entry::Vacant(slot) = schemas.entry(id) {
                    slot.insert(schema(env, id).await);
                }
            }
            let (Some(Some(ks)), Some(Some(vs))) = (schemas.get(&kid), schemas.get(&vid)) else { continue };
            let (Some(k), Some(v)) = (decode(ks, key), decode(vs, value)) else { continue };
            if let Value::Record(fields) = &v
                && fields.iter().any(|(n, f)| {
                    n == "after" && matches!(f, Value::Union(_, inner) if !matches!(**inner, Value::Null))
                })
            {
                consumer.unsubscribe();
                return Self {
                    value_schema: vs.clone(),
                    value_id: vid,
                    key_schema: ks.clone(),
                    key_id: kid,
                    template: v,
                    key_template: k,
                };
            }
        }
    }

    /// One create/update event (`op` "c" or "u") for `position_id` on `desk` at binlog `pos`.
    #[allow(deprecated)]
    pub fn event(&self, op: &str, position_id: i64, desk: &str, a: &Amounts, pos: i64) -> (Vec<u8>, Vec<u8>) {
        let mut value = self.template.clone();
        if let Value::Record(fields) = &mut value {
            for (name, field) in fields.iter_mut() {
                match name.as_str() {
                    "before" => *field = null_branch(field),
                    "after" => set_after(field, position_id, desk, a),
                    "op" => *field = Value::String(op.to_owned()),
                    "source" => set_source(field, pos),
                    _ => {}
                }
            }
        }
        let mut key = self.key_template.clone();
        if let Value::Record(fields) = &mut key {
            for (name, field) in fields.iter_mut() {
                if name == "position_id" {
                    *field = Value::Long(position_id);
                }
            }
        }
        let encode = |schema: &Schema, id: u32, v: Value| {
            let mut out = vec![0u8];
            out.extend_from_slice(&id.to_be_bytes());
            out.extend(apache_avro::to_avro_datum(schema, v).unwrap_or_else(|e| panic!("encode: {e}")));
            out
        };
        (encode(&self.key_schema, self.key_id, key), encode(&self.value_schema, self.value_id, value))
    }
}

fn null_branch(field: &Value) -> Value {
    match field {
        Value::Union(_, _) => Value::Union(0, Box::new(Value::Null)),
        other => other.clone(),
    }
}

fn decimal(unscaled: i64) -> Value {
    Value::Decimal(apache_avro::Decimal::from(BigInt::from(unscaled).to_signed_bytes_be()))
}

fn set_after(field: &mut Value, id: i64, desk: &str, a: &Amounts) {
    let Value::Union(_, inner) = field else { return };
    let Value::Record(cols) = inner.as_mut() else { return };
    for (name, col) in cols.iter_mut() {
        match name.as_str() {
            "position_id" => *col = Value::Long(id),
            "desk" => *col = Value::String(desk.to_owned()),
            "instrument_id" => *col = Value::String(format!("I{id}")),
            "quantity" => *col = decimal(a.quantity_e6),
            "price" => *col = decimal(a.price_e8),
            "delta" => *col = decimal(a.delta_e8),
            "vega" => *col = decimal(a.vega_e8),
            _ => {}
        }
    }
}

fn set_source(field: &mut Value, pos: i64) {
    let Value::Record(cols) = field else { return };
    for (name, col) in cols.iter_mut() {
        match name.as_str() {
            "pos" => *col = Value::Long(pos),
            "row" => *col = Value::Int(0),
            "file" => *col = Value::String("binlog.999999".into()),
            "snapshot" => match col {
                Value::String(_) => *col = Value::String("false".into()),
                Value::Union(i, inner) if matches!(**inner, Value::String(_)) => {
                    *col = Value::Union(*i, Box::new(Value::String("false".into())));
                }
                _ => {}
            },
            _ => {}
        }
    }
}
