//! One JSON object per line on stdout, like the services' logs (no logging framework needed).

use chrono::{SecondsFormat, Utc};
use serde_json::{Map, Value};

/// Prints `{"timestamp":..,"level":"INFO","target":"market_sim","event":event, ..fields}`.
pub fn info(event: &str, fields: Value) {
    let mut line = Map::new();
    line.insert("timestamp".into(), Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true).into());
    line.insert("level".into(), "INFO".into());
    line.insert("target".into(), "market_sim".into());
    line.insert("event".into(), event.into());
    if let Value::Object(fields) = fields {
        line.extend(fields);
    }
    println!("{}", Value::Object(line));
}
