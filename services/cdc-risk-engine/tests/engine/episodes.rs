//! Breach episodes: one alert per episode, limit edits on their own, the hand-off message.

use crate::support::*;
use rdkafka::Message;
use riskmonitor_kafka::AlertCodec;
use riskmonitor_testkit::wait_until;
use std::time::Duration;

#[tokio::test]
async fn a_limit_lowered_under_the_current_exposure_opens_exactly_one_alert() {
    let mut w = World::new().await;
    let desk = w.desk("lowered");
    w.set_limit(&desk, "gross_notional", "1000000").await;
    let engine = w.spawn().await;
    for _ in 0..5 {
        w.insert(&desk, "100", "1000").await; // 100,000 each
    }
    w.converged(&w.db.pool, std::slice::from_ref(&desk), Duration::from_secs(30)).await;
    assert!(w.alerts(&w.db.pool, &desk).await.is_empty(), "500,000 is inside 1,000,000");
    // No position changes: the edit alone must open the episode, within 5 s.
    let edited = std::time::Instant::now();
    w.set_limit(&desk, "gross_notional", "400000").await;
    let alerts = w.wait_alerts(&w.db.pool, &desk, 1).await;
    assert!(edited.elapsed() < Duration::from_secs(5), "took {:?}", edited.elapsed());
    assert_eq!(alerts[0].1, "gross_notional");
    // More changes inside the same episode, and several full evaluations: still one alert.
    w.insert(&desk, "1", "1000").await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(w.alerts(&w.db.pool, &desk).await.len(), 1);
    engine.stop().await;
}

#[tokio::test]
async fn a_breach_that_resolves_and_breaches_again_gives_a_second_alert() {
    let mut w = World::new().await;
    let desk = w.desk("flap");
    w.set_limit(&desk, "net_delta", "1000").await; // resolve at <= 950
    let engine = w.spawn().await;
    let p = w.insert(&desk, "11", "100").await; // 1,100 > 1,000: opens
    let first = w.wait_alerts(&w.db.pool, &desk, 1).await;
    assert_eq!(first[0].1, "net_delta");
    // 980: inside the limit but above the resolve threshold: still open.
    w.exec(&format!("UPDATE positions SET quantity = 9.8 WHERE position_id = {p}")).await;
    w.converged(&w.db.pool, std::slice::from_ref(&desk), Duration::from_secs(30)).await;
    assert!(w.alerts(&w.db.pool, &desk).await[0].2.is_none(), "hysteresis: not resolved at 980");
    // -900 (short): |value| <= 950 resolves.
    w.exec(&format!("UPDATE positions SET quantity = -9 WHERE position_id = {p}")).await;
    let pool = &w.db.pool;
    wait_until("resolution", Duration::from_secs(30), || async {
        w.alerts(pool, &desk).await.first().and_then(|a| a.2).map(|_| ())
    })
    .await;
    // -1,200: |value| > 1,000 again: a new episode.
    w.exec(&format!("UPDATE positions SET quantity = -12 WHERE position_id = {p}")).await;
    let alerts = w.wait_alerts(&w.db.pool, &desk, 2).await;
    assert_eq!(alerts.len(), 2);
    assert!(alerts[0].2.is_some() && alerts[1].2.is_none());
    engine.stop().await;
}

#[tokio::test]
async fn the_alert_reaches_alerts_pending_analysis_as_avro_with_its_traceparent() {
    let mut w = World::new().await;
    let desk = w.desk("handoff");
    w.set_limit(&desk, "vega", "10").await;
    let engine = w.spawn().await;
    w.insert_option(&desk, "10", "100", "5", "0.5", "0.25").await; // vega 250
    let alerts = w.wait_alerts(&w.db.pool, &desk, 1).await;
    let alert_id = alerts[0].0.clone();
    let topic = w.settings.kafka.topics.alerts_pending_analysis.name.clone();
    let consumer = riskmonitor_testkit::kafka::consumer(&w.env, &[&topic]);
    let msg = tokio::time::timeout(Duration::from_secs(30), consumer.recv()).await.expect("a message").expect("kafka");
    let payload = msg.payload().expect("payload");
    assert_eq!(payload[0], 0, "Confluent wire format: magic byte 0");
    let codec = AlertCodec::new(&w.env.ccompat_url(), Duration::from_secs(5)).unwrap();
    let event = codec.decode(payload).await.expect("decodes through the registry");
    assert_eq!(event.alert_id, alert_id);
    assert_eq!((event.desk.as_str(), event.metric.as_str()), (desk.as_str(), "vega"));
    let header = riskmonitor_kafka::headers::get(msg.headers(), "traceparent").expect("traceparent header");
    assert_eq!(Some(header), event.traceparent.as_deref());
    let stored: Option<String> = sqlx::query_scalar("SELECT traceparent FROM alerts WHERE alert_id = ?")
        .bind(&alert_id)
        .fetch_one(&w.db.pool)
        .await
        .unwrap();
    assert_eq!(stored.as_deref(), Some(header));
    assert!(header.starts_with("00-") && header.len() == 55, "W3C traceparent: {header}");
    let subjects: Vec<String> =
        reqwest::get(format!("{}/subjects", w.env.ccompat_url())).await.unwrap().json().await.unwrap();
    assert!(subjects.contains(&format!("{topic}-value")), "schema registered: {subjects:?}");
    engine.stop().await;
}
