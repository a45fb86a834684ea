//! webhook-notifier's settings.

use riskmonitor_db::DatabaseSettings;
use riskmonitor_kafka::KafkaSettings;
use riskmonitor_runtime::Secret;
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
    pub webhook: WebhookSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            telemetry: TelemetrySettings::default(),
            admin: AdminSettings::with_port(19103),
            database: DatabaseSettings::default(),
            kafka: KafkaSettings::default(),
            webhook: WebhookSettings::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookSettings {
    /// The risk manager's endpoint.
    pub url: String,
    /// Active signing secrets (`whsec_<base64>`); each one adds a signature, so a new secret
    /// can be rolled out before the old one is retired.
    pub secrets: Vec<Secret>,
    /// Base URL of the gateway, for the `ack_url` in the payload.
    pub ack_base_url: String,
    pub request_timeout_ms: u64,
    /// Attempts per delivery before it is `failed` (the retry budget).
    pub max_attempts: u32,
    pub retry_base_ms: u64,
    pub retry_max_ms: u64,
    /// No ack this long after a delivery: a reminder goes out.
    pub ack_timeout_secs: u64,
    pub max_reminders: u32,
    /// How long a replica owns a claimed delivery before another may take it over.
    pub lease_secs: u64,
    /// How often the scheduler looks for due retries, reminders and resolutions.
    pub scheduler_interval_ms: u64,
    /// An alert in `pending_delivery` this long without a breach delivery gets one from the
    /// scheduler (its doorbell was lost); 0 disables the scan.
    pub missing_delivery_after_secs: u64,
    /// Deliveries sent at once by one replica.
    pub max_in_flight: usize,
    pub group_id: String,
    pub shutdown_grace_secs: u64,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            url: "http://127.0.0.1:18090/webhooks".into(),
            // Dev-only secret; deployments set RISKMONITOR_WEBHOOK__SECRETS.
            secrets: vec![Secret::new("whsec_cmlza21vbml0b3ItZGV2LXNpZ25pbmctc2VjcmV0")],
            ack_base_url: "http://127.0.0.1:18000".into(),
            request_timeout_ms: 5_000,
            max_attempts: 12,
            retry_base_ms: 500,
            retry_max_ms: 300_000,
            ack_timeout_secs: 900,
            max_reminders: 3,
            lease_secs: 60,
            scheduler_interval_ms: 250,
            missing_delivery_after_secs: 30,
            max_in_flight: 32,
            group_id: "webhook-notifier".into(),
            shutdown_grace_secs: 8,
        }
    }
}

impl Validate for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        self.database.validate()?;
        self.kafka.validate()?;
        let w = &self.webhook;
        if !(w.url.starts_with("http://") || w.url.starts_with("https://")) {
            return Err(reject("webhook.url", "must be an http(s) URL"));
        }
        if w.secrets.is_empty() {
            return Err(reject("webhook.secrets", "at least one signing secret is required"));
        }
        for (i, s) in w.secrets.iter().enumerate() {
            crate::signing::decode_secret(s.expose())
                .map_err(|e| reject(&format!("webhook.secrets[{i}]"), e.to_string()))?;
        }
        if w.max_attempts == 0 {
            return Err(reject("webhook.max_attempts", "must be at least 1"));
        }
        if w.request_timeout_ms == 0 {
            return Err(reject("webhook.request_timeout_ms", "must be positive"));
        }
        if w.retry_base_ms == 0 || w.retry_max_ms < w.retry_base_ms {
            return Err(reject("webhook.retry_max_ms", "must be at least webhook.retry_base_ms (> 0)"));
        }
        if w.max_in_flight == 0 {
            return Err(reject("webhook.max_in_flight", "must be at least 1"));
        }
        if w.lease_secs * 1000 <= w.request_timeout_ms {
            return Err(reject("webhook.lease_secs", "must exceed the request timeout"));
        }
        Ok(())
    }
}

impl ServiceSettings for Settings {
    fn telemetry(&self) -> &TelemetrySettings {
        &self.telemetry
    }
}
