//! The REST mirror of the tools under `/v1/`, and the ack endpoint.

use super::context::RequestMeta;
use super::extract::{JsonArgs, QueryArgs};
use super::state::AppState;
use crate::ack::{AckInput, AckOutput, ack};
use crate::auth::{Access, Principal};
use crate::error::{ApiError, ErrorCode};
use crate::tools::alerts::{GetAlert, GetAlertInput, ListAlerts, ListAlertsInput};
use crate::tools::ask::{Ask, AskInput};
use crate::tools::check_trade::{CheckTrade, CheckTradeInput};
use crate::tools::desk_monitor::{DeskMonitor, DeskMonitorInput};
use crate::tools::exposure::{CalculateExposure, CalculateExposureInput};
use crate::tools::positions::{GetPositions, GetPositionsInput};
use crate::tools::{CallCtx, Tool};
use axum::Json;
use axum::extract::{Path, State};
use axum::{Extension, Router, routing::get, routing::post};
use schemars::JsonSchema;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/positions", get(get_positions))
        .route("/v1/exposure", get(get_exposure).post(post_exposure))
        .route("/v1/desks", get(desks))
        .route("/v1/alerts", get(list_alerts))
        .route("/v1/alerts/{alert_id}", get(get_alert))
        .route("/v1/alerts/{alert_id}/ack", post(post_ack))
        .route("/v1/check-trade", post(check_trade))
        .route("/v1/ask", post(ask_question))
}

type Reply<T> = Result<Json<T>, ApiError>;

/// Runs tool `T` for a REST request.
async fn run<T: Tool>(state: &AppState, meta: &RequestMeta, principal: Principal, input: T::Input) -> Reply<T::Output> {
    meta.set_tool(T::NAME);
    let call = CallCtx { request_id: meta.request_id.clone(), principal };
    T::run(&state.tools, input, &call).await.map(Json).map_err(ApiError::from)
}

async fn get_positions(
    State(s): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    Extension(p): Extension<Principal>,
    QueryArgs(input): QueryArgs<GetPositionsInput>,
) -> Reply<<GetPositions as Tool>::Output> {
    run::<GetPositions>(&s, &meta, p, input).await
}

/// Query arguments of `GET /v1/exposure` (the POST takes every argument of the tool).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExposureQuery {
    /// The desk: all of its positions, against its limits.
    #[schemars(length(min = 1, max = 64), regex(pattern = r"\S"))]
    pub desk: String,
    /// Also re-price with the market snapshot (default true).
    pub live: Option<bool>,
    /// Include each position's live price, delta and vega (default false).
    pub include_positions: Option<bool>,
}

async fn get_exposure(
    State(s): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    Extension(p): Extension<Principal>,
    QueryArgs(q): QueryArgs<ExposureQuery>,
) -> Reply<<CalculateExposure as Tool>::Output> {
    let input = CalculateExposureInput {
        desk: Some(q.desk),
        live: q.live,
        include_positions: q.include_positions,
        ..CalculateExposureInput::default()
    };
    run::<CalculateExposure>(&s, &meta, p, input).await
}

async fn post_exposure(
    State(s): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    Extension(p): Extension<Principal>,
    JsonArgs(input): JsonArgs<CalculateExposureInput>,
) -> Reply<<CalculateExposure as Tool>::Output> {
    run::<CalculateExposure>(&s, &meta, p, input).await
}

async fn desks(
    State(s): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    Extension(p): Extension<Principal>,
    QueryArgs(input): QueryArgs<DeskMonitorInput>,
) -> Reply<<DeskMonitor as Tool>::Output> {
    run::<DeskMonitor>(&s, &meta, p, input).await
}

async fn list_alerts(
    State(s): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    Extension(p): Extension<Principal>,
    QueryArgs(input): QueryArgs<ListAlertsInput>,
) -> Reply<<ListAlerts as Tool>::Output> {
    run::<ListAlerts>(&s, &meta, p, input).await
}

async fn get_alert(
    State(s): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    Extension(p): Extension<Principal>,
    Path(alert_id): Path<String>,
) -> Reply<<GetAlert as Tool>::Output> {
    run::<GetAlert>(&s, &meta, p, GetAlertInput { alert_id }).await
}

async fn check_trade(
    State(s): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    Extension(p): Extension<Principal>,
    JsonArgs(input): JsonArgs<CheckTradeInput>,
) -> Reply<<CheckTrade as Tool>::Output> {
    run::<CheckTrade>(&s, &meta, p, input).await
}

async fn ask_question(
    State(s): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    Extension(p): Extension<Principal>,
    JsonArgs(input): JsonArgs<AskInput>,
) -> Reply<<Ask as Tool>::Output> {
    run::<Ask>(&s, &meta, p, input).await
}

async fn post_ack(
    State(s): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(alert_id): Path<String>,
    body: Result<JsonArgs<AckInput>, ApiError>,
) -> Reply<AckOutput> {
    // The role is checked before the body: a viewer learns nothing about the alert or the body.
    if !p.may(Access::Ack) {
        return Err(ApiError::new(ErrorCode::Forbidden, p.denied(Access::Ack)));
    }
    let JsonArgs(input) = body?;
    ack(s.tools.db(), &alert_id, &input.delivery_id, &p.name).await.map(Json).map_err(ApiError::from)
}
