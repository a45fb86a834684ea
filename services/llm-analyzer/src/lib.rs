//! llm-analyzer: consumes `alerts_pending_analysis`, writes an analysis of each alert (by the
//! configured LLM, or the built-in deterministic analyst when none is configured or the LLM
//! fails), moves the alert to `pending_delivery` and announces it on `alerts_pending_delivery`.
//!
//! Exactly-once in effect: an alert is *claimed* with a lease before it is analysed (replicas,
//! duplicates and replays never analyse one alert twice at once), and the analysis is written
//! only while the alert is still `pending_analysis` and claimed by this replica, in the same
//! transaction as its outbox message (so a finished analysis is never overwritten and the
//! hand-off survives a crash). Offsets are committed after that transaction, in order.

pub mod app;
pub mod consume;
pub mod context;
pub mod events;
pub mod offsets;
pub mod reconcile;
pub mod settings;
pub mod store;

pub use app::{Application, run};
pub use settings::Settings;

pub const SPEC: riskmonitor_runtime::service::Spec =
    riskmonitor_runtime::service::Spec { name: "llm-analyzer", commands: &["migrate", "create-topics"], flags: &[] };
