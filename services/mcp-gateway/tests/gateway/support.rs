//! spawn_app (the gateway in-process on port 0, on a database of its own, with a market stub),
//! fixtures written straight into that database, and HTTP/MCP helpers.

use crate::stubs::MarketStub;
use mcp_gateway::auth::{Role, hash_token};
use mcp_gateway::settings::TokenSettings;
use mcp_gateway::{Application, Settings};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use riskmonitor_runtime::{Readiness, Shutdown};
use riskmonitor_testkit::{TestDb, TestEnv, unique};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

pub const VIEWER: &str = "tok-viewer";
pub const RISK_MANAGER: &str = "tok-risk-manager";
pub const ADMIN: &str = "tok-admin";
/// A valid token without any role.
pub const NO_ROLE: &str = "tok-no-role";

pub struct TestApp {
    pub url: String,
    pub db: TestDb,
    pub market: MarketStub,
    pub readiness: Readiness,
    pub shutdown: Shutdown,
    pub handle: Option<tokio::task::JoinHandle<Result<(), mcp_gateway::app::GatewayError>>>,
    pub http: reqwest::Client,
    /// Prefix of this test's desk names.
    pub tag: String,
    next_id: AtomicI64,
}

pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

/// Starts a gateway whose settings `adjust` may change (the market stub is already in them).
pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    riskmonitor_testkit::init_tracing();
    let env = TestEnv::from_env();
    let db = TestDb::create(&env).await;
    let market = MarketStub::start().await;
    let mut settings = Settings::default();
    settings.http.bind = "127.0.0.1:0".parse().unwrap();
    settings.http.shutdown_grace_secs = 10;
    settings.database = db.settings();
    settings.auth.tokens = [
        ("viewer", VIEWER, vec![Role::Viewer]),
        ("risk-manager", RISK_MANAGER, vec![Role::RiskManager]),
        ("admin", ADMIN, vec![Role::Admin]),
        ("no-role", NO_ROLE, vec![]),
    ]
    .into_iter()
    .map(|(name, token, roles)| TokenSettings { name: name.into(), sha256: hash_token(token), roles })
    .collect();
    settings.protection.rate_limit_per_second = 10_000.0;
    settings.protection.rate_limit_burst = 10_000;
    settings.market.url = market.url.clone();
    settings.market.timeout_ms = 2_000;
    settings.market.retries = 0;
    adjust(&mut settings);
    let readiness = Readiness::new();
    let shutdown = Shutdown::new();
    let app = Application::build(settings.clone(), readiness.clone(), shutdown.clone()).await.expect("build gateway");
    let url = format!("http://{}", app.addr());
    let handle = tokio::spawn(app.run_until_stopped());
    let base = (uuid::Uuid::new_v4().as_u128() % 1_000_000_000) as i64 * 1_000_000 + 1;
    TestApp {
        url,
        db,
        market,
        readiness,
        shutdown,
        handle: Some(handle),
        http: reqwest::Client::new(),
        tag: unique("g"),
        next_id: AtomicI64::new(base),
    }
}

/// One HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `error.code` of an error body.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

impl TestApp {
    pub fn desk(&self, name: &str) -> String {
        format!("{}-{name}", self.tag)
    }

    pub async fn send(&self, method: reqwest::Method, path: &str, token: Option<&str>, body: Option<Value>) -> Answer {
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Answer { status, headers, body }
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.send(reqwest::Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Answer {
        self.send(reqwest::Method::POST, path, Some(token), Some(body)).await
    }

    /// One JSON-RPC request to `/mcp` (stateless, protocol 2025-11-25).
    pub async fn mcp(&self, token: Option<&str>, method: &str, params: Value) -> Answer {
        let mut req = self
            .http
            .post(format!("{}/mcp", self.url))
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2025-11-25")
            .json(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("mcp request");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Answer { status, headers, body }
    }

    /// `tools/call`; returns the JSON-RPC `result` (panics on a JSON-RPC error).
    pub async fn call_tool(&self, token: &str, tool: &str, args: Value) -> Value {
        let a = self.mcp(Some(token), "tools/call", json!({"name": tool, "arguments": args})).await;
        assert_eq!(a.status, StatusCode::OK, "{tool}: {:?}", a.body);
        assert!(a.body.get("error").is_none(), "{tool}: {:?}", a.body);
        a.body["result"].clone()
    }

    /// `tools/call` that must succeed; returns its `structuredContent`.
    pub async fn tool_ok(&self, tool: &str, args: Value) -> Value {
        let r = self.call_tool(VIEWER, tool, args).await;
        assert_eq!(r["isError"], false, "{tool}: {r:#}");
        assert_eq!(
            r["content"][0]["text"], r["structuredContent"]["conclusion"]["text"],
            "first text block = conclusion"
        );
        r["structuredContent"].clone()
    }

    /// Stops the gateway and waits for it to exit.
    pub async fn stop(mut self) {
        self.shutdown.trigger();
        if let Some(h) = self.handle.take() {
            let _ = tokio::time::timeout(Duration::from_secs(20), h).await;
        }
    }

    fn next_id(&self) -> i64 {
        self.next_id.fetch_add(1, Ordering::SeqCst)
    }

    /// A future or equity: (desk, type, underlying, quantity, multiplier, price).
    pub async fn linear(&self, desk: &str, kind: &str, underlying: &str, q: &str, m: &str, p: &str) -> i64 {
        let id = self.next_id();
        sqlx::query(
            "INSERT INTO positions (position_id, desk, instrument_id, instrument_type, underlying, quantity, multiplier, \
             price, delta, vega) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, 0)",
        )
        .bind(id)
        .bind(desk)
        .bind(format!("{kind}-{id}"))
        .bind(kind)
        .bind(underlying)
        .bind(q)
        .bind(m)
        .bind(p)
        .execute(&self.db.pool)
        .await
        .expect("insert position");
        id
    }

    /// An option with every column set.
    #[allow(clippy::too_many_arguments)]
    pub async fn option(
        &self,
        desk: &str,
        underlying: &str,
        q: &str,
        m: &str,
        p: &str,
        delta: &str,
        vega: &str,
        option_type: &str,
        strike: &str,
        expiry: &str,
    ) -> i64 {
        let id = self.next_id();
        sqlx::query(
            "INSERT INTO positions (position_id, desk, instrument_id, instrument_type, underlying, quantity, multiplier, \
             price, delta, vega, option_type, strike, expiry) VALUES (?, ?, ?, 'OPTION', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(desk)
        .bind(format!("OPT-{id}"))
        .bind(underlying)
        .bind(q)
        .bind(m)
        .bind(p)
        .bind(delta)
        .bind(vega)
        .bind(option_type)
        .bind(strike)
        .bind(expiry)
        .execute(&self.db.pool)
        .await
        .expect("insert option");
        id
    }

    pub async fn limit(&self, desk: &str, metric: &str, value: &str) {
        sqlx::query("REPLACE INTO risk_limits (desk, metric, limit_value) VALUES (?, ?, ?)")
            .bind(desk)
            .bind(metric)
            .bind(value)
            .execute(&self.db.pool)
            .await
            .expect("limit");
    }

    /// The engine's aggregates of a desk.
    pub async fn desk_exposure(&self, desk: &str, gross: &str, net: &str, vega: &str, count: i64) {
        sqlx::query(
            "REPLACE INTO desk_exposures (desk, gross_notional, net_delta, vega, position_count) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(desk)
        .bind(gross)
        .bind(net)
        .bind(vega)
        .bind(count)
        .execute(&self.db.pool)
        .await
        .expect("desk_exposures");
    }

    /// An alert (episode) in `status`; resolved when `resolved`.
    pub async fn alert(
        &self,
        desk: &str,
        metric: &str,
        status: &str,
        value: &str,
        limit: &str,
        resolved: bool,
    ) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        sqlx::query(
            "INSERT INTO alerts (alert_id, desk, metric, status, value, limit_value, resolve_ratio, resolved_at, summary) \
             VALUES (?, ?, ?, ?, ?, ?, 0.95, IF(?, CURRENT_TIMESTAMP(6), NULL), 'Net delta doubled after a block trade.')",
        )
        .bind(&id)
        .bind(desk)
        .bind(metric)
        .bind(status)
        .bind(value)
        .bind(limit)
        .bind(resolved)
        .execute(&self.db.pool)
        .await
        .expect("alert");
        id
    }

    /// A delivery of `alert_id` with `attempts` made (0: never sent).
    pub async fn delivery(&self, alert_id: &str, kind: &str, reminder: i32, attempts: i32) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let status = if attempts > 0 { "delivered" } else { "pending" };
        sqlx::query(
            "INSERT INTO deliveries (delivery_id, alert_id, kind, reminder, status, payload, attempts, next_attempt_at) \
             VALUES (?, ?, ?, ?, ?, '{}', ?, CURRENT_TIMESTAMP(6) + INTERVAL 1 HOUR)",
        )
        .bind(&id)
        .bind(alert_id)
        .bind(kind)
        .bind(reminder)
        .bind(status)
        .bind(attempts)
        .execute(&self.db.pool)
        .await
        .expect("delivery");
        if attempts > 0 {
            sqlx::query(
                "INSERT INTO delivery_attempts (delivery_id, attempt_no, started_at, status_code, latency_ms, outcome) \
                 VALUES (?, 1, CURRENT_TIMESTAMP(6), 204, 12, 'delivered')",
            )
            .bind(&id)
            .execute(&self.db.pool)
            .await
            .expect("attempt");
        }
        id
    }
}

/// Decimal strings compare as numbers.
pub fn dec(v: &Value) -> bigdecimal::BigDecimal {
    v.as_str().unwrap_or_else(|| panic!("not a decimal string: {v}")).parse().unwrap()
}

pub fn d(s: &str) -> bigdecimal::BigDecimal {
    s.parse().unwrap()
}
