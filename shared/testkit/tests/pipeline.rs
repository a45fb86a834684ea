//! The whole pipeline as `dev/up` runs it (the four services under supervisord, the dev
//! connector, the market simulator's webhook sink): a breach written to MariaDB reaches the
//! risk manager's endpoint as a signed webhook, and every service logs the alert under the
//! same trace id (the W3C trace context travels in the Kafka headers and the webhook).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

use riskmonitor_testkit::{TestEnv, unique, wait_until};
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

fn logs_dir() -> PathBuf {
    std::env::var_os("RISKMONITOR_TEST_LOG_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.stack/logs"))
}

/// trace_id values of the JSON log lines of `service` that mention `alert_id` (in a field, a span
/// or the request path).
fn trace_ids(service: &str, alert_id: &str) -> Vec<String> {
    let text = std::fs::read_to_string(logs_dir().join(format!("{service}.log"))).unwrap_or_default();
    let mut ids: Vec<String> = text
        .lines()
        .filter(|l| l.contains(alert_id))
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| {
            v["trace_id"]
                .as_str()
                .or_else(|| v["span"]["trace_id"].as_str())
                .or_else(|| v["spans"].as_array()?.iter().find_map(|s| s["trace_id"].as_str()))
                .map(str::to_owned)
        })
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

#[tokio::test]
async fn a_breach_travels_from_mariadb_to_the_webhook_under_one_trace() {
    let env = TestEnv::from_env();
    let market = std::env::var("RISKMONITOR_TEST_MARKET_URL").unwrap_or_else(|_| "http://127.0.0.1:18090".into());
    let pool = sqlx::MySqlPool::connect(&env.captured_database_url()).await.unwrap();
    let desk = unique("e2e-");
    let id = (uuid::Uuid::new_v4().as_u128() % 1_000_000_000) as i64 * 1_000_000 + 900_000;
    sqlx::query("INSERT INTO risk_limits (desk, metric, limit_value) VALUES (?, 'net_delta', 100000)")
        .bind(&desk)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO positions (position_id, desk, instrument_id, instrument_type, underlying, quantity, multiplier, price, delta) \
         VALUES (?, ?, 'ESZ6', 'FUTURE', 'SPX', 3, 50, 5000.25, 1)",
    )
    .bind(id)
    .bind(&desk)
    .execute(&pool)
    .await
    .unwrap();
    // 3 * 50 * 5000.25 = 750,037.5 of net delta against 100,000.
    let webhook = wait_until("the webhook at the dev sink", Duration::from_secs(60), || async {
        let hooks: Vec<Value> = reqwest::get(format!("{market}/webhooks")).await.ok()?.json().await.ok()?;
        hooks.into_iter().find(|h| h["json"]["desk"] == desk.as_str())
    })
    .await;
    let body = &webhook["json"];
    assert_eq!(body["type"], "risk.limit_breach");
    assert_eq!(body["metric"], "net_delta");
    assert_eq!(body["value"], "750037.5");
    assert_eq!(body["limit_value"], "100000");
    assert_eq!(body["analysis"]["drivers"][0]["position_id"], id);
    let alert_id = body["alert_id"].as_str().unwrap().to_owned();
    let traceparent = webhook["headers"]["traceparent"].as_str().expect("traceparent on the webhook").to_owned();
    let trace = traceparent.split('-').nth(1).unwrap().to_owned();
    // The risk manager acks through the gateway, continuing the trace the webhook carried.
    let gateway = std::env::var("RISKMONITOR_TEST_GATEWAY_URL").unwrap_or_else(|_| "http://127.0.0.1:18000".into());
    let ack = reqwest::Client::new()
        .post(format!("{gateway}/v1/alerts/{alert_id}/ack"))
        .bearer_auth("rm-dev-risk-manager")
        .header("traceparent", &traceparent)
        .json(&serde_json::json!({"delivery_id": body["delivery_id"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(ack.status(), 200);
    let status: String = sqlx::query_scalar("SELECT CAST(status AS CHAR) FROM alerts WHERE alert_id = ?")
        .bind(&alert_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(status, "consumed");
    for service in ["cdc-risk-engine", "llm-analyzer", "webhook-notifier", "mcp-gateway"] {
        let ids = wait_until(&format!("{service} logs the alert"), Duration::from_secs(10), || async {
            let ids = trace_ids(service, &alert_id);
            (!ids.is_empty()).then_some(ids)
        })
        .await;
        assert_eq!(ids, vec![trace.clone()], "{service} logged the alert under another trace");
    }
    sqlx::query("DELETE FROM positions WHERE position_id = ?").bind(id).execute(&pool).await.unwrap();
    sqlx::query("DELETE FROM risk_limits WHERE desk = ?").bind(&desk).execute(&pool).await.unwrap();
}
