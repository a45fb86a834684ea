//! Protection of everything but the admin endpoints: bearer auth (401 with
//! `WWW-Authenticate`, 403 without a role that reads), then the rate limit of the token (429
//! with `Retry-After`), then the in-flight bulkhead (503 `overloaded` when full) and the
//! request timeout (504).

use super::context::RequestMeta;
use super::state::AppState;
use crate::auth::{Access, bearer};
use crate::error::{ApiError, ErrorCode};
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Duration;

pub async fn layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let token = req.headers().get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(bearer);
    let Some(token) = token else {
        return ApiError::new(ErrorCode::Unauthorized, "missing bearer token: send `Authorization: Bearer <token>`")
            .into_response();
    };
    let Some(principal) = state.tokens.authenticate(token) else {
        return ApiError::new(ErrorCode::Unauthorized, "invalid bearer token").into_response();
    };
    if let Some(meta) = req.extensions().get::<RequestMeta>() {
        meta.span.record("principal", principal.name.as_str());
    }
    if !principal.may(Access::Read) {
        return ApiError::new(ErrorCode::Forbidden, principal.denied(Access::Read)).into_response();
    }
    if let Err(wait) = state.limiter.check(&principal.name) {
        let secs = wait.as_secs_f64().ceil() as u64;
        return ApiError::new(ErrorCode::RateLimited, format!("rate limit of this token exceeded; retry in {secs} s"))
            .retry_after(secs)
            .into_response();
    }
    let Ok(_permit) = state.in_flight.clone().try_acquire_owned() else {
        return ApiError::new(ErrorCode::Overloaded, "the gateway is at its in-flight limit; retry shortly")
            .retry_after(1)
            .into_response();
    };
    req.extensions_mut().insert(principal);
    let timeout = Duration::from_millis(state.settings.protection.request_timeout_ms);
    match tokio::time::timeout(timeout, next.run(req)).await {
        Ok(response) => response,
        Err(_) => {
            ApiError::new(ErrorCode::Timeout, format!("the request did not complete within {} ms", timeout.as_millis()))
                .into_response()
        }
    }
}
