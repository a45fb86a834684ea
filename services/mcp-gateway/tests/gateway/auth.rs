//! The auth matrix: every route and every tool, for every role, without a token and with a bad
//! one. 401 carries `WWW-Authenticate: Bearer`; 403 is for a valid token without the role.

use crate::support::{ADMIN, Answer, NO_ROLE, RISK_MANAGER, TestApp, VIEWER, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Caller {
    Nobody,
    BadToken,
    Malformed,
    NoRole,
    Viewer,
    RiskManager,
    Admin,
}

const CALLERS: [Caller; 7] = [
    Caller::Nobody,
    Caller::BadToken,
    Caller::Malformed,
    Caller::NoRole,
    Caller::Viewer,
    Caller::RiskManager,
    Caller::Admin,
];

async fn send(app: &TestApp, caller: Caller, method: Method, path: &str, body: Option<Value>) -> Answer {
    let mut req = app.http.request(method, format!("{}{path}", app.url));
    req = match caller {
        Caller::Nobody => req,
        Caller::BadToken => req.bearer_auth("not-a-token"),
        Caller::Malformed => req.header("authorization", "Basic dXNlcjpwYXNz"),
        Caller::NoRole => req.bearer_auth(NO_ROLE),
        Caller::Viewer => req.bearer_auth(VIEWER),
        Caller::RiskManager => req.bearer_auth(RISK_MANAGER),
        Caller::Admin => req.bearer_auth(ADMIN),
    };
    if path == "/mcp" {
        req = req.header("accept", "application/json, text/event-stream").header("mcp-protocol-version", "2025-11-25");
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.json().await.unwrap_or(Value::Null);
    Answer { status, headers, body }
}

fn expect(caller: Caller, ack: bool) -> StatusCode {
    match caller {
        Caller::Nobody | Caller::BadToken | Caller::Malformed => StatusCode::UNAUTHORIZED,
        Caller::NoRole => StatusCode::FORBIDDEN,
        Caller::Viewer if ack => StatusCode::FORBIDDEN,
        _ => StatusCode::OK,
    }
}

fn check(what: &str, caller: Caller, a: &Answer, expected: StatusCode) {
    assert_eq!(a.status, expected, "{what} as {caller:?}: {:#}", a.body);
    if expected == StatusCode::UNAUTHORIZED {
        assert!(a.header("www-authenticate").is_some_and(|v| v.starts_with("Bearer")), "{what}: WWW-Authenticate");
        assert_eq!(a.code(), "unauthorized", "{what}: {:#}", a.body);
    }
    if expected == StatusCode::FORBIDDEN {
        assert_eq!(a.code(), "forbidden", "{what}: {:#}", a.body);
    }
    if !expected.is_success() {
        let request_id = a.body["error"]["request_id"].as_str().unwrap_or_default();
        assert_eq!(Some(request_id), a.header("x-request-id"), "{what}: request id in body and header");
    }
}

#[tokio::test]
async fn every_route_and_tool_for_every_role() {
    let app = spawn_app().await;
    let desk = app.desk("rates");
    app.linear(&desk, "FUTURE", "SPX", "10", "50", "5000").await;
    app.limit(&desk, "gross_notional", "10000000").await;
    app.desk_exposure(&desk, "2500000", "2500000", "0", 1).await;
    app.market.quote_everything(5000.0, 0.2, 0.05);
    let alert = app.alert(&desk, "gross_notional", "delivered", "12000000", "10000000", false).await;
    let delivery = app.delivery(&alert, "breach", 0, 1).await;
    let trade =
        json!({"desk": desk, "underlying": "SPX", "instrument_type": "FUTURE", "quantity": "1", "price": "5000"});

    let routes: Vec<(Method, String, Option<Value>, bool)> = vec![
        (Method::GET, "/v1/positions?limit=5".into(), None, false),
        (Method::GET, format!("/v1/exposure?desk={desk}"), None, false),
        (Method::POST, "/v1/exposure".into(), Some(json!({"desk": desk})), false),
        (Method::GET, "/v1/desks".into(), None, false),
        (Method::GET, "/v1/alerts".into(), None, false),
        (Method::GET, format!("/v1/alerts/{alert}"), None, false),
        (Method::POST, "/v1/check-trade".into(), Some(trade.clone()), false),
        (Method::POST, "/v1/ask".into(), Some(json!({"question": format!("exposure of desk {desk}")})), false),
        (Method::GET, "/openapi.json".into(), None, false),
        (Method::POST, format!("/v1/alerts/{alert}/ack"), Some(json!({"delivery_id": delivery})), true),
        (Method::POST, "/mcp".into(), Some(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})), false),
    ];
    for (method, path, body, is_ack) in &routes {
        for caller in CALLERS {
            let a = send(&app, caller, method.clone(), path, body.clone()).await;
            check(&format!("{method} {path}"), caller, &a, expect(caller, *is_ack));
        }
    }

    let tools = [
        ("get_positions", json!({"limit": 2})),
        ("calculate_exposure", json!({"desk": desk})),
        ("desk_monitor", json!({})),
        ("list_alerts", json!({})),
        ("get_alert", json!({"alert_id": alert})),
        ("check_trade", trade),
        ("ask", json!({"question": "which desks are breaching a limit?"})),
    ];
    for (tool, args) in &tools {
        for caller in CALLERS {
            let body =
                json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": tool, "arguments": args}});
            let a = send(&app, caller, Method::POST, "/mcp", Some(body)).await;
            let expected = expect(caller, false);
            check(&format!("tool {tool}"), caller, &a, expected);
            if expected.is_success() {
                assert_eq!(a.body["result"]["isError"], false, "{tool} as {caller:?}: {:#}", a.body);
            }
        }
    }

    // Health, readiness and metrics need no token.
    for path in ["/healthz", "/readyz", "/metrics"] {
        let r = app.http.get(format!("{}{path}", app.url)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
    }
    app.stop().await;
}
