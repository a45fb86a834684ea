//! Strict validation of an LLM's analysis against the schema and the context it was given.

use crate::LlmError;
use crate::analysis::{Analysis, AnalysisContext};
use bigdecimal::BigDecimal;
use serde_json::Value;
use std::str::FromStr;

pub fn analysis(value: &Value, ctx: &AnalysisContext) -> Result<Analysis, LlmError> {
    let bad = |m: String| Err(LlmError::SchemaViolation(m));
    let a: Analysis = serde_json::from_value(value.clone()).map_err(|e| LlmError::SchemaViolation(e.to_string()))?;
    let summary = a.summary.trim();
    if summary.is_empty() || summary.chars().count() > 400 {
        return bad("summary must have 1 to 400 characters".into());
    }
    if a.drivers.len() > 10 {
        return bad(format!("{} drivers, at most 10", a.drivers.len()));
    }
    for (i, d) in a.drivers.iter().enumerate() {
        if d.description.trim().is_empty() {
            return bad(format!("drivers[{i}].description is empty"));
        }
        if BigDecimal::from_str(d.contribution.trim()).is_err() {
            return bad(format!("drivers[{i}].contribution `{}` is not a decimal", d.contribution));
        }
        if !(0.0..=100.0).contains(&d.share_pct) || !d.share_pct.is_finite() {
            return bad(format!("drivers[{i}].share_pct {} is outside 0..100", d.share_pct));
        }
        if let Some(id) = d.position_id
            && !ctx.top_positions.iter().any(|p| p.position_id == id)
        {
            return bad(format!("drivers[{i}].position_id {id} is not in the context"));
        }
    }
    if a.recommended_actions.is_empty() || a.recommended_actions.len() > 5 {
        return bad(format!("{} recommended actions, 1 to 5 expected", a.recommended_actions.len()));
    }
    if a.recommended_actions.iter().any(|r| r.trim().is_empty() || r.chars().count() > 300) {
        return bad("a recommended action is empty or longer than 300 characters".into());
    }
    if !(0.0..=1.0).contains(&a.confidence) || !a.confidence.is_finite() {
        return bad(format!("confidence {} is outside 0..1", a.confidence));
    }
    Ok(a)
}
