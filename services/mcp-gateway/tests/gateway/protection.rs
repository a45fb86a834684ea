//! Protection: rate limit per token, request ids and trace context, DNS-rebinding protection,
//! a hanging dependency that does not slow get_positions, and shutdown under load.

use crate::support::{ADMIN, RISK_MANAGER, VIEWER, spawn_app, spawn_with};
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test]
async fn rate_limit_per_token_answers_429_with_retry_after() {
    let app = spawn_with(|s| {
        s.protection.rate_limit_per_second = 1.0;
        s.protection.rate_limit_burst = 3;
    })
    .await;
    for _ in 0..3 {
        assert_eq!(app.get("/v1/positions", VIEWER).await.status, StatusCode::OK);
    }
    let limited = app.get("/v1/positions", VIEWER).await;
    assert_eq!((limited.status, limited.code()), (StatusCode::TOO_MANY_REQUESTS, "rate_limited"), "{:#}", limited.body);
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry), "{retry}");
    // MCP counts against the same token; other tokens have their own bucket.
    let mcp = app.mcp(Some(VIEWER), "tools/list", json!({})).await;
    assert_eq!(mcp.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.get("/v1/positions", RISK_MANAGER).await.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(app.get("/v1/positions", VIEWER).await.status, StatusCode::OK, "the bucket refills");
    // The metric counts the refusals by route and outcome.
    let metrics = app.http.get(format!("{}/metrics", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(
        metrics.lines().any(|l| l.starts_with("riskmonitor_gateway_requests_total{")
            && l.contains("outcome=\"rate_limited\"")
            && l.contains("route=\"/v1/positions\"")),
        "{metrics}"
    );
    app.stop().await;
}

#[tokio::test]
async fn request_ids_and_trace_context_in_headers_and_error_bodies() {
    let app = spawn_app().await;
    let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let r = app
        .http
        .get(format!("{}/v1/alerts/none", app.url))
        .bearer_auth(VIEWER)
        .header("x-request-id", "req-123")
        .header("traceparent", traceparent)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "req-123");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["request_id"], "req-123");
    assert_eq!(body["error"]["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    // Generated when absent (and on success too).
    let ok = app.get("/v1/desks", VIEWER).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.header("x-request-id").map(str::len), Some(36));
    let health = app.http.get(format!("{}/healthz", app.url)).header("x-request-id", "h-1").send().await.unwrap();
    assert_eq!(health.headers()["x-request-id"], "h-1");
    app.stop().await;
}

#[tokio::test]
async fn dns_rebinding_protection_on_mcp() {
    let app = spawn_app().await;
    let port = app.url.rsplit(':').next().unwrap().to_owned();
    let post = |host: String, origin: Option<&'static str>| {
        let mut r = app
            .http
            .post(format!("{}/mcp", app.url))
            .header("host", host)
            .header("accept", "application/json, text/event-stream")
            .bearer_auth(VIEWER)
            .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}));
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        r.send()
    };
    let evil = post(format!("evil.example.com:{port}"), None).await.unwrap();
    assert_eq!(evil.status(), StatusCode::FORBIDDEN);
    let body: serde_json::Value = evil.json().await.unwrap();
    assert_eq!(body["error"]["code"], "forbidden");
    let evil_origin = post(format!("localhost:{port}"), Some("http://evil.example.com")).await.unwrap();
    assert_eq!(evil_origin.status(), StatusCode::FORBIDDEN);
    let fine = post(format!("localhost:{port}"), Some("http://localhost:6274")).await.unwrap();
    assert_eq!(fine.status(), StatusCode::OK);
    app.stop().await;

    // Behind a load balancer: the names clients use are configured.
    let app = spawn_with(|s| s.http.allowed_hosts = vec!["gateway.internal".into()]).await;
    let r = app
        .http
        .post(format!("{}/mcp", app.url))
        .header("host", "gateway.internal")
        .header("accept", "application/json, text/event-stream")
        .bearer_auth(VIEWER)
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn a_hanging_market_does_not_slow_get_positions() {
    let app = spawn_with(|s| {
        s.market.timeout_ms = 10_000;
        s.market.max_concurrent = 4;
    })
    .await;
    let desk = app.desk("slow");
    app.linear(&desk, "FUTURE", "SPX", "1", "50", "5000").await;
    app.market.quote_everything(5000.0, 0.2, 0.05);
    app.market.delay(Duration::from_secs(60));
    // Thirty exposure calls wait on the market (four hold its bulkhead, the rest queue for a slot).
    let stuck: Vec<_> = (0..30)
        .map(|_| {
            let (http, url) = (app.http.clone(), app.url.clone());
            let body = json!({"desk": desk});
            tokio::spawn(
                async move { http.post(format!("{url}/v1/exposure")).bearer_auth(ADMIN).json(&body).send().await },
            )
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut worst = Duration::ZERO;
    for _ in 0..20 {
        let start = Instant::now();
        let page = app.tool_ok("get_positions", json!({"desk": desk})).await;
        worst = worst.max(start.elapsed());
        assert_eq!(page["count"], 1);
    }
    assert!(worst < Duration::from_millis(500), "get_positions took {worst:?} while the market hung");
    for s in stuck {
        s.abort();
    }
    app.stop().await;
}

#[tokio::test]
async fn shutdown_under_load_loses_no_in_flight_call() {
    let app = spawn_app().await;
    let desk = app.desk("drain");
    app.linear(&desk, "FUTURE", "SPX", "1", "50", "5000").await;
    app.market.quote_everything(5000.0, 0.2, 0.05);
    app.market.delay(Duration::from_millis(1500));
    let calls: Vec<_> = (0..24)
        .map(|i| {
            let (http, url, desk) = (app.http.clone(), app.url.clone(), desk.clone());
            tokio::spawn(async move {
                let r = if i % 2 == 0 {
                    http.post(format!("{url}/v1/exposure"))
                        .bearer_auth(VIEWER)
                        .json(&json!({"desk": desk}))
                        .send()
                        .await
                } else {
                    http.post(format!("{url}/mcp"))
                        .bearer_auth(VIEWER)
                        .header("accept", "application/json, text/event-stream")
                        .json(&json!({"jsonrpc": "2.0", "id": i, "method": "tools/call",
                                      "params": {"name": "calculate_exposure", "arguments": {"desk": desk}}}))
                        .send()
                        .await
                };
                let r = r.expect("in-flight call lost");
                let status = r.status();
                let body: serde_json::Value = r.json().await.expect("complete body");
                (status, body)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(app.market.hits() >= 1, "calls are in flight");
    let started = Instant::now();
    app.shutdown.trigger();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(app.readiness.is_shutting_down(), "readiness false at once");
    for c in calls {
        let (status, body) = c.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body:#}");
        let live =
            body.get("live").or_else(|| body["result"]["structuredContent"].get("live")).cloned().unwrap_or_default();
        assert_eq!(live["status"], "complete", "{body:#}");
    }
    let mut app = app;
    let handle = app.handle.take().unwrap();
    let result = tokio::time::timeout(Duration::from_secs(10), handle).await.expect("exits after the drain").unwrap();
    assert!(result.is_ok(), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    // No new connection is accepted any more.
    assert!(app.http.get(format!("{}/healthz", app.url)).send().await.is_err());
}
