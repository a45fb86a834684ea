//! The alert analysis: what the analyst is given, what it must answer, and [`analyse`], which
//! asks the LLM and falls back to the deterministic analyst on any failure.

use crate::client::{LlmClient, json_content};
use crate::metrics::FALLBACKS;
use crate::types::{ChatRequest, Message};
use bigdecimal::BigDecimal;
use chrono::{DateTime, Utc};
use riskmonitor_domain::Metric;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertFacts {
    pub alert_id: String,
    pub desk: String,
    pub metric: Metric,
    pub value: BigDecimal,
    pub limit_value: BigDecimal,
    pub resolve_ratio: BigDecimal,
    pub opened_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeskFacts {
    pub gross_notional: BigDecimal,
    pub net_delta: BigDecimal,
    pub vega: BigDecimal,
    pub position_count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimitFacts {
    pub metric: Metric,
    pub limit_value: BigDecimal,
    pub value: BigDecimal,
    /// |value| / limit, in percent.
    pub utilisation_pct: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contributor {
    pub position_id: i64,
    pub instrument_id: String,
    pub instrument_type: String,
    pub underlying: String,
    pub quantity: BigDecimal,
    pub gross_notional: BigDecimal,
    pub net_delta: BigDecimal,
    pub vega: BigDecimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuoteFacts {
    pub underlying: String,
    pub spot: f64,
    pub volatility: f64,
    pub rate: f64,
    pub as_of: DateTime<Utc>,
}

/// Everything the analyst may use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalysisContext {
    pub alert: AlertFacts,
    pub desk: DeskFacts,
    pub limits: Vec<LimitFacts>,
    /// Largest contributors to the breached metric first.
    pub top_positions: Vec<Contributor>,
    pub market: Vec<QuoteFacts>,
    /// Why market data is missing, when it is.
    pub market_note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Driver {
    pub description: String,
    pub position_id: Option<i64>,
    pub underlying: Option<String>,
    /// Exact decimal, in the breached metric's unit.
    pub contribution: String,
    /// Share of the breached metric's value, 0..100.
    pub share_pct: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Analysis {
    pub severity: Severity,
    pub summary: String,
    pub drivers: Vec<Driver>,
    pub recommended_actions: Vec<String>,
    pub confidence: f64,
}

/// Who wrote an analysis or a conclusion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AnalysisSource {
    Llm { model: String },
    Deterministic,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisOutcome {
    pub analysis: Analysis,
    pub source: AnalysisSource,
    /// Why the deterministic analyst wrote it although an LLM is configured.
    pub fallback_reason: Option<String>,
}

/// The JSON schema of [`Analysis`] (strict: every property required, nothing else allowed).
pub fn analysis_schema() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["severity", "summary", "drivers", "recommended_actions", "confidence"],
        "properties": {
            "severity": {"type": "string", "enum": ["low", "medium", "high", "critical"]},
            "summary": {"type": "string", "description": "two or three plain sentences, at most 400 characters"},
            "drivers": {
                "type": "array",
                "maxItems": 10,
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["description", "position_id", "underlying", "contribution", "share_pct"],
                    "properties": {
                        "description": {"type": "string"},
                        "position_id": {"type": ["integer", "null"], "description": "a position_id from the context, or null"},
                        "underlying": {"type": ["string", "null"]},
                        "contribution": {"type": "string", "description": "exact decimal from the context"},
                        "share_pct": {"type": "number", "minimum": 0, "maximum": 100}
                    }
                }
            },
            "recommended_actions": {"type": "array", "minItems": 1, "maxItems": 5, "items": {"type": "string"}},
            "confidence": {"type": "number", "minimum": 0, "maximum": 1}
        }
    })
}

const SYSTEM: &str = "You are the risk analyst of a derivatives trading floor. A desk has breached a risk limit. \
Using ONLY the numbers in the JSON context (never invent positions or figures), explain the breach: its severity, \
the positions or underlyings driving it with their exact contributions to the breached metric and their share of it, \
and up to five concrete actions (reduce, hedge, escalate). Answer with JSON that follows the schema exactly.";

/// Analyses `ctx`: by the LLM when one is configured and answers well, else deterministically.
/// Never fails.
pub async fn analyse(client: Option<&LlmClient>, ctx: &AnalysisContext) -> AnalysisOutcome {
    let Some(client) = client else {
        return AnalysisOutcome {
            analysis: crate::deterministic_analysis(ctx),
            source: AnalysisSource::Deterministic,
            fallback_reason: None,
        };
    };
    match ask(client, ctx).await {
        Ok(analysis) => AnalysisOutcome {
            analysis,
            source: AnalysisSource::Llm { model: client.model().to_owned() },
            fallback_reason: None,
        },
        Err(e) => {
            FALLBACKS.with_label_values(&["analysis", e.reason()]).inc();
            tracing::warn!(event = "llm_fallback", purpose = "analysis", reason = e.reason(), error = %e);
            AnalysisOutcome {
                analysis: crate::deterministic_analysis(ctx),
                source: AnalysisSource::Deterministic,
                fallback_reason: Some(e.to_string()),
            }
        }
    }
}

async fn ask(client: &LlmClient, ctx: &AnalysisContext) -> Result<Analysis, crate::LlmError> {
    let context = serde_json::to_string(ctx).map_err(|e| crate::LlmError::Invalid(e.to_string()))?;
    let request = ChatRequest {
        purpose: "analysis",
        messages: vec![Message::system(SYSTEM), Message::user(context)],
        tools: Vec::new(),
        json_schema: Some(("limit_breach_analysis".into(), analysis_schema())),
    };
    let response = client.chat(request).await?;
    let answer = json_content(&response).and_then(|v| crate::validate::analysis(&v, ctx));
    if answer.is_err() {
        client.record_unusable();
    }
    answer
}
