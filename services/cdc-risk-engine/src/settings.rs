//! cdc-risk-engine's settings (`--print-config` shows the effective values).

use riskmonitor_db::DatabaseSettings;
use riskmonitor_kafka::KafkaSettings;
use riskmonitor_runtime::admin::AdminSettings;
use riskmonitor_runtime::service::ServiceSettings;
use riskmonitor_runtime::settings::{SettingsError, Validate, reject};
use riskmonitor_runtime::telemetry::TelemetrySettings;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub telemetry: TelemetrySettings,
    pub admin: AdminSettings,
    pub database: DatabaseSettings,
    pub kafka: KafkaSettings,
    pub engine: EngineSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            telemetry: TelemetrySettings::default(),
            admin: AdminSettings::with_port(19101),
            database: DatabaseSettings::default(),
            kafka: KafkaSettings::default(),
            engine: EngineSettings::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EngineSettings {
    /// Consumer group of the engine replicas.
    pub group_id: String,
    /// Most events in one batch. While a backlog drains, batches fill up to this (the newest
    /// change per position is all that is written, so big batches write far fewer rows); in
    /// steady flow they close after `batch_linger_ms`.
    pub max_batch: usize,
    /// Transactions a batch is split into, applied side by side (disjoint positions).
    pub apply_parallelism: usize,
    /// Longest wait to fill a batch once its first event arrived.
    pub batch_linger_ms: u64,
    /// How often `risk_limits` is re-read; a changed limit is evaluated within this period.
    pub limits_poll_ms: u64,
    /// How often every desk with a limit is re-evaluated even without changes (self-healing).
    pub full_evaluation_secs: u64,
    /// How often the outbox relay looks for rows left by crashed replicas.
    pub outbox_poll_ms: u64,
    /// Attempts for a batch that hits deadlocks or lost connections before the engine stops.
    pub max_batch_retries: u32,
    /// Seconds to finish the batch in flight on SIGTERM.
    pub shutdown_grace_secs: u64,
}

impl Default for EngineSettings {
    fn default() -> Self {
        Self {
            group_id: "cdc-risk-engine".into(),
            max_batch: 50_000,
            apply_parallelism: 1,
            batch_linger_ms: 20,
            limits_poll_ms: 1_000,
            full_evaluation_secs: 30,
            outbox_poll_ms: 500,
            max_batch_retries: 20,
            shutdown_grace_secs: 8,
        }
    }
}

impl Validate for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        self.database.validate()?;
        self.kafka.validate()?;
        let e = &self.engine;
        if e.group_id.trim().is_empty() {
            return Err(reject("engine.group_id", "must not be empty"));
        }
        if e.max_batch == 0 || e.max_batch > 100_000 {
            return Err(reject("engine.max_batch", "must be between 1 and 100000"));
        }
        if e.apply_parallelism == 0 || e.apply_parallelism > 16 {
            return Err(reject("engine.apply_parallelism", "must be between 1 and 16"));
        }
        if e.limits_poll_ms == 0 || e.limits_poll_ms > 5_000 {
            return Err(reject("engine.limits_poll_ms", "must be between 1 and 5000 (limit edits apply within 5 s)"));
        }
        Ok(())
    }
}

impl ServiceSettings for Settings {
    fn telemetry(&self) -> &TelemetrySettings {
        &self.telemetry
    }
}
