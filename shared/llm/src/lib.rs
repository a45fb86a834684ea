//! The LLM side of RiskMonitor, shared by llm-analyzer and mcp-gateway:
//! - [`LlmClient`]: any OpenAI-compatible Chat Completions endpoint, each call bounded by its own
//!   timeout, a concurrency bulkhead and a circuit breaker, so a slow or failing provider can
//!   never pile up callers;
//! - the alert analysis: [`AnalysisContext`] in, [`Analysis`] out (a JSON schema the LLM must
//!   follow and that its answer is validated against), with [`deterministic_analysis`] as the
//!   default and the fallback;
//! - [`conclude`]: the short plain-language conclusion of a gateway tool result.

pub mod analysis;
pub mod client;
pub mod conclude;
pub mod deterministic;
mod metrics;
pub mod settings;
pub mod types;
pub mod validate;

pub use analysis::{Analysis, AnalysisContext, AnalysisOutcome, AnalysisSource, Driver, Severity, analyse};
pub use client::{LlmClient, LlmError};
pub use conclude::{Conclusion, ConclusionSource, conclude};
pub use deterministic::deterministic_analysis;
pub use settings::LlmSettings;
