//! The scheduler pass, every `scheduler_interval_ms` on every replica: sends due retries
//! (leased, so one replica per delivery), creates reminders, resolution webhooks and missing
//! breach deliveries, escalates alerts whose reminders are spent, cancels moot reminders.

use crate::app::Shared;
use crate::events::{AlertEscalated, DeliveryCreated};
use crate::payload::Kind;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub async fn run(shared: Shared, tracker: TaskTracker, cancel: CancellationToken) {
    let interval = Duration::from_millis(shared.settings.webhook.scheduler_interval_ms);
    let mut housekeeping = 0u32;
    loop {
        if let Err(e) = send_due(&shared, &tracker).await {
            tracing::warn!(event = "scheduler_failed", stage = "due", error = %e);
        }
        // The rarer scans every ~10 passes.
        if housekeeping == 0
            && let Err(e) = housekeep(&shared, &tracker).await
        {
            tracing::warn!(event = "scheduler_failed", stage = "housekeeping", error = %e);
        }
        housekeeping = (housekeeping + 1) % 10;
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(interval) => {}
        }
    }
}

async fn send_due(shared: &Shared, tracker: &TaskTracker) -> Result<(), sqlx::Error> {
    let free = shared.dispatcher.free_slots().min(200) as u32;
    if free == 0 {
        return Ok(());
    }
    for delivery in shared.dispatcher.store().claim_due(free).await? {
        shared.dispatcher.spawn(delivery, tracker).await;
    }
    Ok(())
}

async fn housekeep(shared: &Shared, tracker: &TaskTracker) -> Result<(), sqlx::Error> {
    let store = shared.dispatcher.store();
    let w = &shared.settings.webhook;
    if w.missing_delivery_after_secs > 0 {
        for alert_id in store.alerts_missing_breach_delivery(Duration::from_secs(w.missing_delivery_after_secs)).await?
        {
            create_and_send(shared, tracker, &alert_id, Kind::Breach, 0).await?;
        }
    }
    for alert_id in store.alerts_awaiting_resolution().await? {
        create_and_send(shared, tracker, &alert_id, Kind::Resolved, 0).await?;
    }
    for (alert_id, last_reminder) in store.alerts_awaiting_reminder(Duration::from_secs(w.ack_timeout_secs)).await? {
        if last_reminder < w.max_reminders {
            create_and_send(shared, tracker, &alert_id, Kind::Reminder, last_reminder + 1).await?;
        } else if store.escalate(&alert_id).await?
            && let Some(alert) = riskmonitor_db::alerts::find(&store.pool, &alert_id).await?
        {
            AlertEscalated {
                alert_id: &alert_id,
                desk: &alert.desk,
                metric: alert.metric.as_str(),
                reminders: last_reminder,
            }
            .emit();
        }
    }
    crate::events::AlertCensus(&store.status_census().await?).emit();
    let cancelled = store.cancel_moot_reminders().await?;
    if cancelled > 0 {
        tracing::info!(event = "reminders_cancelled", count = cancelled, "acknowledged before the reminder went out");
    }
    Ok(())
}

/// Creates the delivery (idempotent) and sends its first attempt at once.
pub async fn create_and_send(
    shared: &Shared,
    tracker: &TaskTracker,
    alert_id: &str,
    kind: Kind,
    reminder: u32,
) -> Result<(), sqlx::Error> {
    let store = shared.dispatcher.store();
    let Some(alert) = riskmonitor_db::alerts::find(&store.pool, alert_id).await? else {
        return Ok(());
    };
    if let Some(delivery) = store.create(&alert, kind, reminder, &shared.settings.webhook.ack_base_url).await? {
        DeliveryCreated { delivery_id: &delivery.delivery_id, alert_id, kind: kind.as_str(), reminder }.emit();
        shared.dispatcher.spawn(delivery, tracker).await;
    }
    Ok(())
}
