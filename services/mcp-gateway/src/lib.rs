//! mcp-gateway: what an AI agent (over MCP) or a program (over REST) asks RiskMonitor.
//!
//! One axum server serves the MCP Streamable HTTP endpoint (`/mcp`), a REST mirror of every
//! tool under `/v1/`, the ack endpoint of the delivery flow (`POST /v1/alerts/{id}/ack`), the
//! OpenAPI document generated from the same Rust types (`/openapi.json`), and the shared admin
//! endpoints (`/healthz`, `/readyz`, `/metrics`). `--stdio` serves the same tools over stdio.
//!
//! Layers, outside in: request context (request id, W3C trace context, span, metrics, one
//! JSON error shape) -> DNS-rebinding protection (`/mcp`) -> bearer auth with roles -> rate
//! limit per token -> in-flight bulkhead and request timeout -> the handler. Every tool is a
//! [`tools::Tool`] that REST and MCP both call; each dependency (MySQL, market snapshot, LLM)
//! sits behind its own bulkhead and timeout, so a hanging one cannot exhaust the server. No
//! state ties a client to a replica: MCP runs statelessly by default.

pub mod ack;
pub mod app;
pub mod auth;
pub mod conclusion;
pub mod decimal;
pub mod deps;
pub mod error;
pub mod http;
pub mod llm;
pub mod mcp;
pub mod observe;
pub mod pricing;
pub mod ratelimit;
pub mod settings;
pub mod store;
pub mod tools;

pub use app::{Application, run};
pub use settings::Settings;

pub const SPEC: riskmonitor_runtime::service::Spec = riskmonitor_runtime::service::Spec {
    name: "mcp-gateway",
    commands: &["migrate", "hash-token"],
    flags: &["--stdio"],
};
