//! Processing one alert (shared by the consume loop and the reconciliation scan), and the scan
//! itself: every `reconcile_interval_secs`, alerts still `pending_analysis` after
//! `stuck_after_secs` with no live claim are analysed here (a crashed replica, a lost doorbell).

use crate::app::Shared;
use crate::events::{AlertAnalysed, AlertSkipped};
use crate::store::{Claim, Finished};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

pub async fn run(shared: Shared, cancel: CancellationToken) {
    let a = &shared.settings.analyzer;
    let interval = Duration::from_secs(a.reconcile_interval_secs.max(1));
    let stuck_after = Duration::from_secs(a.stuck_after_secs);
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(interval) => {}
        }
        match shared.store.stuck(stuck_after).await {
            Ok(ids) => {
                for alert_id in ids {
                    if cancel.is_cancelled() {
                        return;
                    }
                    tracing::info!(event = "reconcile_stuck_alert", alert_id = %alert_id);
                    process(&shared, &alert_id, None).await;
                }
            }
            Err(e) => tracing::warn!(event = "reconcile_failed", error = %e),
        }
    }
}

/// Claims, analyses and hands on one alert. Never fails: whatever goes wrong is logged, the
/// claim released, and the scan retries later.
pub async fn process(shared: &Shared, alert_id: &str, traceparent: Option<&str>) {
    // Continue the alert's trace: the parent must be known before the span starts.
    let stored;
    let traceparent = match traceparent {
        Some(tp) => Some(tp),
        None => {
            stored = sqlx::query_scalar::<_, Option<String>>("SELECT traceparent FROM alerts WHERE alert_id = ?")
                .bind(alert_id)
                .fetch_optional(&shared.store.pool)
                .await
                .ok()
                .flatten()
                .flatten();
            stored.as_deref()
        }
    };
    let span = tracing::info_span!("analyse_alert", alert_id = %alert_id, trace_id = tracing::field::Empty);
    if let Some(tp) = traceparent {
        riskmonitor_runtime::telemetry::set_parent(&span, tp);
    }
    riskmonitor_runtime::telemetry::record_trace_id(&span);
    async {
        let started = Instant::now();
        let alert = match shared.store.claim(alert_id).await {
            Ok(Claim::Claimed(alert)) => alert,
            Ok(Claim::AlreadyDone(status)) => {
                return AlertSkipped { alert_id, reason: "already_done", detail: Some(status.as_str()) }.emit();
            }
            Ok(Claim::Busy) => return AlertSkipped { alert_id, reason: "busy", detail: None }.emit(),
            Ok(Claim::Missing) => return AlertSkipped { alert_id, reason: "missing", detail: None }.emit(),
            Err(e) => {
                return AlertSkipped { alert_id, reason: "failed", detail: Some(&e.to_string()) }.emit();
            }
        };
        let context = match crate::context::load(shared, &alert).await {
            Ok(c) => c,
            Err(e) => {
                let _ = shared.store.release(alert_id).await;
                return AlertSkipped { alert_id, reason: "failed", detail: Some(&e.to_string()) }.emit();
            }
        };
        let outcome = riskmonitor_llm::analyse(shared.llm.as_ref(), &context).await;
        let source = match outcome.source {
            riskmonitor_llm::AnalysisSource::Llm { .. } => "llm",
            riskmonitor_llm::AnalysisSource::Deterministic => "deterministic",
        };
        let analysis = match serde_json::to_value(&outcome.analysis) {
            Ok(v) => v,
            Err(e) => {
                let _ = shared.store.release(alert_id).await;
                return AlertSkipped { alert_id, reason: "failed", detail: Some(&e.to_string()) }.emit();
            }
        };
        let finished = Finished { analysis: &analysis, summary: &outcome.analysis.summary, source };
        match shared.store.complete(&alert, &finished).await {
            Ok(true) => {
                shared.relay.notify();
                AlertAnalysed {
                    alert_id,
                    source,
                    fallback_reason: outcome.fallback_reason.as_deref(),
                    elapsed_ms: started.elapsed().as_millis() as u64,
                }
                .emit();
            }
            Ok(false) => AlertSkipped { alert_id, reason: "lost_claim", detail: None }.emit(),
            Err(e) => {
                let _ = shared.store.release(alert_id).await;
                AlertSkipped { alert_id, reason: "failed", detail: Some(&e.to_string()) }.emit();
            }
        }
    }
    .instrument(span)
    .await
}
