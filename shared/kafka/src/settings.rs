//! Kafka settings: brokers, registry, extra librdkafka properties, and every topic with its
//! partitions and retention (created by the `create-topics` subcommand).

use riskmonitor_runtime::SettingsError;
use riskmonitor_runtime::settings::reject;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KafkaSettings {
    /// `host:port[,host:port...]`.
    pub brokers: String,
    /// Confluent-compatible schema registry API, e.g. Apicurio's `http://host:port/apis/ccompat/v7`.
    pub registry_url: String,
    pub registry_timeout_ms: u64,
    /// Extra librdkafka properties for every client (security.protocol, sasl.*, ...).
    pub properties: BTreeMap<String, String>,
    pub topics: Topics,
}

impl Default for KafkaSettings {
    fn default() -> Self {
        Self {
            brokers: "127.0.0.1:19092".into(),
            registry_url: "http://127.0.0.1:18081/apis/ccompat/v7".into(),
            registry_timeout_ms: 5_000,
            properties: BTreeMap::new(),
            topics: Topics::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Topics {
    pub positions_cdc: TopicSpec,
    pub alerts_pending_analysis: TopicSpec,
    pub alerts_pending_delivery: TopicSpec,
    /// Dead-letter topics, one per consumer.
    pub positions_cdc_dlq: TopicSpec,
    pub alerts_pending_analysis_dlq: TopicSpec,
    pub alerts_pending_delivery_dlq: TopicSpec,
}

const DAY_MS: i64 = 24 * 3600 * 1000;

impl Default for Topics {
    fn default() -> Self {
        Self {
            positions_cdc: TopicSpec::new("positions_cdc", 6, 7 * DAY_MS),
            alerts_pending_analysis: TopicSpec::new("alerts_pending_analysis", 6, 7 * DAY_MS),
            alerts_pending_delivery: TopicSpec::new("alerts_pending_delivery", 6, 7 * DAY_MS),
            positions_cdc_dlq: TopicSpec::new("positions_cdc.dlq", 1, 30 * DAY_MS),
            alerts_pending_analysis_dlq: TopicSpec::new("alerts_pending_analysis.dlq", 1, 30 * DAY_MS),
            alerts_pending_delivery_dlq: TopicSpec::new("alerts_pending_delivery.dlq", 1, 30 * DAY_MS),
        }
    }
}

impl Topics {
    pub fn all(&self) -> [&TopicSpec; 6] {
        [
            &self.positions_cdc,
            &self.alerts_pending_analysis,
            &self.alerts_pending_delivery,
            &self.positions_cdc_dlq,
            &self.alerts_pending_analysis_dlq,
            &self.alerts_pending_delivery_dlq,
        ]
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TopicSpec {
    pub name: String,
    pub partitions: i32,
    pub replication_factor: i32,
    /// `retention.ms`; -1 keeps messages forever.
    pub retention_ms: i64,
}

impl TopicSpec {
    pub fn new(name: &str, partitions: i32, retention_ms: i64) -> Self {
        Self { name: name.into(), partitions, replication_factor: 1, retention_ms }
    }
}

impl Default for TopicSpec {
    fn default() -> Self {
        Self::new("", 1, 7 * DAY_MS)
    }
}

impl KafkaSettings {
    pub fn validate(&self) -> Result<(), SettingsError> {
        if self.brokers.trim().is_empty() {
            return Err(reject("kafka.brokers", "must name at least one host:port"));
        }
        if !(self.registry_url.starts_with("http://") || self.registry_url.starts_with("https://")) {
            return Err(reject("kafka.registry_url", "must be an http(s) URL"));
        }
        let t = &self.topics;
        let named = [
            ("kafka.topics.positions_cdc", &t.positions_cdc),
            ("kafka.topics.alerts_pending_analysis", &t.alerts_pending_analysis),
            ("kafka.topics.alerts_pending_delivery", &t.alerts_pending_delivery),
            ("kafka.topics.positions_cdc_dlq", &t.positions_cdc_dlq),
            ("kafka.topics.alerts_pending_analysis_dlq", &t.alerts_pending_analysis_dlq),
            ("kafka.topics.alerts_pending_delivery_dlq", &t.alerts_pending_delivery_dlq),
        ];
        for (key, spec) in named {
            if spec.name.is_empty() || spec.name.len() > 249 {
                return Err(reject(&format!("{key}.name"), "must be 1 to 249 characters"));
            }
            if !spec.name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
                return Err(reject(&format!("{key}.name"), "may contain only [a-zA-Z0-9._-]"));
            }
            if spec.partitions < 1 {
                return Err(reject(&format!("{key}.partitions"), "must be at least 1"));
            }
            if spec.replication_factor < 1 {
                return Err(reject(&format!("{key}.replication_factor"), "must be at least 1"));
            }
            if spec.retention_ms < -1 || spec.retention_ms == 0 {
                return Err(reject(&format!("{key}.retention_ms"), "must be positive, or -1 for unlimited"));
            }
        }
        Ok(())
    }

    /// Base librdkafka configuration for any client of this cluster.
    pub fn client_config(&self, client_id: &str) -> rdkafka::ClientConfig {
        let mut c = rdkafka::ClientConfig::new();
        c.set("bootstrap.servers", &self.brokers).set("client.id", client_id);
        for (k, v) in &self.properties {
            c.set(k, v);
        }
        c
    }
}
