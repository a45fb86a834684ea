//! The admin HTTP server: `/healthz` (the process is alive), `/readyz` (dependencies answer and
//! no shutdown is under way), `/metrics` (Prometheus text).

use crate::Readiness;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use tokio::net::TcpListener;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminSettings {
    /// Address of the admin server; port 0 picks a free port (tests).
    pub bind: SocketAddr,
}

impl AdminSettings {
    pub fn with_port(port: u16) -> Self {
        Self { bind: SocketAddr::from(([127, 0, 0, 1], port)) }
    }
}

impl Default for AdminSettings {
    fn default() -> Self {
        Self::with_port(0)
    }
}

/// Routes to mount on any axum server (the gateway merges them into its own).
pub fn router(readiness: Readiness) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(readiness)
}

async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, axum::Json(serde_json::json!({ "status": "ok" })))
}

async fn readyz(State(readiness): State<Readiness>) -> Response {
    let report = readiness.evaluate().await;
    let status = if report.ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, axum::Json(report)).into_response()
}

async fn metrics() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], crate::metrics::render())
}

#[derive(Debug, thiserror::Error)]
#[error("cannot bind the admin server to {addr}: {source}")]
pub struct BindError {
    pub addr: SocketAddr,
    #[source]
    pub source: std::io::Error,
}

/// Binds the admin server and serves it for the life of the process.
/// Returns the bound address (useful with port 0).
pub async fn spawn(settings: &AdminSettings, readiness: Readiness) -> Result<SocketAddr, BindError> {
    let listener =
        TcpListener::bind(settings.bind).await.map_err(|source| BindError { addr: settings.bind, source })?;
    let addr = listener.local_addr().map_err(|source| BindError { addr: settings.bind, source })?;
    let app = router(readiness);
    // The admin server keeps answering (with /readyz 503) while work drains; it stops with the
    // process, so it is not tracked by the shutdown drain.
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "admin server failed");
        }
    });
    tracing::info!(event = "admin_listening", %addr, "admin server listening");
    Ok(addr)
}
