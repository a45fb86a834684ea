//! With an LLM: conclusions and the planner of `ask` come from it; a hanging LLM slows
//! nothing else, and once its circuit opens answers come at once with deterministic text.

use crate::stubs::{LLM_TEXT, LlmMode, LlmStub};
use crate::support::{VIEWER, spawn_with};
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test]
async fn the_llm_writes_conclusions_and_plans_ask() {
    let llm = LlmStub::start(LlmMode::Answer).await;
    let url = llm.url.clone();
    let app = spawn_with(move |s| s.llm.url = format!("{url}/v1")).await;
    let desk = app.desk("llm");
    app.desk_exposure(&desk, "10", "10", "0", 1).await;
    app.linear(&desk, "EQUITY", "SPX", "1", "1", "10").await;

    let m = app.tool_ok("desk_monitor", json!({})).await;
    assert_eq!(m["conclusion"], json!({"text": LLM_TEXT, "source": "llm"}));
    let p = app.tool_ok("get_positions", json!({"desk": desk})).await;
    assert_eq!(p["conclusion"]["source"], "deterministic", "paging tools keep their templates");

    let a = app.tool_ok("ask", json!({"question": "how are the desks doing?"})).await;
    assert_eq!(a["planner"], "llm");
    assert_eq!(a["steps"][0]["tool"], "desk_monitor", "{a:#}");
    assert_eq!(a["steps"][0]["ok"], true);
    assert_eq!(a["conclusion"], json!({"text": LLM_TEXT, "source": "llm"}));
    // The REST mirror answers the same way.
    let r = app.post("/v1/ask", VIEWER, json!({"question": "how are the desks doing?"})).await;
    assert_eq!(r.body["planner"], "llm", "{:#}", r.body);
    app.stop().await;
}

#[tokio::test]
async fn a_hanging_llm_does_not_slow_get_positions_and_its_open_circuit_falls_back_at_once() {
    let llm = LlmStub::start(LlmMode::Hang).await;
    let url = llm.url.clone();
    let app = spawn_with(move |s| {
        s.llm.url = url;
        s.llm.timeout_ms = 1_500;
        s.llm.max_concurrent = 2;
        s.llm.max_wait_ms = 50;
        s.llm.breaker.failure_threshold = 3;
        s.llm.breaker.open_secs = 300;
    })
    .await;
    let desk = app.desk("hang");
    app.linear(&desk, "FUTURE", "SPX", "1", "50", "5000").await;
    app.desk_exposure(&desk, "250000", "250000", "0", 1).await;

    // LLM-concluded tools and questions pile up on the hanging LLM...
    let background: Vec<_> = (0..12)
        .map(|i| {
            let (http, url) = (app.http.clone(), app.url.clone());
            tokio::spawn(async move {
                let started = Instant::now();
                let r = if i % 3 == 0 {
                    http.post(format!("{url}/v1/ask"))
                        .bearer_auth(VIEWER)
                        .json(&json!({"question": "which desks breach?"}))
                        .send()
                        .await
                } else {
                    http.get(format!("{url}/v1/desks")).bearer_auth(VIEWER).send().await
                };
                let r = r.unwrap();
                let status = r.status();
                let body: serde_json::Value = r.json().await.unwrap();
                (status, body, started.elapsed())
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // ...while get_positions stays fast.
    let mut worst = Duration::ZERO;
    for _ in 0..20 {
        let started = Instant::now();
        let page = app.tool_ok("get_positions", json!({"desk": desk})).await;
        worst = worst.max(started.elapsed());
        assert_eq!(page["count"], 1);
    }
    assert!(worst < Duration::from_millis(300), "get_positions took {worst:?} while the LLM hung");
    // Every piled-up call still answers, with the deterministic conclusion, within the LLM's bounds.
    for b in background {
        let (status, body, took) = b.await.unwrap();
        assert_eq!(status, 200, "{body:#}");
        assert_eq!(body["conclusion"]["source"], "deterministic", "{body:#}");
        assert!(took < Duration::from_secs(10), "{took:?}");
    }
    // Enough timeouts open the circuit: now the answer comes at once, without calling the LLM.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let hits = llm.hits();
        let started = Instant::now();
        let m = app.tool_ok("desk_monitor", json!({})).await;
        assert_eq!(m["conclusion"]["source"], "deterministic");
        if llm.hits() == hits && started.elapsed() < Duration::from_millis(300) {
            break;
        }
        assert!(Instant::now() < deadline, "the LLM circuit never opened");
    }
    let metrics = app.http.get(format!("{}/metrics", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(
        metrics.contains("riskmonitor_gateway_conclusions_total{source=\"deterministic\",tool=\"desk_monitor\"}"),
        "{metrics}"
    );
    app.stop().await;
}
