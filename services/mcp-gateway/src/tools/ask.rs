//! `ask`: a question in plain language, answered by calling the other tools. With an LLM
//! configured, the LLM plans the calls (at most `tools.ask_max_steps`) and writes the answer;
//! without one, or while it is unavailable, the deterministic interpreter ([`super::intent`])
//! maps the common questions to tools and says plainly when it cannot.

use super::intent::{Plan, plan};
use super::{CallCtx, Concluded, Tool, Tools, registry};
use crate::conclusion::{Conclusion, ConclusionSource};
use crate::error::ToolError;
use crate::observe::CONCLUSIONS;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Longest question accepted.
pub const MAX_QUESTION_CHARS: usize = 2_000;

/// Arguments of `ask`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AskInput {
    /// The question in plain language, e.g. "which desks are over a limit?" or "what if rates buys 10 SPX futures?".
    #[schemars(length(min = 1, max = 2000), regex(pattern = r"\S"))]
    pub question: String,
}

/// The answer, with the tool calls it rests on.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AskOutput {
    pub question: String,
    /// Whether the question could be answered with the tools.
    pub answered: bool,
    /// Who planned the tool calls: `llm`, or `deterministic` (the rule-based interpreter).
    pub planner: ConclusionSource,
    /// The tool calls made, in order.
    pub steps: Vec<AskStep>,
    /// The answer (its text is the result's text block).
    pub conclusion: Conclusion,
}

impl Concluded for AskOutput {
    fn conclusion(&self) -> &Conclusion {
        &self.conclusion
    }
}

/// One tool call made to answer.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AskStep {
    pub tool: String,
    pub arguments: Map<String, Value>,
    pub ok: bool,
    /// The tool's conclusion, or its error.
    pub summary: String,
    /// The tool's structured result (null when it failed).
    pub result: Option<Value>,
}

pub struct Ask;

impl Tool for Ask {
    const NAME: &'static str = "ask";
    const TITLE: &'static str = "Ask a question";
    const DESCRIPTION: &'static str = "Ask a question about positions, exposure, limits, breaches or a what-if trade in \
        plain language. The other tools are called to answer it (planned by the LLM when one is configured, by a \
        rule-based interpreter otherwise); the steps and their results come back with the answer.";
    const OPEN_WORLD: bool = true;
    type Input = AskInput;
    type Output = AskOutput;

    async fn run(tools: &Tools, input: AskInput, call: &CallCtx) -> Result<AskOutput, ToolError> {
        let question = input.question.trim().to_owned();
        if question.is_empty() {
            return Err(ToolError::input("question", "must not be empty"));
        }
        if question.chars().count() > MAX_QUESTION_CHARS {
            return Err(ToolError::input("question", format!("must be at most {MAX_QUESTION_CHARS} characters")));
        }
        let max_steps = tools.settings().ask_max_steps as usize;
        if let Some(llm) = tools.llm()
            && let Some(out) = llm.ask(tools, &question, max_steps, call).await
        {
            CONCLUSIONS.with_label_values(&[Self::NAME, out.conclusion.source.as_str()]).inc();
            return Ok(out);
        }
        let desks = crate::store::desks::names(tools.db()).await?;
        let out = match plan(&question, &desks) {
            Plan::Cannot(text) => AskOutput {
                question,
                answered: false,
                planner: ConclusionSource::Deterministic,
                steps: Vec::new(),
                conclusion: Conclusion::deterministic(text),
            },
            Plan::Calls(calls) => {
                let mut steps = Vec::new();
                for c in calls.into_iter().take(max_steps) {
                    steps.push(run_step(tools, c.tool, c.arguments, call).await);
                }
                let answered = steps.iter().any(|s| s.ok);
                let text = steps.iter().map(|s| s.summary.as_str()).collect::<Vec<_>>().join(" ");
                AskOutput {
                    question,
                    answered,
                    planner: ConclusionSource::Deterministic,
                    steps,
                    conclusion: Conclusion::deterministic(text),
                }
            }
        };
        CONCLUSIONS.with_label_values(&[Self::NAME, "deterministic"]).inc();
        Ok(out)
    }
}

/// Calls one tool (never `ask` itself) and records the step.
pub async fn run_step(tools: &Tools, tool: &str, arguments: Map<String, Value>, call: &CallCtx) -> AskStep {
    let spec = registry().get(tool).filter(|s| s.name != Ask::NAME);
    let result = match spec {
        None => Err(format!("unknown tool `{tool}`")),
        Some(spec) => spec.call(tools.clone(), arguments.clone(), call.clone()).await.map_err(|e| e.to_string()),
    };
    match result {
        Ok(answer) => AskStep {
            tool: tool.to_owned(),
            arguments,
            ok: true,
            summary: answer.text,
            result: Some(answer.structured),
        },
        Err(e) => AskStep {
            tool: tool.to_owned(),
            arguments,
            ok: false,
            summary: format!("{tool} failed: {e}."),
            result: None,
        },
    }
}
