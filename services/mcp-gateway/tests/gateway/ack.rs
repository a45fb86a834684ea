//! The ack matrix of the contract: 200 and `consumed`; the same ack again 200; unknown alert
//! 404; a delivery never sent for that alert 409; recorded once, by the token's name.

use crate::support::{ADMIN, RISK_MANAGER, VIEWER, spawn_app};
use reqwest::StatusCode;
use serde_json::json;
use sqlx::Row;

#[tokio::test]
async fn ack_matrix() {
    let app = spawn_app().await;
    let desk = app.desk("fx");
    let alert = app.alert(&desk, "net_delta", "delivered", "700", "500", false).await;
    let other = app.alert(&desk, "vega", "delivered", "70", "50", false).await;
    let sent = app.delivery(&alert, "breach", 0, 1).await;
    let reminder = app.delivery(&alert, "reminder", 1, 2).await;
    let never_sent = app.delivery(&alert, "reminder", 2, 0).await;
    let of_other = app.delivery(&other, "breach", 0, 1).await;
    let ack = |id: &str| format!("/v1/alerts/{id}/ack");

    let a = app.post(&ack("9b0e6a53-0000-4000-8000-000000000000"), RISK_MANAGER, json!({"delivery_id": sent})).await;
    assert_eq!((a.status, a.code()), (StatusCode::NOT_FOUND, "not_found"), "{:#}", a.body);
    for bad in [never_sent.clone(), of_other.clone(), uuid::Uuid::new_v4().to_string()] {
        let a = app.post(&ack(&alert), RISK_MANAGER, json!({"delivery_id": bad})).await;
        assert_eq!((a.status, a.code()), (StatusCode::CONFLICT, "conflict"), "{:#}", a.body);
    }
    let a = app.post(&ack(&alert), RISK_MANAGER, json!({"id": sent})).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{:#}", a.body);
    assert!(a.body["error"]["message"].as_str().unwrap().contains("delivery_id"), "{:#}", a.body);
    let a = app.post(&ack(&alert), VIEWER, json!({"delivery_id": sent})).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    // Nothing was recorded by the refused attempts.
    let status: String = sqlx::query_scalar("SELECT CAST(status AS CHAR) FROM alerts WHERE alert_id = ?")
        .bind(&alert)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(status, "delivered");

    let first = app.post(&ack(&alert), RISK_MANAGER, json!({"delivery_id": sent})).await;
    assert_eq!(first.status, StatusCode::OK, "{:#}", first.body);
    assert_eq!(first.body["status"], "consumed");
    assert_eq!(first.body["already_acked"], false);
    assert_eq!(first.body["acked_by"], "risk-manager");
    let again = app.post(&ack(&alert), RISK_MANAGER, json!({"delivery_id": sent})).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["already_acked"], true);
    assert_eq!(again.body["acked_at"], first.body["acked_at"]);
    // Another delivery of the same alert (a reminder), by another role: still 200, first ack kept.
    let later = app.post(&ack(&alert), ADMIN, json!({"delivery_id": reminder})).await;
    assert_eq!(later.status, StatusCode::OK);
    assert_eq!(later.body["acked_delivery_id"], sent.as_str());
    assert_eq!(later.body["acked_by"], "risk-manager");
    // A delivery never sent is still a 409 after the ack.
    let a = app.post(&ack(&alert), RISK_MANAGER, json!({"delivery_id": never_sent})).await;
    assert_eq!(a.status, StatusCode::CONFLICT);

    let row = sqlx::query(
        "SELECT CAST(status AS CHAR) AS s, acked_by, acked_delivery_id, acked_at FROM alerts WHERE alert_id = ?",
    )
    .bind(&alert)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(row.get::<String, _>("s"), "consumed");
    assert_eq!(row.get::<Option<String>, _>("acked_by").as_deref(), Some("risk-manager"));
    assert_eq!(row.get::<Option<String>, _>("acked_delivery_id"), Some(sent.clone()));
    app.stop().await;
}

#[tokio::test]
async fn a_delivery_being_sent_can_be_acked_and_concurrent_acks_record_once() {
    let app = spawn_app().await;
    let desk = app.desk("rates");
    let alert = app.alert(&desk, "gross_notional", "pending_delivery", "12", "10", false).await;
    // The notifier holds the lease and is sending it right now (attempt not yet recorded).
    let in_flight = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO deliveries (delivery_id, alert_id, kind, payload, lease_owner, lease_until) \
         VALUES (?, ?, 'breach', '{}', 'notifier-1', CURRENT_TIMESTAMP(6) + INTERVAL 1 MINUTE)",
    )
    .bind(&in_flight)
    .bind(&alert)
    .execute(&app.db.pool)
    .await
    .unwrap();
    let path = format!("/v1/alerts/{alert}/ack");
    let acks = (0..12).map(|_| app.post(&path, RISK_MANAGER, json!({"delivery_id": in_flight})));
    let answers = futures::future::join_all(acks).await;
    assert!(
        answers.iter().all(|a| a.status == StatusCode::OK),
        "{:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    assert_eq!(answers.iter().filter(|a| a.body["already_acked"] == false).count(), 1, "exactly one ack recorded");
    let acked_at: Vec<&serde_json::Value> = answers.iter().map(|a| &a.body["acked_at"]).collect();
    assert!(acked_at.windows(2).all(|w| w[0] == w[1]));
    app.stop().await;
}
