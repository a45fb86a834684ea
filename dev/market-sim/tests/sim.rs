//! The simulator on 127.0.0.1:0: the real `MarketClient` reads its quotes (wire
//! compatibility), fault injection changes what it answers, the webhook sink keeps what it gets,
//! and the `market-sim` binary starts and stops cleanly on SIGTERM.

#![allow(clippy::unwrap_used)]

use riskmonitor_market::{BreakerSettings, MarketClient, MarketError, MarketSettings};
use riskmonitor_market_sim::{AppState, serve};
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::io::AsyncBufReadExt;

struct Sim {
    url: String,
    http: reqwest::Client,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Sim {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(serve(listener, Arc::new(AppState::default()), async {
            let _ = stopped.await;
        }));
        Self { url, http: reqwest::Client::new(), _stop: stop }
    }

    fn client(&self, timeout_ms: u64) -> MarketClient {
        let settings = MarketSettings {
            url: self.url.clone(),
            timeout_ms,
            retries: 1,
            retry_min_delay_ms: 5,
            retry_max_delay_ms: 10,
            breaker: BreakerSettings { failure_threshold: 100, open_secs: 60 },
            max_concurrent: 4,
        };
        MarketClient::new(&settings).unwrap()
    }

    async fn faults(&self, patch: Value) -> reqwest::Response {
        self.http.post(format!("{}/admin/faults", self.url)).json(&patch).send().await.unwrap()
    }

    async fn get(&self, path: &str) -> Value {
        let response = self.http.get(format!("{}{path}", self.url)).send().await.unwrap();
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.json().await.unwrap()
    }
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn market_client_reads_simulated_quotes() {
    let sim = Sim::start().await;
    let client = sim.client(1_000);
    let asked = names(&["SPX", "AAPL", "ESZ6", "BRK.B", "bad name!", "A&B"]);
    let snapshot = client.snapshot(&asked).await.unwrap();
    let got: Vec<&str> = snapshot.quotes.iter().map(|q| q.underlying.as_str()).collect();
    assert_eq!(got, ["AAPL", "BRK.B", "ESZ6", "SPX"]);
    assert_eq!(snapshot.missing, names(&["A&B", "bad name!"]));
    let spx = snapshot.get("SPX").unwrap();
    assert!((spx.spot - 5000.0).abs() <= 50.0 && spx.rate == 0.043, "{spx:?}");
    assert!((chrono::Utc::now() - spx.as_of).num_seconds().abs() < 5, "as_of is now: {spx:?}");
    let brk = snapshot.get("BRK.B").unwrap();
    assert!(brk.spot >= 9.8 && (0.09..=0.63).contains(&brk.volatility), "{brk:?}");

    assert_eq!(sim.get("/healthz").await["status"], "ok");
    let missing_param = sim.http.get(format!("{}/v1/quotes", sim.url)).send().await.unwrap();
    assert_eq!(missing_param.status(), 400);
}

#[tokio::test]
async fn quote_faults_make_the_client_fail_then_recover() {
    let sim = Sim::start().await;
    let client = sim.client(200);
    let spx = names(&["SPX"]);

    let response = sim.faults(json!({ "quotes_fail_rate": 1.0 })).await;
    assert_eq!(response.status(), 200);
    let faults: Value = response.json().await.unwrap();
    assert_eq!(faults["quotes_fail_rate"], 1.0);
    assert_eq!(faults["quotes_delay_ms"], 0);
    let err = client.snapshot(&spx).await.unwrap_err();
    assert!(matches!(err, MarketError::Status { status: 503, .. }), "{err}");

    sim.faults(json!({ "quotes_fail_rate": 0.0, "quotes_delay_ms": 500 })).await;
    let err = client.snapshot(&spx).await.unwrap_err();
    assert!(matches!(err, MarketError::Timeout { .. }), "{err}");
    assert_eq!(sim.get("/admin/faults").await["quotes_delay_ms"], 500);

    sim.faults(json!({ "quotes_delay_ms": 0 })).await;
    assert_eq!(client.snapshot(&spx).await.unwrap().quotes.len(), 1);

    for bad in [json!({ "quotes_fail_rate": 1.5 }), json!({ "nope": 1 }), json!({ "quotes_delay_ms": -1 })] {
        let response = sim.faults(bad.clone()).await;
        assert_eq!(response.status(), 400, "{bad}");
        let body: Value = response.json().await.unwrap();
        assert!(body["error"].is_string(), "{body}");
    }
    assert_eq!(sim.get("/admin/faults").await["quotes_fail_rate"], 0.0);
}

#[tokio::test]
async fn webhook_sink_keeps_requests_and_injects_failures() {
    let sim = Sim::start().await;
    let post = |body: &'static str| {
        sim.http
            .post(format!("{}/webhooks", sim.url))
            .header("webhook-id", "msg_1")
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    assert_eq!(post(r#"{"alert_id":"a1"}"#).await.unwrap().status(), 204);
    sim.faults(json!({ "webhook_fail_rate": 1.0 })).await;
    assert_eq!(post("not json").await.unwrap().status(), 503);

    let kept = sim.get("/webhooks").await;
    let kept = kept.as_array().unwrap();
    assert_eq!(kept.len(), 2);
    assert_eq!(kept[0]["seq"], 1);
    assert_eq!(kept[0]["status"], 204);
    assert_eq!(kept[0]["headers"]["webhook-id"], "msg_1");
    assert_eq!(kept[0]["body"], r#"{"alert_id":"a1"}"#);
    assert_eq!(kept[0]["json"]["alert_id"], "a1");
    assert_eq!(kept[1]["status"], 503);
    assert!(kept[1]["json"].is_null());

    let cleared = sim.http.delete(format!("{}/webhooks", sim.url)).send().await.unwrap();
    assert_eq!(cleared.status(), 204);
    assert_eq!(sim.get("/webhooks").await, json!([]));
}

#[tokio::test]
async fn binary_serves_and_exits_zero_on_sigterm() {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_market-sim"))
        .args(["--bind", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
    assert_eq!(first["event"], "listening");
    let url = format!("http://{}", first["addr"].as_str().unwrap());
    let health: Value = reqwest::get(format!("{url}/healthz")).await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
    let quotes: Value = reqwest::get(format!("{url}/v1/quotes?underlyings=NDX")).await.unwrap().json().await.unwrap();
    assert_eq!(quotes["quotes"][0]["underlying"], "NDX");

    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(std::time::Duration::from_secs(10), child.wait()).await.unwrap().unwrap();
    assert_eq!(status.code(), Some(0));

    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_market-sim")).arg("--nope").output().unwrap();
    assert_eq!(bad.status.code(), Some(64));
}
