//! LLM settings (`llm.*`).

use riskmonitor_runtime::Secret;
use riskmonitor_runtime::resilience::BreakerSettings;
use riskmonitor_runtime::settings::{SettingsError, reject};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LlmSettings {
    /// Base URL of an OpenAI-compatible API (e.g. `https://api.openai.com/v1`); empty means no
    /// LLM: the deterministic analyst and templates answer.
    pub url: String,
    pub api_key: Secret,
    pub model: String,
    /// Per call.
    pub timeout_ms: u64,
    /// Calls in flight at once; beyond that a caller waits at most `max_wait_ms`, then falls back.
    pub max_concurrent: usize,
    pub max_wait_ms: u64,
    pub breaker: BreakerSettings,
    pub temperature: f32,
    pub max_tokens: u32,
}

impl Default for LlmSettings {
    fn default() -> Self {
        Self {
            url: String::new(),
            api_key: Secret::default(),
            model: "gpt-4o-mini".into(),
            timeout_ms: 8_000,
            max_concurrent: 8,
            max_wait_ms: 100,
            breaker: BreakerSettings::default(),
            temperature: 0.0,
            max_tokens: 800,
        }
    }
}

impl LlmSettings {
    pub fn is_configured(&self) -> bool {
        !self.url.trim().is_empty()
    }

    pub fn validate(&self) -> Result<(), SettingsError> {
        if !self.is_configured() {
            return Ok(());
        }
        let url = self.url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(reject("llm.url", "must be an http(s) URL, or empty for no LLM"));
        }
        if reqwest::Url::parse(url).is_err() {
            return Err(reject("llm.url", "is not a valid URL"));
        }
        if self.model.trim().is_empty() {
            return Err(reject("llm.model", "must name a model when llm.url is set"));
        }
        if self.timeout_ms == 0 {
            return Err(reject("llm.timeout_ms", "must be positive"));
        }
        if self.max_concurrent == 0 {
            return Err(reject("llm.max_concurrent", "must be at least 1"));
        }
        if !(0.0..=2.0).contains(&self.temperature) {
            return Err(reject("llm.temperature", "must be between 0 and 2"));
        }
        if self.max_tokens == 0 {
            return Err(reject("llm.max_tokens", "must be positive"));
        }
        Ok(())
    }
}
