//! llm-analyzer's settings.

use riskmonitor_db::DatabaseSettings;
use riskmonitor_kafka::KafkaSettings;
use riskmonitor_llm::LlmSettings;
use riskmonitor_market::MarketSettings;
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
    pub llm: LlmSettings,
    pub market: MarketSettings,
    pub analyzer: AnalyzerSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            telemetry: TelemetrySettings::default(),
            admin: AdminSettings::with_port(19102),
            database: DatabaseSettings::default(),
            kafka: KafkaSettings::default(),
            llm: LlmSettings::default(),
            market: MarketSettings::default(),
            analyzer: AnalyzerSettings::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnalyzerSettings {
    pub group_id: String,
    /// Alerts analysed at once by one replica (LLM calls are slow; the LLM client's own
    /// bulkhead bounds what reaches the provider).
    pub max_in_flight: usize,
    /// How long a claim protects an alert; must exceed the slowest analysis (LLM timeout + market).
    pub claim_lease_secs: u64,
    /// Positions listed as top contributors in the analysis context.
    pub top_positions: u32,
    /// Alerts `pending_analysis` for longer than this with an expired claim are picked up by the
    /// reconciliation scan (a lost doorbell or a crashed replica).
    pub stuck_after_secs: u64,
    pub reconcile_interval_secs: u64,
    pub outbox_poll_ms: u64,
    pub shutdown_grace_secs: u64,
}

impl Default for AnalyzerSettings {
    fn default() -> Self {
        Self {
            group_id: "llm-analyzer".into(),
            max_in_flight: 32,
            claim_lease_secs: 60,
            top_positions: 10,
            stuck_after_secs: 30,
            reconcile_interval_secs: 10,
            outbox_poll_ms: 500,
            shutdown_grace_secs: 8,
        }
    }
}

impl Validate for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        self.database.validate()?;
        self.kafka.validate()?;
        self.llm.validate()?;
        self.market.validate()?;
        let a = &self.analyzer;
        if a.group_id.trim().is_empty() {
            return Err(reject("analyzer.group_id", "must not be empty"));
        }
        if a.max_in_flight == 0 {
            return Err(reject("analyzer.max_in_flight", "must be at least 1"));
        }
        if a.top_positions == 0 || a.top_positions > 100 {
            return Err(reject("analyzer.top_positions", "must be between 1 and 100"));
        }
        let slowest = std::time::Duration::from_millis(self.llm.timeout_ms) + self.market.max_call_duration();
        if std::time::Duration::from_secs(a.claim_lease_secs) <= slowest {
            return Err(reject(
                "analyzer.claim_lease_secs",
                format!(
                    "must exceed the slowest analysis (llm.timeout_ms + market retries = {} ms)",
                    slowest.as_millis()
                ),
            ));
        }
        Ok(())
    }
}

impl ServiceSettings for Settings {
    fn telemetry(&self) -> &TelemetrySettings {
        &self.telemetry
    }
}
