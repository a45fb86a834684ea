//! What the HTTP handlers and layers share.

use crate::auth::TokenStore;
use crate::ratelimit::RateLimiter;
use crate::settings::Settings;
use crate::tools::Tools;
use std::sync::Arc;
use tokio::sync::Semaphore;

#[derive(Clone)]
pub struct AppState {
    pub tools: Tools,
    pub tokens: Arc<TokenStore>,
    pub limiter: Arc<RateLimiter>,
    /// Requests served at once (the server's own bulkhead).
    pub in_flight: Arc<Semaphore>,
    pub settings: Arc<Settings>,
    /// `/openapi.json`, built once.
    pub openapi: Arc<serde_json::Value>,
}
