//! Helpers for integration tests on the real stack (MariaDB + Debezium + Kafka + registry),
//! after zero2prod's `spawn_app`: every test gets its own database (migrated) and its own alert
//! topics, so tests run side by side without seeing each other's state. Addresses come from the
//! `RISKMONITOR_TEST_*` variables `dev/test` exports, defaulting to the dev stack's ports.

pub mod connector;
pub mod env;
pub mod http;
pub mod kafka;
pub mod lifecycle;
pub mod process;
pub mod wait;

pub use env::{TestDb, TestEnv, unique};
pub use wait::wait_until;

/// Installs the services' log and trace subscriber once per test binary (text logs, captured
/// by the test harness; `RUST_LOG` filters).
pub fn init_tracing() {
    static ONCE: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        let settings = riskmonitor_runtime::telemetry::TelemetrySettings {
            log_format: riskmonitor_runtime::telemetry::LogFormat::Text,
            log_level: "warn".into(),
            ..Default::default()
        };
        if let Ok(guard) = riskmonitor_runtime::telemetry::init("test", &settings) {
            // Kept for the life of the test process.
            std::mem::forget(guard);
        }
    });
}
