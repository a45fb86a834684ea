//! Plain-language conclusions of the gateway's tool results: one to three sentences by the LLM
//! when it is configured and answers in time, the caller's deterministic text otherwise.

use crate::client::{LlmClient, content};
use crate::metrics::FALLBACKS;
use crate::types::{ChatRequest, Message};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConclusionSource {
    Llm,
    Deterministic,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conclusion {
    pub text: String,
    pub source: ConclusionSource,
}

impl Conclusion {
    pub fn deterministic(text: String) -> Self {
        Self { text, source: ConclusionSource::Deterministic }
    }
}

const SYSTEM: &str = "You summarise the result of a risk-system query for a risk manager in one to three short, \
plain sentences. Use only figures present in the result; do not speculate; no markdown.";

/// Longest result (in characters of JSON) sent to the LLM.
const MAX_RESULT_CHARS: usize = 6_000;

pub async fn conclude(
    client: Option<&LlmClient>,
    tool: &str,
    result: &serde_json::Value,
    fallback: String,
) -> Conclusion {
    let Some(client) = client else { return Conclusion::deterministic(fallback) };
    let mut text = result.to_string();
    if text.len() > MAX_RESULT_CHARS {
        text = text.chars().take(MAX_RESULT_CHARS).collect::<String>() + " ...(truncated)";
    }
    let request = ChatRequest {
        purpose: "conclusion",
        messages: vec![Message::system(SYSTEM), Message::user(format!("Tool `{tool}` returned:\n{text}"))],
        tools: Vec::new(),
        json_schema: None,
    };
    match client.chat(request).await.and_then(|r| content(&r).map(|t| t.trim().to_owned())) {
        Ok(answer) if answer.chars().count() <= 1_000 => Conclusion { text: answer, source: ConclusionSource::Llm },
        Ok(_) => {
            FALLBACKS.with_label_values(&["conclusion", "too_long"]).inc();
            Conclusion::deterministic(fallback)
        }
        Err(e) => {
            FALLBACKS.with_label_values(&["conclusion", e.reason()]).inc();
            Conclusion::deterministic(fallback)
        }
    }
}
