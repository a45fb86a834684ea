//! Wiring: settings -> MySQL guard, market client, LLM, tools, auth, the HTTP server; then
//! serve until shutdown, draining in-flight requests (readiness turns false at once).

use crate::Settings;
use crate::auth::{AuthConfigError, TokenStore};
use crate::conclusion::Concluder;
use crate::deps::Db;
use crate::http::state::AppState;
use crate::mcp::server::McpServer;
use crate::ratelimit::RateLimiter;
use crate::tools::Tools;
use axum::Router;
use riskmonitor_runtime::service::{BoxError, Context};
use riskmonitor_runtime::{Readiness, Shutdown};
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error(transparent)]
    Db(#[from] riskmonitor_db::DbError),
    #[error(transparent)]
    Market(#[from] riskmonitor_market::MarketError),
    #[error(transparent)]
    Llm(#[from] riskmonitor_llm::LlmError),
    #[error("auth settings: {0}")]
    Auth(#[from] AuthConfigError),
    #[error("cannot bind the server to {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("server failed: {0}")]
    Serve(std::io::Error),
}

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

/// The tools and their dependencies (shared by the HTTP server and `--stdio`).
pub fn build_tools(settings: &Settings) -> Result<Tools, GatewayError> {
    let pool = riskmonitor_db::connect(&settings.database)?;
    let p = &settings.protection;
    let db = Db::new(pool, p.mysql_max_concurrent, ms(p.mysql_max_wait_ms), ms(p.mysql_timeout_ms));
    let market = riskmonitor_market::MarketClient::new(&settings.market)?;
    let llm = riskmonitor_llm::LlmClient::from_settings(&settings.llm)?.map(crate::llm::Llm::new);
    let t = &settings.tools;
    let concluder = Concluder::new(llm.clone(), &t.llm_conclusion_tools);
    Ok(Tools::new(db, Some(market), llm, concluder, t.clone()))
}

pub struct Application {
    listener: TcpListener,
    addr: SocketAddr,
    router: Router,
    readiness: Readiness,
    shutdown: Shutdown,
    mcp_cancel: CancellationToken,
    grace: Duration,
}

impl Application {
    pub async fn build(settings: Settings, readiness: Readiness, shutdown: Shutdown) -> Result<Self, GatewayError> {
        let tools = build_tools(&settings)?;
        readiness.add_check("mysql", riskmonitor_db::readiness_check(tools.db().pool().clone()));
        let tokens = TokenStore::new(&settings.auth)?;
        if tokens.uses_dev_tokens() {
            tracing::warn!(
                event = "dev_tokens",
                "the development API tokens are accepted: set auth.tokens in deployments"
            );
        }
        let p = &settings.protection;
        let mcp_cancel = CancellationToken::new();
        let mcp = crate::mcp::http_service(McpServer::http(tools.clone()), &settings.http, mcp_cancel.clone());
        let state = AppState {
            tools,
            tokens: Arc::new(tokens),
            limiter: Arc::new(RateLimiter::new(p.rate_limit_per_second, p.rate_limit_burst)),
            in_flight: Arc::new(Semaphore::new(p.max_in_flight)),
            openapi: Arc::new(crate::http::openapi::document()),
            settings: Arc::new(settings.clone()),
        };
        let router = crate::http::router(state, readiness.clone(), mcp);
        let bind = settings.http.bind;
        let listener = TcpListener::bind(bind).await.map_err(|source| GatewayError::Bind { addr: bind, source })?;
        let addr = listener.local_addr().map_err(|source| GatewayError::Bind { addr: bind, source })?;
        tracing::info!(event = "listening", %addr, "gateway listening (MCP at /mcp, REST at /v1, /openapi.json)");
        Ok(Self {
            listener,
            addr,
            router,
            readiness,
            shutdown,
            mcp_cancel,
            grace: Duration::from_secs(settings.http.shutdown_grace_secs),
        })
    }

    /// The bound address (useful with port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until shutdown is triggered; then readiness turns false, no new connection is
    /// accepted, and requests in flight finish (up to `http.shutdown_grace_secs`).
    pub async fn run_until_stopped(self) -> Result<(), GatewayError> {
        let Self { listener, router, readiness, shutdown, mcp_cancel, grace, .. } = self;
        let token = shutdown.token();
        let stopping = async move {
            token.cancelled().await;
            readiness.set_shutting_down();
            tracing::info!(event = "draining", "shutdown: readiness false, finishing requests in flight");
        };
        let server = axum::serve(listener, router).with_graceful_shutdown(stopping).into_future();
        tokio::pin!(server);
        let result = tokio::select! {
            r = &mut server => r,
            _ = shutdown.cancelled() => match tokio::time::timeout(grace, &mut server).await {
                Ok(r) => r,
                Err(_) => {
                    tracing::warn!(event = "drain_timeout", grace_secs = grace.as_secs(), "requests still in flight at the end of the grace period");
                    Ok(())
                }
            },
        };
        mcp_cancel.cancel();
        result.map_err(GatewayError::Serve)
    }
}

pub async fn run(ctx: Context<Settings>) -> Result<(), BoxError> {
    match ctx.cli.command.as_str() {
        "migrate" => {
            let pool = riskmonitor_db::connect(&ctx.settings.database)?;
            riskmonitor_db::migrate(&pool).await?;
            tracing::info!(event = "migrated", "migrations applied");
            Ok(())
        }
        _ => {
            let app = Application::build(ctx.settings, ctx.readiness, ctx.shutdown).await?;
            app.run_until_stopped().await?;
            Ok(())
        }
    }
}
