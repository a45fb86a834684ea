//! The plain-language conclusion every tool result carries (and sends as its text block).
//! Each tool writes a deterministic one from a template; when an LLM is configured and the
//! tool is listed in `tools.llm_conclusion_tools`, the LLM is asked to write it from the
//! structured result instead, bounded by the LLM client's timeout, bulkhead and circuit
//! breaker. Whatever fails (timeout, busy, circuit open), the template's text is used, and
//! `source` says which one the caller got.

use crate::observe::CONCLUSIONS;
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::HashSet;
use std::sync::Arc;

/// A tool's conclusion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Conclusion {
    /// The conclusion in plain language (also the result's text block).
    pub text: String,
    /// Who wrote it: `llm`, or `deterministic` (the tool's template).
    pub source: ConclusionSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConclusionSource {
    Llm,
    Deterministic,
}

impl ConclusionSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ConclusionSource::Llm => "llm",
            ConclusionSource::Deterministic => "deterministic",
        }
    }
}

impl Conclusion {
    pub fn deterministic(text: impl Into<String>) -> Self {
        Self { text: text.into(), source: ConclusionSource::Deterministic }
    }
}

/// Writes conclusions: LLM when configured and enabled for the tool, template otherwise.
#[derive(Clone)]
pub struct Concluder {
    llm: Option<crate::llm::Llm>,
    tools: Arc<HashSet<String>>,
}

impl Concluder {
    pub fn new(llm: Option<crate::llm::Llm>, tools: &[String]) -> Self {
        Self { llm, tools: Arc::new(tools.iter().cloned().collect()) }
    }

    /// Templates only.
    pub fn deterministic() -> Self {
        Self::new(None, &[])
    }

    /// The conclusion of `tool` about `result`; `fallback` is the template's text.
    pub async fn conclude<R: Serialize>(&self, tool: &str, result: &R, fallback: String) -> Conclusion {
        let conclusion = match &self.llm {
            Some(llm) if self.tools.contains(tool) => match serde_json::to_value(result) {
                Ok(value) => llm.conclude(tool, &value, fallback).await,
                Err(_) => Conclusion::deterministic(fallback),
            },
            _ => Conclusion::deterministic(fallback),
        };
        CONCLUSIONS.with_label_values(&[tool, conclusion.source.as_str()]).inc();
        conclusion
    }
}
