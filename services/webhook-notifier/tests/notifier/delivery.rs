//! Delivery behaviour: signatures, retries, stable ids, fail-fast, Retry-After, reminders,
//! resolutions, replays.

use crate::support::*;
use riskmonitor_testkit::http::{Receiver, Reply};
use riskmonitor_testkit::wait_until;
use std::time::Duration;

#[tokio::test]
async fn signed_webhooks_verify_with_the_reference_library_and_carry_the_contract_fields() {
    let receiver = receiver_ok().await;
    let (env, db, settings) = settings(&receiver.url).await;
    let app = spawn(env, db, settings).await;
    let mut ids = Vec::new();
    for desk in ["rates", "credit", "fx"] {
        ids.push(publish_alert(&app.db, &app.settings, desk).await);
    }
    wait_until("3 webhooks", Duration::from_secs(30), || async { (receiver.received().len() >= 3).then_some(()) })
        .await;
    let received = receiver.received();
    assert_eq!(verify_with_reference_library(&received, &[SECRET_A, SECRET_B]), 2 * received.len());
    for r in &received {
        let body = r.json();
        assert_eq!(body["type"], "risk.limit_breach");
        assert_eq!(body["delivery_id"].as_str(), r.header("webhook-id"));
        assert_eq!(body["metric"], "net_delta");
        assert_eq!(body["value"], "1250000.5");
        assert_eq!(body["limit_value"], "1000000");
        assert_eq!(body["summary"], "Desk over its net_delta limit by 25%.");
        assert_eq!(body["analysis"]["severity"], "high");
        let alert_id = body["alert_id"].as_str().unwrap();
        assert!(ids.iter().any(|i| i == alert_id));
        assert_eq!(body["ack_url"], format!("http://gateway.test/v1/alerts/{alert_id}/ack"));
        assert!(body["opened_at"].as_str().unwrap().ends_with('Z'));
        assert_eq!(r.header("webhook-signature").unwrap().split(' ').count(), 2, "one signature per secret");
    }
    for id in &ids {
        let db = &app.db;
        wait_until("delivered status", Duration::from_secs(10), || async {
            (alert_status(db, id).await == "delivered").then_some(())
        })
        .await;
    }
    let attempts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM delivery_attempts WHERE outcome = 'delivered'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(attempts, 3);
    app.stop().await;
}

#[tokio::test]
async fn a_flaky_endpoint_still_gets_every_alert_each_under_one_stable_id() {
    // Every other request fails with 500, one in five hangs past the client's timeout.
    let receiver = Receiver::start(|i, _| match i % 5 {
        0 | 2 => Reply::Status(500),
        1 => Reply::Delay(Duration::from_millis(800), 200),
        _ => Reply::Status(200),
    })
    .await;
    let (env, db, settings) = settings(&receiver.url).await;
    let app = spawn(env, db, settings).await;
    let mut ids = Vec::new();
    for i in 0..20 {
        ids.push(publish_alert(&app.db, &app.settings, &format!("desk-{i}")).await);
    }
    for id in &ids {
        let db = &app.db;
        wait_until("every alert delivered", Duration::from_secs(60), || async {
            (alert_status(db, id).await == "delivered").then_some(())
        })
        .await;
    }
    let received = receiver.received();
    assert!(received.len() > 20, "retries happened: {}", received.len());
    let by_alert = ids_by_alert(&received, "risk.limit_breach");
    assert_eq!(by_alert.len(), 20);
    for (alert, webhook_ids) in &by_alert {
        assert_eq!(webhook_ids.len(), 1, "alert {alert} was sent under several webhook-ids: {webhook_ids:?}");
    }
    let retried: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM delivery_attempts WHERE outcome = 'retry'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(retried > 0);
    app.stop().await;
}

#[tokio::test]
async fn a_client_error_fails_fast_with_a_dead_letter_record() {
    let receiver = Receiver::start(|_, _| Reply::Status(400)).await;
    let (env, db, settings) = settings(&receiver.url).await;
    let app = spawn(env, db, settings).await;
    let id = publish_alert(&app.db, &app.settings, "rates").await;
    let db = &app.db;
    wait_until("delivery_failed", Duration::from_secs(20), || async {
        (alert_status(db, &id).await == "delivery_failed").then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 1, "a 400 is not retried");
    let dead: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dead_letters WHERE source = 'webhook-notifier'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(dead, 1);
    app.stop().await;
}

#[tokio::test]
async fn retry_after_is_honoured_and_408_409_429_are_retried() {
    let receiver = Receiver::start(|i, _| match i {
        0 => Reply::StatusWith(429, vec![("retry-after".into(), "1".into())]),
        1 => Reply::Status(408),
        2 => Reply::Status(409),
        _ => Reply::Status(200),
    })
    .await;
    let (env, db, settings) = settings(&receiver.url).await;
    let app = spawn(env, db, settings).await;
    let id = publish_alert(&app.db, &app.settings, "rates").await;
    let db = &app.db;
    wait_until("delivered", Duration::from_secs(20), || async {
        (alert_status(db, &id).await == "delivered").then_some(())
    })
    .await;
    let received = receiver.received();
    assert_eq!(received.len(), 4);
    let gap = received[1].at - received[0].at;
    assert!(gap >= Duration::from_millis(990), "Retry-After: 1 was not honoured: {gap:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_replayed_doorbell_sends_nothing_new() {
    let receiver = receiver_ok().await;
    let (env, db, settings) = settings(&receiver.url).await;
    let app = spawn(env, db, settings).await;
    let id = publish_alert(&app.db, &app.settings, "rates").await;
    let db = &app.db;
    wait_until("delivered", Duration::from_secs(20), || async {
        (alert_status(db, &id).await == "delivered").then_some(())
    })
    .await;
    for _ in 0..3 {
        ring(&app.settings, &id, "rates").await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(receiver.received().len(), 1);
    let deliveries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deliveries").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(deliveries, 1);
    app.stop().await;
}

#[tokio::test]
async fn reminders_follow_without_an_ack_then_escalation() {
    let receiver = receiver_ok().await;
    let (env, db, mut settings) = settings(&receiver.url).await;
    settings.webhook.ack_timeout_secs = 1;
    settings.webhook.max_reminders = 2;
    let app = spawn(env, db, settings).await;
    let id = publish_alert(&app.db, &app.settings, "rates").await;
    let pool = &app.db.pool;
    wait_until("escalation", Duration::from_secs(30), || async {
        let escalated: Option<chrono::DateTime<chrono::Utc>> =
            sqlx::query_scalar("SELECT escalated_at FROM alerts WHERE alert_id = ?")
                .bind(&id)
                .fetch_one(pool)
                .await
                .ok()?;
        escalated.map(|_| ())
    })
    .await;
    let received = receiver.received();
    let reminders: Vec<u64> = received.iter().map(|r| r.json()["reminder"].as_u64().unwrap()).collect();
    assert_eq!(reminders, vec![0, 1, 2]);
    let ids: std::collections::BTreeSet<_> =
        received.iter().map(|r| r.header("webhook-id").unwrap().to_owned()).collect();
    assert_eq!(ids.len(), 3, "each reminder is a new delivery with its own webhook-id");
    assert!(received.iter().all(|r| r.json()["type"] == "risk.limit_breach"));
    app.stop().await;
}

#[tokio::test]
async fn an_episode_resolved_before_the_ack_sends_limit_resolved() {
    let receiver = receiver_ok().await;
    let (env, db, settings) = settings(&receiver.url).await;
    let app = spawn(env, db, settings).await;
    let id = publish_alert(&app.db, &app.settings, "rates").await;
    let db = &app.db;
    wait_until("delivered", Duration::from_secs(20), || async {
        (alert_status(db, &id).await == "delivered").then_some(())
    })
    .await;
    sqlx::query("UPDATE alerts SET resolved_at = CURRENT_TIMESTAMP(6), resolved_value = 900000 WHERE alert_id = ?")
        .bind(&id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let resolved = wait_until("limit_resolved webhook", Duration::from_secs(20), || async {
        receiver.received().into_iter().find(|r| r.json()["type"] == "risk.limit_resolved")
    })
    .await;
    let body = resolved.json();
    assert_eq!(body["alert_id"], id.as_str());
    assert_eq!(body["resolved_value"], "900000");
    assert!(body["resolved_at"].is_string());
    assert_eq!(verify_with_reference_library(&[resolved], &[SECRET_A]), 1);
    app.stop().await;
}
