//! The admin tool reads the same layered settings as the services (`database.*`, `kafka.*`).

use riskmonitor_db::DatabaseSettings;
use riskmonitor_kafka::KafkaSettings;
use riskmonitor_runtime::service::ServiceSettings;
use riskmonitor_runtime::settings::{SettingsError, Validate};
use riskmonitor_runtime::telemetry::TelemetrySettings;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub telemetry: TelemetrySettings,
    pub database: DatabaseSettings,
    pub kafka: KafkaSettings,
}

impl Validate for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        self.database.validate()?;
        self.kafka.validate()
    }
}

impl ServiceSettings for Settings {
    fn telemetry(&self) -> &TelemetrySettings {
        &self.telemetry
    }
}
