//! The gateway's use of the shared LLM client (`riskmonitor-llm`): tool conclusions, and the
//! planner of `ask`. Every call goes through the client's timeout, bulkhead and circuit
//! breaker; any failure falls back to the deterministic path, so while the LLM hangs or its
//! circuit is open, answers still come, with the deterministic conclusion.

use crate::conclusion::{Conclusion, ConclusionSource};
use crate::tools::ask::{Ask, AskOutput, AskStep, run_step};
use crate::tools::{CallCtx, Tool, Tools, registry};
use riskmonitor_llm::client::content;
use riskmonitor_llm::types::{ChatRequest, Message};
use riskmonitor_llm::{LlmClient, LlmError};
use serde_json::{Map, Value};

/// Longest tool result (characters of JSON) handed back to the LLM while it plans.
const MAX_TOOL_RESULT_CHARS: usize = 8_000;

const ASK_SYSTEM: &str = "You answer a risk manager's question about a derivatives trading floor's positions, \
    exposure (gross notional, net delta, vega), limits, breach alerts and what-if trades. Call the tools you need \
    (each call costs time; use as few as possible), then answer in one to four short, plain sentences using only \
    figures the tools returned. Decimals are exact strings. If the tools cannot answer the question, say so plainly. \
    No markdown.";

/// The LLM, when one is configured.
#[derive(Clone)]
pub struct Llm {
    client: LlmClient,
}

impl Llm {
    pub fn new(client: LlmClient) -> Self {
        Self { client }
    }

    /// The conclusion of `tool` about `result`, or `fallback` (deterministic) on any failure.
    pub async fn conclude(&self, tool: &str, result: &Value, fallback: String) -> Conclusion {
        let c = riskmonitor_llm::conclude(Some(&self.client), tool, result, fallback).await;
        Conclusion {
            text: c.text,
            source: match c.source {
                riskmonitor_llm::ConclusionSource::Llm => ConclusionSource::Llm,
                riskmonitor_llm::ConclusionSource::Deterministic => ConclusionSource::Deterministic,
            },
        }
    }

    /// Answers `question` by letting the LLM call the other tools (at most `max_steps` calls),
    /// then write the answer. `None` when the LLM fails before any step was made (the caller
    /// then uses the deterministic interpreter); after that, a failure ends with the steps'
    /// own conclusions as the answer.
    pub async fn ask(&self, tools: &Tools, question: &str, max_steps: usize, call: &CallCtx) -> Option<AskOutput> {
        let functions: Vec<riskmonitor_llm::types::Tool> = registry()
            .all()
            .iter()
            .filter(|s| s.name != Ask::NAME)
            .map(|s| {
                riskmonitor_llm::types::Tool::function(s.name, s.description, Value::Object((*s.input_schema).clone()))
            })
            .collect();
        let mut messages = vec![Message::system(ASK_SYSTEM), Message::user(question)];
        let mut steps: Vec<AskStep> = Vec::new();
        // One round per planned call, plus the final answer without tools.
        for round in 0..=max_steps {
            let last = round == max_steps || steps.len() >= max_steps;
            let request = ChatRequest {
                purpose: "ask",
                messages: messages.clone(),
                tools: if last { Vec::new() } else { functions.clone() },
                json_schema: None,
            };
            let response = match self.client.chat(request).await {
                Ok(r) => r,
                Err(e) => return self.give_up(question, steps, &e),
            };
            let Some(message) = response.choices.first().map(|c| c.message.clone()) else {
                return self.give_up(question, steps, &LlmError::Empty("no choices".into()));
            };
            if message.tool_calls.is_empty() || last {
                return match content(&response) {
                    Ok(text) => Some(AskOutput {
                        question: question.to_owned(),
                        answered: true,
                        planner: ConclusionSource::Llm,
                        steps,
                        conclusion: Conclusion { text: text.to_owned(), source: ConclusionSource::Llm },
                    }),
                    Err(e) => self.give_up(question, steps, &e),
                };
            }
            messages.push(message.clone());
            for tc in &message.tool_calls {
                let reply = if steps.len() >= max_steps {
                    "not run: the step budget is spent; answer with what you have".to_owned()
                } else {
                    let args = serde_json::from_str::<Map<String, Value>>(&tc.function.arguments).unwrap_or_default();
                    let step = run_step(tools, &tc.function.name, args, call).await;
                    let reply = match &step.result {
                        Some(r) => truncate(r.to_string()),
                        None => step.summary.clone(),
                    };
                    steps.push(step);
                    reply
                };
                messages.push(Message::tool_result(&tc.id, reply));
            }
        }
        self.give_up(question, steps, &LlmError::Empty("no answer within the step budget".into()))
    }

    fn give_up(&self, question: &str, steps: Vec<AskStep>, e: &LlmError) -> Option<AskOutput> {
        tracing::info!(event = "ask_llm_fallback", reason = e.reason(), error = %e, steps = steps.len(), "LLM planner gave up");
        if steps.is_empty() {
            return None;
        }
        let text = steps.iter().map(|s| s.summary.as_str()).collect::<Vec<_>>().join(" ");
        Some(AskOutput {
            question: question.to_owned(),
            answered: steps.iter().any(|s| s.ok),
            planner: ConclusionSource::Llm,
            steps,
            conclusion: Conclusion::deterministic(text),
        })
    }
}

fn truncate(mut text: String) -> String {
    if text.len() > MAX_TOOL_RESULT_CHARS {
        let cut = (0..=MAX_TOOL_RESULT_CHARS).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        text.truncate(cut);
        text.push_str(" ...(truncated)");
    }
    text
}
