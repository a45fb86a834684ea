//! Debezium connectors of the test's own (their own topic, name and replication client id),
//! rendered from the same `debezium/` files as the dev stack's connector.

use crate::TestEnv;
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Avro,
    Json,
}

fn debezium_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../debezium")
}

fn load(name: &str) -> Map<String, Value> {
    let text = std::fs::read_to_string(debezium_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    match serde_json::from_str(&text) {
        Ok(Value::Object(m)) => m,
        other => panic!("{name} is not a JSON object: {other:?}"),
    }
}

/// The connector configuration `debezium/render.py` produces, built in Rust.
pub fn render(env: &TestEnv, format: Format, name: &str, topic: &str, server_id: u32, tuned: bool) -> Value {
    let mut config = load("positions-connector.json");
    config.extend(load(match format {
        Format::Avro => "converter-avro.json",
        Format::Json => "converter-json.json",
    }));
    if tuned {
        config.extend(load("latency-tuned.json"));
    }
    let subs = [
        ("${DB_HOST}", "127.0.0.1".to_owned()),
        ("${DB_PORT}", env.mariadb_port.to_string()),
        ("${DB_USER}", env.dbz_user.clone()),
        ("${DB_PASSWORD}", env.dbz_password.clone()),
        ("${SERVER_ID}", server_id.to_string()),
        ("${NAME}", name.to_owned()),
        ("${PREFIX}", name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect()),
        ("${TOPIC}", topic.to_owned()),
        ("${BROKERS}", env.brokers.clone()),
        ("${REGISTRY}", env.registry_url.trim_end_matches('/').to_owned()),
    ];
    let rendered: Map<String, Value> = config
        .into_iter()
        .map(|(k, v)| {
            let mut s = v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string());
            for (from, to) in &subs {
                s = s.replace(from, to);
            }
            (k, Value::String(s))
        })
        .collect();
    Value::Object(rendered)
}

/// A registered connector, deleted when dropped... explicitly, with [`Connector::delete`].
pub struct Connector {
    pub name: String,
    connect_url: String,
}

impl Connector {
    /// Registers `config` under `name` and waits until it and its task run.
    pub async fn register(env: &TestEnv, name: &str, config: Value) -> Self {
        let client = reqwest::Client::new();
        let url = format!("{}/connectors/{name}/config", env.connect_url);
        let resp = client.put(&url).json(&config).send().await.unwrap_or_else(|e| panic!("PUT {url}: {e}"));
        let status = resp.status();
        assert!(status.is_success(), "registering {name}: HTTP {status}: {}", resp.text().await.unwrap_or_default());
        let status_url = format!("{}/connectors/{name}/status", env.connect_url);
        crate::wait_until(&format!("connector {name} running"), Duration::from_secs(90), || {
            let (client, status_url) = (client.clone(), status_url.clone());
            async move {
                let s: Value = client.get(&status_url).send().await.ok()?.json().await.ok()?;
                let running = s["connector"]["state"] == "RUNNING"
                    && s["tasks"]
                        .as_array()
                        .is_some_and(|t| !t.is_empty() && t.iter().all(|t| t["state"] == "RUNNING"));
                running.then_some(())
            }
        })
        .await;
        Self { name: name.to_owned(), connect_url: env.connect_url.clone() }
    }

    pub async fn delete(self) {
        let url = format!("{}/connectors/{}", self.connect_url, self.name);
        let _ = reqwest::Client::new().delete(&url).send().await;
    }
}
