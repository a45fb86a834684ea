//! The Chat Completions client: bearer key, per-call timeout, bulkhead, circuit breaker.

use crate::metrics::{CIRCUIT, LATENCY, REQUESTS};
use crate::settings::LlmSettings;
use crate::types::{ChatRequest, ChatResponse};
use riskmonitor_runtime::resilience::{Bulkhead, CircuitBreaker, CircuitState};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum LlmError {
    #[error("the LLM did not answer within {0} ms")]
    Timeout(u64),
    #[error("the LLM answered HTTP {status}: {body}")]
    Status { status: u16, body: String },
    #[error("cannot reach the LLM: {0}")]
    Transport(String),
    #[error("the LLM answered something that is not a chat completion: {0}")]
    Invalid(String),
    #[error("the LLM gave no usable content ({0})")]
    Empty(String),
    #[error("the LLM's answer violates the schema: {0}")]
    SchemaViolation(String),
    #[error("too many LLM calls in flight")]
    Busy,
    #[error("the LLM circuit is open after repeated failures")]
    CircuitOpen,
    #[error("invalid LLM settings: {0}")]
    Settings(String),
}

impl LlmError {
    /// Short label for metrics and logs.
    pub fn reason(&self) -> &'static str {
        match self {
            LlmError::Timeout(_) => "timeout",
            LlmError::Status { .. } => "http_status",
            LlmError::Transport(_) => "transport",
            LlmError::Invalid(_) => "invalid_response",
            LlmError::Empty(_) => "empty",
            LlmError::SchemaViolation(_) => "schema_violation",
            LlmError::Busy => "busy",
            LlmError::CircuitOpen => "circuit_open",
            LlmError::Settings(_) => "settings",
        }
    }

    /// Failures that say the provider is unwell (they count towards opening the circuit).
    fn is_provider_failure(&self) -> bool {
        !matches!(self, LlmError::Busy | LlmError::CircuitOpen | LlmError::Settings(_))
    }
}

#[derive(Clone)]
pub struct LlmClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    settings: LlmSettings,
    endpoint: String,
    breaker: CircuitBreaker,
    bulkhead: Bulkhead,
}

impl LlmClient {
    /// `None` when no LLM is configured (`llm.url` empty).
    pub fn from_settings(settings: &LlmSettings) -> Result<Option<Self>, LlmError> {
        if !settings.is_configured() {
            return Ok(None);
        }
        settings.validate().map_err(|e| LlmError::Settings(e.to_string()))?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(settings.timeout_ms))
            .build()
            .map_err(|e| LlmError::Settings(e.to_string()))?;
        let endpoint = format!("{}/chat/completions", settings.url.trim().trim_end_matches('/'));
        Ok(Some(Self {
            inner: Arc::new(Inner {
                http,
                endpoint,
                breaker: CircuitBreaker::new(settings.breaker.clone()),
                bulkhead: Bulkhead::new(settings.max_concurrent, Duration::from_millis(settings.max_wait_ms)),
                settings: settings.clone(),
            }),
        }))
    }

    pub fn model(&self) -> &str {
        &self.inner.settings.model
    }

    pub fn circuit_state(&self) -> CircuitState {
        let state = self.inner.breaker.state();
        CIRCUIT.set(state.as_gauge());
        state
    }

    /// One call. Never waits longer than the bulkhead wait plus the call timeout.
    pub async fn chat(&self, request: ChatRequest) -> Result<ChatResponse, LlmError> {
        let purpose = request.purpose;
        let started = Instant::now();
        let result = self.call(request).await;
        let outcome = match &result {
            Ok(_) => "ok",
            Err(e) => e.reason(),
        };
        REQUESTS.with_label_values(&[purpose, outcome]).inc();
        LATENCY.with_label_values(&[purpose]).observe(started.elapsed().as_secs_f64());
        self.circuit_state();
        result
    }

    /// Records that a response the caller received turned out unusable (schema violation):
    /// it counts as a provider failure for the circuit breaker.
    pub fn record_unusable(&self) {
        self.inner.breaker.record_failure();
        self.circuit_state();
    }

    async fn call(&self, request: ChatRequest) -> Result<ChatResponse, LlmError> {
        let inner = &self.inner;
        if !inner.breaker.try_acquire() {
            return Err(LlmError::CircuitOpen);
        }
        let Some(_permit) = inner.bulkhead.acquire().await else {
            // Not the provider's fault; give a half-open trial slot back.
            inner.breaker.release_trial();
            return Err(LlmError::Busy);
        };
        // A call dropped half way (the caller timed out or went away) still gives the breaker a
        // verdict, so a half-open trial can never leave the circuit stuck.
        let mut verdict = Verdict { breaker: &inner.breaker, given: false };
        let result = self.send(&request).await;
        verdict.given = true;
        match &result {
            Ok(_) => inner.breaker.record_success(),
            Err(e) if e.is_provider_failure() => inner.breaker.record_failure(),
            Err(_) => inner.breaker.release_trial(),
        }
        result
    }

    async fn send(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let s = &self.inner.settings;
        let mut body = json!({
            "model": s.model,
            "messages": request.messages,
            "temperature": s.temperature,
            "max_tokens": s.max_tokens,
        });
        if !request.tools.is_empty() {
            body["tools"] = json!(request.tools);
            body["tool_choice"] = json!("auto");
        }
        if let Some((name, schema)) = &request.json_schema {
            body["response_format"] = json!({
                "type": "json_schema",
                "json_schema": {"name": name, "schema": schema, "strict": true}
            });
        }
        let mut http = self.inner.http.post(&self.inner.endpoint).json(&body);
        if !s.api_key.is_empty() {
            http = http.bearer_auth(s.api_key.expose());
        }
        let response = http.send().await.map_err(|e| classify(e, s.timeout_ms))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| classify(e, s.timeout_ms))?;
        if !status.is_success() {
            return Err(LlmError::Status { status: status.as_u16(), body: excerpt(&text) });
        }
        let parsed: ChatResponse =
            serde_json::from_str(&text).map_err(|e| LlmError::Invalid(format!("{e}: {}", excerpt(&text))))?;
        if parsed.choices.is_empty() {
            return Err(LlmError::Empty("no choices".into()));
        }
        Ok(parsed)
    }
}

struct Verdict<'a> {
    breaker: &'a CircuitBreaker,
    given: bool,
}

impl Drop for Verdict<'_> {
    fn drop(&mut self) {
        if !self.given {
            self.breaker.record_failure();
        }
    }
}

fn classify(e: reqwest::Error, timeout_ms: u64) -> LlmError {
    if e.is_timeout() { LlmError::Timeout(timeout_ms) } else { LlmError::Transport(e.to_string()) }
}

fn excerpt(text: &str) -> String {
    text.chars().take(300).collect()
}

/// The first choice's text content, or why there is none.
pub fn content(response: &ChatResponse) -> Result<&str, LlmError> {
    let choice = response.choices.first().ok_or_else(|| LlmError::Empty("no choices".into()))?;
    match choice.message.content.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => Ok(text),
        _ => Err(LlmError::Empty(choice.finish_reason.clone().unwrap_or_else(|| "no content".into()))),
    }
}

/// Parses the first choice's content as JSON.
pub fn json_content(response: &ChatResponse) -> Result<Value, LlmError> {
    let text = content(response)?;
    serde_json::from_str(text).map_err(|e| LlmError::SchemaViolation(format!("not JSON: {e}")))
}
