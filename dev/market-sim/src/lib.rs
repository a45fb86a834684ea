//! A market-snapshot service simulator for the dev stack and tests (binary `market-sim`).
//!
//! - `GET /v1/quotes?underlyings=A,B`: deterministic quotes in the wire format of
//!   [`riskmonitor_market::model`]; names outside `[A-Za-z0-9._-]` are left out (missing).
//! - `GET /healthz`.
//! - `POST /webhooks` (the dev stack's webhook sink: stores headers and body, answers 204),
//!   `GET /webhooks` (the last 1000, oldest first), `DELETE /webhooks`.
//! - `GET|POST /admin/faults`: failure rates and delays for quotes and webhooks.

pub mod app;
pub mod args;
pub mod faults;
pub mod log;
pub mod pricing;
pub mod webhooks;

pub use app::{AppState, router};

use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Serves the simulator on `listener` until `shutdown` completes, then finishes the requests
/// in flight.
pub async fn serve<F>(listener: TcpListener, state: Arc<AppState>, shutdown: F) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await
}
