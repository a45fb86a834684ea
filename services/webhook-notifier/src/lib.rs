//! webhook-notifier: consumes `alerts_pending_delivery` and delivers each alert to the risk
//! manager as a Standard Webhooks POST, at least once on the wire and exactly once in effect.
//!
//! Every webhook is a row of `deliveries` (its `delivery_id` is the `webhook-id`, the same on
//! every retry); the retry schedule lives in that row, so a retry due later survives restarts,
//! and a lease (`lease_owner`, `lease_until`, claimed with `FOR UPDATE SKIP LOCKED`) keeps two
//! replicas from sending the same delivery at once. The Kafka message only creates the breach
//! delivery (idempotently) and triggers its first attempt; the scheduler does the rest:
//! retries, reminders when no ack arrives, `risk.limit_resolved` when the episode resolves
//! first, and escalation when reminders are spent.

pub mod app;
pub mod consume;
pub mod dispatch;
pub mod events;
pub mod payload;
pub mod scheduler;
pub mod settings;
pub mod signing;
pub mod store;

pub use app::{Application, run};
pub use settings::Settings;

pub const SPEC: riskmonitor_runtime::service::Spec = riskmonitor_runtime::service::Spec {
    name: "webhook-notifier",
    commands: &["migrate", "create-topics"],
    flags: &[],
};
