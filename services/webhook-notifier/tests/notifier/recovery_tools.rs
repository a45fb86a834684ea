//! Incident recovery with riskmonitor-admin: a re-driven dead letter that is now valid is
//! delivered once; a stuck alert re-published is delivered once.

use crate::support::*;
use riskmonitor_admin::dlq::{self, Select};
use riskmonitor_domain::AlertStatus;
use riskmonitor_testkit::wait_until;
use std::time::Duration;

#[tokio::test]
async fn a_redriven_dead_letter_that_is_now_valid_is_delivered_once() {
    let receiver = receiver_ok().await;
    let (env, db, mut settings) = settings(&receiver.url).await;
    settings.webhook.missing_delivery_after_secs = 0; // only the re-drive may deliver it
    let app = spawn(env, db, settings).await;
    // The doorbell rings before the alert exists (say, a restore lagging behind): dead letter.
    let alert_id = uuid::Uuid::now_v7().to_string();
    ring(&app.settings, &alert_id, "rates").await;
    let dlq_topic = app.settings.kafka.topics.alerts_pending_delivery_dlq.name.clone();
    let kafka = app.settings.kafka.clone();
    let letters = wait_until("the dead letter", Duration::from_secs(30), || {
        let kafka = kafka.clone();
        let topic = dlq_topic.clone();
        async move {
            let l = tokio::task::spawn_blocking(move || dlq::list(&kafka, &topic, 10)).await.ok()?.ok()?;
            (!l.is_empty()).then_some(l)
        }
    })
    .await;
    assert!(letters[0].reason.as_deref().unwrap_or_default().contains("does not exist"), "{letters:?}");
    // Now the alert is there; re-drive everything, twice: the second run finds nothing new.
    let (kept_id, _) = (alert_id.clone(), ());
    sqlx::query(
        "INSERT INTO alerts (alert_id, desk, metric, status, value, limit_value, resolve_ratio, summary) \
         VALUES (?, 'rates', 'vega', 'pending_delivery', 12, 10, 0.95, 'vega over')",
    )
    .bind(&kept_id)
    .execute(&app.db.pool)
    .await
    .unwrap();
    let (k1, t1) = (app.settings.kafka.clone(), dlq_topic.clone());
    let sent = tokio::task::spawn_blocking(move || dlq::redrive(&k1, &t1, Select::All, false)).await.unwrap().unwrap();
    assert_eq!(sent.len(), 1);
    let (k2, t2) = (app.settings.kafka.clone(), dlq_topic.clone());
    let again = tokio::task::spawn_blocking(move || dlq::redrive(&k2, &t2, Select::All, false)).await.unwrap().unwrap();
    assert!(again.is_empty(), "progress is remembered");
    let db = &app.db;
    wait_until("delivered", Duration::from_secs(30), || async {
        (alert_status(db, &kept_id).await == "delivered").then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(ids_by_alert(&receiver.received(), "risk.limit_breach")[&kept_id].len(), 1);
    assert_eq!(receiver.received().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_stuck_alert_republished_is_delivered_once() {
    let receiver = receiver_ok().await;
    let (env, db, mut settings) = settings(&receiver.url).await;
    settings.webhook.missing_delivery_after_secs = 0;
    let app = spawn(env, db, settings).await;
    // In pending_delivery with no doorbell at all (lost before the outbox existed, say).
    let alert_id = insert_alert(&app.db, "credit", "pending_delivery").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(receiver.received().is_empty());
    let stuck = riskmonitor_admin::alerts::find(&app.db.pool, &[AlertStatus::PendingDelivery], Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(stuck.iter().map(|s| s.alert_id.as_str()).collect::<Vec<_>>(), vec![alert_id.as_str()]);
    for _ in 0..2 {
        riskmonitor_admin::alerts::republish(&app.db.pool, &app.settings.kafka, &stuck).await.unwrap();
    }
    let db = &app.db;
    wait_until("delivered", Duration::from_secs(30), || async {
        (alert_status(db, &alert_id).await == "delivered").then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(receiver.received().len(), 1, "re-published twice, delivered once");
    app.stop().await;
}
