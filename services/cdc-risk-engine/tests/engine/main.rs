//! cdc-risk-engine on the real stack: MariaDB -> Debezium -> Kafka (Avro through Apicurio
//! Registry) -> the engine -> MySQL aggregates and alerts. Nothing mocked.

mod aggregates;
mod episodes;
mod lifecycle;
mod resilience;
mod support;
