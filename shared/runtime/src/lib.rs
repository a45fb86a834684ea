//! The runtime every RiskMonitor service is built on (after arroyo's `server-common`):
//! typed layered settings, JSON logs and OpenTelemetry traces, the admin HTTP server
//! (`/healthz`, `/readyz`, `/metrics`), readiness checks, graceful shutdown, and the
//! small resilience primitives (circuit breaker, bulkhead) shared by the HTTP clients.

pub mod admin;
pub mod cli;
pub mod metrics;
pub mod readiness;
pub mod resilience;
pub mod secret;
pub mod service;
pub mod settings;
pub mod shutdown;
pub mod telemetry;

pub use cli::{Cli, CliError};
pub use readiness::Readiness;
pub use secret::Secret;
pub use settings::{SettingsError, Validate, load_settings};
pub use shutdown::Shutdown;
