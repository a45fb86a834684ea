//! mcp-gateway's settings (`--print-config` shows the effective values, secrets redacted).

use crate::auth::Role;
use riskmonitor_db::DatabaseSettings;
use riskmonitor_llm::LlmSettings;
use riskmonitor_market::MarketSettings;
use riskmonitor_runtime::service::ServiceSettings;
use riskmonitor_runtime::settings::{SettingsError, Validate, reject};
use riskmonitor_runtime::telemetry::TelemetrySettings;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub telemetry: TelemetrySettings,
    pub http: HttpSettings,
    pub auth: AuthSettings,
    pub protection: ProtectionSettings,
    pub database: DatabaseSettings,
    pub market: MarketSettings,
    /// The LLM (OpenAI-compatible Chat Completions); `llm.url` empty: none, templates answer.
    pub llm: LlmSettings,
    pub tools: ToolSettings,
    /// Accepted and ignored: the gateway uses no Kafka, but the dev stack and compose files
    /// give every service the same `RISKMONITOR_KAFKA__*` environment. Never printed.
    #[serde(skip_serializing)]
    pub kafka: IgnoredAny,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            telemetry: TelemetrySettings::default(),
            http: HttpSettings::default(),
            auth: AuthSettings::default(),
            protection: ProtectionSettings::default(),
            database: DatabaseSettings { max_connections: 32, ..DatabaseSettings::default() },
            market: MarketSettings::default(),
            llm: LlmSettings::default(),
            tools: ToolSettings::default(),
            kafka: IgnoredAny,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    /// The one server: MCP, REST, OpenAPI and the admin endpoints. Port 0 picks a free port.
    pub bind: SocketAddr,
    /// `Host` values accepted on `/mcp` (DNS-rebinding protection), as `name` (any port) or
    /// `name:port`. Behind a load balancer, list the names clients use. `*` accepts any.
    pub allowed_hosts: Vec<String>,
    /// Browser origins accepted on `/mcp` (`scheme://host:port`, `:*` for any port).
    /// Requests without `Origin` (non-browser clients) always pass; with an `Origin` not
    /// listed they get 403. Empty list: every request carrying an `Origin` is refused.
    pub allowed_origins: Vec<String>,
    /// `false` (default): MCP is served statelessly, so any replica answers any request
    /// (both the 2025-11-25 and the stateless 2026-07-28 revisions). `true`: legacy sessions
    /// (`Mcp-Session-Id`) kept in this replica's memory, which then needs sticky routing.
    pub mcp_sessions: bool,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// On SIGTERM: how long in-flight requests may take to finish before the process exits.
    pub shutdown_grace_secs: u64,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 18000)),
            allowed_hosts: vec!["localhost".into(), "127.0.0.1".into(), "[::1]".into()],
            allowed_origins: vec!["http://localhost:*".into(), "http://127.0.0.1:*".into()],
            mcp_sessions: false,
            max_body_bytes: 1024 * 1024,
            shutdown_grace_secs: 20,
        }
    }
}

/// One API token: its SHA-256 (hex), never the token itself.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenSettings {
    /// Who holds it (logged, and recorded as `acked_by`).
    pub name: String,
    /// Hex SHA-256 of the token (`mcp-gateway hash-token` prints it).
    pub sha256: String,
    pub roles: Vec<Role>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    pub tokens: Vec<TokenSettings>,
    /// Roles of the local user of `--stdio` (no token on stdio: whoever can start the
    /// process is trusted with them).
    pub stdio_roles: Vec<Role>,
}

/// Development tokens (`rm-dev-viewer`, `rm-dev-risk-manager`, `rm-dev-admin`); deployments
/// replace them through `auth.tokens`. The gateway logs a warning while they are in use.
pub const DEV_TOKENS: [(&str, &str, Role); 3] = [
    ("dev-viewer", "rm-dev-viewer", Role::Viewer),
    ("dev-risk-manager", "rm-dev-risk-manager", Role::RiskManager),
    ("dev-admin", "rm-dev-admin", Role::Admin),
];

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            tokens: DEV_TOKENS
                .iter()
                .map(|(name, token, role)| TokenSettings {
                    name: (*name).into(),
                    sha256: crate::auth::hash_token(token),
                    roles: vec![*role],
                })
                .collect(),
            stdio_roles: vec![Role::Viewer],
        }
    }
}

/// Protection of the server and of each dependency.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProtectionSettings {
    /// Requests served at once (everything but the admin endpoints); beyond: 503 `overloaded`.
    pub max_in_flight: usize,
    /// Longest a request may take end to end; beyond: 504 `timeout`.
    pub request_timeout_ms: u64,
    /// Sustained requests per second allowed per token; beyond: 429 with `Retry-After`.
    pub rate_limit_per_second: f64,
    /// Requests a token may make in a burst above the sustained rate.
    pub rate_limit_burst: u32,
    /// Timeout of one MySQL query (a tool making several gives each this budget).
    pub mysql_timeout_ms: u64,
    /// MySQL queries in flight at once; a query waits at most `mysql_max_wait_ms` for a slot.
    pub mysql_max_concurrent: usize,
    pub mysql_max_wait_ms: u64,
}

impl Default for ProtectionSettings {
    fn default() -> Self {
        Self {
            max_in_flight: 512,
            request_timeout_ms: 30_000,
            rate_limit_per_second: 50.0,
            rate_limit_burst: 100,
            mysql_timeout_ms: 3_000,
            mysql_max_concurrent: 32,
            mysql_max_wait_ms: 1_000,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ToolSettings {
    /// Page size of `get_positions` and `list_alerts` when the caller gives none.
    pub default_page_size: u32,
    /// Tool calls `ask` may plan for one question.
    pub ask_max_steps: u32,
    /// Tools whose conclusion the LLM writes when one is configured (the others always use
    /// their deterministic template). Paging tools are left out by default: agents call them
    /// in loops, and a template states a page exactly (and they never wait on the LLM).
    /// An LLM conclusion waits at most `llm.max_wait_ms` for a slot plus `llm.timeout_ms`.
    pub llm_conclusion_tools: Vec<String>,
    /// How long a `desk_monitor` answer is shared by the callers asking the same question
    /// (it reads every desk; dashboards poll it). 0 disables the cache.
    pub desk_monitor_cache_ms: u64,
}

impl Default for ToolSettings {
    fn default() -> Self {
        Self {
            default_page_size: 50,
            ask_max_steps: 4,
            llm_conclusion_tools: ["calculate_exposure", "desk_monitor", "get_alert", "check_trade", "ask"]
                .into_iter()
                .map(String::from)
                .collect(),
            desk_monitor_cache_ms: 250,
        }
    }
}

impl Validate for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        self.database.validate()?;
        self.market.validate()?;
        self.llm.validate()?;
        let h = &self.http;
        if h.allowed_hosts.iter().any(|host| host.trim().is_empty()) {
            return Err(reject("http.allowed_hosts", "entries must not be empty"));
        }
        if h.max_body_bytes < 1024 {
            return Err(reject("http.max_body_bytes", "must be at least 1024"));
        }
        crate::auth::TokenStore::new(&self.auth).map_err(|e| reject(&e.key(), e.to_string()))?;
        let p = &self.protection;
        if p.max_in_flight == 0 {
            return Err(reject("protection.max_in_flight", "must be at least 1"));
        }
        if p.request_timeout_ms == 0 {
            return Err(reject("protection.request_timeout_ms", "must be positive"));
        }
        if !(p.rate_limit_per_second.is_finite() && p.rate_limit_per_second > 0.0) {
            return Err(reject("protection.rate_limit_per_second", "must be a positive number"));
        }
        if p.rate_limit_burst == 0 {
            return Err(reject("protection.rate_limit_burst", "must be at least 1"));
        }
        if p.mysql_timeout_ms == 0 || p.mysql_timeout_ms > p.request_timeout_ms {
            return Err(reject("protection.mysql_timeout_ms", "must be between 1 and protection.request_timeout_ms"));
        }
        if p.mysql_max_concurrent == 0 {
            return Err(reject("protection.mysql_max_concurrent", "must be at least 1"));
        }
        let t = &self.tools;
        if t.default_page_size == 0 || t.default_page_size > crate::tools::MAX_PAGE_SIZE {
            return Err(reject(
                "tools.default_page_size",
                format!("must be between 1 and {}", crate::tools::MAX_PAGE_SIZE),
            ));
        }
        if t.ask_max_steps == 0 || t.ask_max_steps > 10 {
            return Err(reject("tools.ask_max_steps", "must be between 1 and 10"));
        }
        if let Some(unknown) = t.llm_conclusion_tools.iter().find(|n| !crate::tools::TOOL_NAMES.contains(&n.as_str())) {
            return Err(reject(
                "tools.llm_conclusion_tools",
                format!("unknown tool `{unknown}` (tools: {})", crate::tools::TOOL_NAMES.join(", ")),
            ));
        }
        Ok(())
    }
}

impl ServiceSettings for Settings {
    fn telemetry(&self) -> &TelemetrySettings {
        &self.telemetry
    }
}
