//! cdc-risk-engine on the real stack: MariaDB -> Debezium -> Kafka (Avro through Apicurio
//! Registry) -> the engine -> MySQL aggregates and alerts. Nothing mocked.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

mod aggregates;
mod episodes;
mod lifecycle;
mod resilience;
mod support;
