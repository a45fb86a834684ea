//! kill -9 of the notifier with deliveries pending, then a restart: nothing lost, nothing
//! delivered under two ids.

use crate::support::*;
use riskmonitor_testkit::http::{Receiver, Reply};
use riskmonitor_testkit::process::ServiceProcess;
use riskmonitor_testkit::wait_until;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_webhook-notifier");

fn env_of(settings: &webhook_notifier::Settings, db_url: &str) -> BTreeMap<String, String> {
    let k = &settings.kafka;
    let w = &settings.webhook;
    BTreeMap::from([
        ("RISKMONITOR_DATABASE__URL".into(), db_url.to_owned()),
        ("RISKMONITOR_KAFKA__BROKERS".into(), k.brokers.clone()),
        ("RISKMONITOR_KAFKA__REGISTRY_URL".into(), k.registry_url.clone()),
        (
            "RISKMONITOR_KAFKA__TOPICS__ALERTS_PENDING_DELIVERY__NAME".into(),
            k.topics.alerts_pending_delivery.name.clone(),
        ),
        (
            "RISKMONITOR_KAFKA__TOPICS__ALERTS_PENDING_DELIVERY_DLQ__NAME".into(),
            k.topics.alerts_pending_delivery_dlq.name.clone(),
        ),
        ("RISKMONITOR_WEBHOOK__URL".into(), w.url.clone()),
        ("RISKMONITOR_WEBHOOK__SECRETS".into(), format!("[\"{SECRET_A}\"]")),
        ("RISKMONITOR_WEBHOOK__GROUP_ID".into(), w.group_id.clone()),
        ("RISKMONITOR_WEBHOOK__REQUEST_TIMEOUT_MS".into(), "300".into()),
        ("RISKMONITOR_WEBHOOK__RETRY_BASE_MS".into(), "100".into()),
        ("RISKMONITOR_WEBHOOK__RETRY_MAX_MS".into(), "400".into()),
        ("RISKMONITOR_WEBHOOK__LEASE_SECS".into(), "2".into()),
        ("RISKMONITOR_WEBHOOK__MAX_ATTEMPTS".into(), "1000".into()),
        ("RISKMONITOR_WEBHOOK__SCHEDULER_INTERVAL_MS".into(), "50".into()),
    ])
}

#[tokio::test]
async fn kill_9_with_deliveries_pending_loses_nothing_and_doubles_no_id() {
    let up = Arc::new(AtomicBool::new(false));
    let flag = up.clone();
    let receiver =
        Receiver::start(move |_, _| if flag.load(Ordering::SeqCst) { Reply::Status(200) } else { Reply::Status(503) })
            .await;
    let (_env, db, settings) = settings(&receiver.url).await;
    let vars = env_of(&settings, &db.url);
    let log = std::env::temp_dir().join(format!("{}.log", riskmonitor_testkit::unique("notifier-kill9-")));
    let mut first = ServiceProcess::spawn(Path::new(BIN), &vars, &log);
    first.wait_ready(Duration::from_secs(60)).await;
    let mut ids = Vec::new();
    for i in 0..10 {
        ids.push(publish_alert(&db, &settings, &format!("desk-{i}")).await);
    }
    wait_until("attempts under way", Duration::from_secs(30), || async {
        (receiver.received().len() >= 15).then_some(())
    })
    .await;
    first.kill9().await;
    up.store(true, Ordering::SeqCst);
    let mut second = ServiceProcess::spawn(Path::new(BIN), &vars, &log);
    second.wait_ready(Duration::from_secs(60)).await;
    for id in &ids {
        let db = &db;
        wait_until("delivered after restart", Duration::from_secs(60), || async {
            (alert_status(db, id).await == "delivered").then_some(())
        })
        .await;
    }
    let (status, _) = second.terminate(Duration::from_secs(10)).await;
    assert!(status.success());
    let by_alert = ids_by_alert(&receiver.received(), "risk.limit_breach");
    assert_eq!(by_alert.len(), 10, "every alert reached the endpoint");
    for (alert, webhook_ids) in by_alert {
        assert_eq!(webhook_ids.len(), 1, "alert {alert} went out under several ids: {webhook_ids:?}");
    }
    let delivered_twice: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT delivery_id FROM delivery_attempts WHERE outcome = 'delivered' GROUP BY delivery_id HAVING COUNT(*) > 1) x",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(delivered_twice, 0);
}
