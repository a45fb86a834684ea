//! MCP: the tools over Streamable HTTP (`/mcp`, stateless by default so any replica answers
//! any request) and over stdio (`--stdio`).

pub mod server;
pub mod stdio;

use crate::settings::HttpSettings;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use server::McpServer;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

pub type McpService = StreamableHttpService<McpServer, LocalSessionManager>;

/// The Streamable HTTP service. `cancel` ends open streams; it is cancelled only after the
/// HTTP server has drained, so a shutdown never cuts a tool call short.
pub fn http_service(server: McpServer, http: &HttpSettings, cancel: CancellationToken) -> McpService {
    let mut config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(http.mcp_sessions)
        .with_json_response(true)
        .with_cancellation_token(cancel)
        .with_max_request_body_bytes(http.max_body_bytes);
    config = if http.allowed_hosts.iter().any(|h| h == "*") {
        config.disable_allowed_hosts()
    } else {
        config.with_allowed_hosts(http.allowed_hosts.iter().cloned())
    };
    config = if http.allowed_origins.iter().any(|o| o == "*") {
        config.disable_allowed_origins()
    } else if http.allowed_origins.is_empty() {
        config.enforce_origin_validation()
    } else {
        config.with_allowed_origins(http.allowed_origins.iter().cloned())
    };
    StreamableHttpService::new(move || Ok(server.clone()), Arc::new(LocalSessionManager::default()), config)
}
