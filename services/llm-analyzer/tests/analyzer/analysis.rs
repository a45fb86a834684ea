//! Analyses: deterministic by default, LLM when it answers, fallback when it does not; once only.

use crate::support::*;
use riskmonitor_testkit::process::ServiceProcess;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;

#[tokio::test]
async fn without_an_llm_the_deterministic_analyst_writes_and_the_alert_moves_on_with_its_trace() {
    let w = World::new(None).await;
    let (shutdown, handle) = w.spawn().await;
    let alert = w.breach("rates").await;
    w.ring(&alert, "rates").await;
    let (_, source, analysis) = w.wait_pending_delivery(&alert).await;
    assert_eq!(source.as_deref(), Some("deterministic"));
    let analysis = analysis.unwrap();
    assert_eq!(analysis["severity"], "high", "120% of the limit");
    assert_eq!(analysis["drivers"][0]["position_id"], 1, "the largest contributor first");
    assert_eq!(analysis["drivers"][0]["contribution"], "700000");
    assert!(analysis["summary"].as_str().unwrap().contains("20.0% over its gross_notional limit"));
    let summary: Option<String> = sqlx::query_scalar("SELECT summary FROM alerts WHERE alert_id = ?")
        .bind(&alert)
        .fetch_one(&w.db.pool)
        .await
        .unwrap();
    assert_eq!(summary.as_deref(), analysis["summary"].as_str());
    let messages = w.delivery_messages(Duration::from_secs(5)).await;
    assert_eq!(messages, vec![(alert.clone(), Some(TRACEPARENT.to_owned()))]);
    shutdown.trigger();
    handle.await.unwrap();
}

#[tokio::test]
async fn an_llm_that_answers_well_writes_the_analysis() {
    let stub = LlmStub::start(0).await;
    let w = World::new(Some(&stub)).await;
    let (shutdown, handle) = w.spawn().await;
    let alert = w.breach("credit").await;
    w.ring(&alert, "credit").await;
    let (_, source, analysis) = w.wait_pending_delivery(&alert).await;
    assert_eq!(source.as_deref(), Some("llm"));
    assert_eq!(analysis.unwrap()["severity"], "critical");
    shutdown.trigger();
    handle.await.unwrap();
}

#[tokio::test]
async fn an_llm_answering_garbage_gives_the_fallback_and_the_alert_still_moves_on() {
    let stub = LlmStub::start(1).await;
    let w = World::new(Some(&stub)).await;
    let (shutdown, handle) = w.spawn().await;
    let alert = w.breach("fx").await;
    w.ring(&alert, "fx").await;
    let (_, source, _) = w.wait_pending_delivery(&alert).await;
    assert_eq!(source.as_deref(), Some("deterministic"));
    assert!(stub.calls.load(Ordering::SeqCst) >= 1);
    shutdown.trigger();
    handle.await.unwrap();
}

#[tokio::test]
async fn duplicates_replays_and_two_replicas_analyse_once() {
    let w = World::new(None).await;
    let (s1, h1) = w.spawn().await;
    let (s2, h2) = w.spawn().await;
    let alert = w.breach("equities").await;
    for _ in 0..5 {
        w.ring(&alert, "equities").await;
    }
    w.wait_pending_delivery(&alert).await;
    let analysed_at: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT analysed_at FROM alerts WHERE alert_id = ?")
            .bind(&alert)
            .fetch_one(&w.db.pool)
            .await
            .unwrap();
    // A replay after the fact changes nothing either.
    w.ring(&alert, "equities").await;
    let messages = w.delivery_messages(Duration::from_secs(6)).await;
    assert_eq!(messages.len(), 1, "one hand-off: {messages:?}");
    let again: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("SELECT analysed_at FROM alerts WHERE alert_id = ?")
        .bind(&alert)
        .fetch_one(&w.db.pool)
        .await
        .unwrap();
    assert_eq!(analysed_at, again, "the finished analysis was not overwritten");
    s1.trigger();
    s2.trigger();
    h1.await.unwrap();
    h2.await.unwrap();
}

#[tokio::test]
async fn kill_9_mid_analysis_then_restart_analyses_once_and_hands_on() {
    let stub = LlmStub::start(2).await; // hangs
    let w = World::new(Some(&stub)).await;
    let k = &w.settings.kafka;
    let env = BTreeMap::from([
        ("RISKMONITOR_DATABASE__URL".to_owned(), w.db.url.clone()),
        ("RISKMONITOR_KAFKA__BROKERS".to_owned(), k.brokers.clone()),
        ("RISKMONITOR_KAFKA__REGISTRY_URL".to_owned(), k.registry_url.clone()),
        (
            "RISKMONITOR_KAFKA__TOPICS__ALERTS_PENDING_ANALYSIS__NAME".to_owned(),
            k.topics.alerts_pending_analysis.name.clone(),
        ),
        (
            "RISKMONITOR_KAFKA__TOPICS__ALERTS_PENDING_DELIVERY__NAME".to_owned(),
            k.topics.alerts_pending_delivery.name.clone(),
        ),
        ("RISKMONITOR_ANALYZER__GROUP_ID".to_owned(), w.settings.analyzer.group_id.clone()),
        ("RISKMONITOR_ANALYZER__CLAIM_LEASE_SECS".to_owned(), "10".to_owned()),
        ("RISKMONITOR_ANALYZER__STUCK_AFTER_SECS".to_owned(), "1".to_owned()),
        ("RISKMONITOR_ANALYZER__RECONCILE_INTERVAL_SECS".to_owned(), "1".to_owned()),
        ("RISKMONITOR_LLM__URL".to_owned(), stub.url.clone()),
        ("RISKMONITOR_LLM__TIMEOUT_MS".to_owned(), "3000".to_owned()),
        ("RISKMONITOR_MARKET__URL".to_owned(), w.settings.market.url.clone()),
    ]);
    let bin = Path::new(env!("CARGO_BIN_EXE_llm-analyzer"));
    let log = std::env::temp_dir().join(format!("{}.log", riskmonitor_testkit::unique("analyzer-kill9-")));
    let mut first = ServiceProcess::spawn(bin, &env, &log);
    first.wait_ready(Duration::from_secs(60)).await;
    let alert = w.breach("rates").await;
    w.ring(&alert, "rates").await;
    let calls = stub.calls.clone();
    riskmonitor_testkit::wait_until("the analysis under way", Duration::from_secs(30), || async {
        (calls.load(Ordering::SeqCst) >= 1).then_some(())
    })
    .await;
    first.kill9().await;
    assert_eq!(w.status(&alert).await.0, "pending_analysis");
    stub.mode.store(0, Ordering::SeqCst); // the LLM recovers
    let mut second = ServiceProcess::spawn(bin, &env, &log);
    second.wait_ready(Duration::from_secs(60)).await;
    let (_, source, _) = w.wait_pending_delivery(&alert).await;
    assert_eq!(source.as_deref(), Some("llm"));
    let messages = w.delivery_messages(Duration::from_secs(5)).await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    let (status, _) = second.terminate(Duration::from_secs(10)).await;
    assert!(status.success());
}
