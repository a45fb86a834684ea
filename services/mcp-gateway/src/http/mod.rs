//! The HTTP server: admin endpoints (open), then `/openapi.json`, the REST mirror and `/mcp`
//! behind the guard (auth, rate limit, bulkhead, timeout), all inside the request-context layer.

pub mod context;
pub mod extract;
pub mod guard;
pub mod openapi;
pub mod rebinding;
pub mod rest;
pub mod state;

use crate::error::{ApiError, ErrorCode};
use crate::mcp::McpService;
use axum::extract::{DefaultBodyLimit, State};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use axum::{Json, Router};
use riskmonitor_runtime::Readiness;
use state::AppState;

pub fn router(state: AppState, readiness: Readiness, mcp: McpService) -> Router {
    let max_body = state.settings.http.max_body_bytes;
    let protected = rest::routes()
        .route("/openapi.json", get(openapi_json))
        .layer(from_fn_with_state(state.clone(), guard::layer))
        .with_state(state.clone());
    let mcp = Router::new()
        .route_service("/mcp", mcp)
        .layer(from_fn_with_state(state.clone(), guard::layer))
        .layer(from_fn_with_state(state.clone(), rebinding::layer));
    Router::new()
        .merge(riskmonitor_runtime::admin::router(readiness))
        .merge(protected)
        .merge(mcp)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(from_fn(context::layer))
}

async fn openapi_json(State(s): State<AppState>) -> Json<serde_json::Value> {
    Json(s.openapi.as_ref().clone())
}

async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such route (REST is under /v1/, MCP at /mcp, the API at /openapi.json)")
}
