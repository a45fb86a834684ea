//! cdc-risk-engine: consumes `positions_cdc`, keeps every desk's exposures exact in MySQL, and
//! opens exactly one alert per limit-breach episode.
//!
//! Design in one paragraph: each batch of CDC events is reduced to the newest change per
//! position (ordered by the Debezium binlog coordinates, `SourcePosition::ordering_key`), and
//! applied in one MySQL transaction that compares those coordinates with the stored ones
//! (older or equal: skipped, so duplicates, replays and late events change nothing), writes
//! the positions' new contributions, adds the per-desk deltas, evaluates the touched desks'
//! limits, and opens or resolves episodes with their outbox rows. Offsets are committed after
//! the transaction. The outbox relay publishes alert ids to `alerts_pending_analysis`.

pub mod app;
pub mod consume;
pub mod evaluate;
pub mod events;
pub mod limits;
pub mod retry;
pub mod settings;
pub mod state;
pub mod store;

pub use app::{Application, run};
pub use settings::Settings;

pub const SPEC: riskmonitor_runtime::service::Spec =
    riskmonitor_runtime::service::Spec { name: "cdc-risk-engine", commands: &["migrate", "create-topics"], flags: &[] };
