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
