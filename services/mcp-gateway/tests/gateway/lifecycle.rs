//! The binary: ready on the real stack, SIGTERM finishes the call in flight then exits 0, bad
//! settings fail fast naming the key, `hash-token`, and MCP over `--stdio`.

use crate::stubs::MarketStub;
use crate::support::VIEWER;
use mcp_gateway::auth::hash_token;
use riskmonitor_testkit::process::{free_port, run_to_end};
use riskmonitor_testkit::{TestDb, TestEnv};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_mcp-gateway"))
}

fn command(env: &BTreeMap<String, String>) -> Command {
    let mut cmd = Command::new(bin());
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("RISKMONITOR_")) {
        cmd.env_remove(k);
    }
    cmd.envs(env).env("RISKMONITOR_TELEMETRY__LOG_FORMAT", "text").kill_on_drop(true);
    cmd
}

async fn base_env(market_url: &str) -> (TestDb, BTreeMap<String, String>) {
    let db = TestDb::create(&TestEnv::from_env()).await;
    let tokens = format!(r#"[{{name="viewer", sha256="{}", roles=["viewer"]}}]"#, hash_token(VIEWER));
    let env = BTreeMap::from([
        ("RISKMONITOR_DATABASE__URL".to_owned(), db.url.clone()),
        ("RISKMONITOR_MARKET__URL".to_owned(), market_url.to_owned()),
        ("RISKMONITOR_MARKET__TIMEOUT_MS".to_owned(), "5000".to_owned()),
        ("RISKMONITOR_MARKET__RETRIES".to_owned(), "0".to_owned()),
        ("RISKMONITOR_AUTH__TOKENS".to_owned(), tokens),
        // The dev stack gives every service the Kafka settings; the gateway accepts and ignores them.
        ("RISKMONITOR_KAFKA__BROKERS".to_owned(), "127.0.0.1:19092".to_owned()),
    ]);
    (db, env)
}

#[tokio::test]
async fn sigterm_finishes_the_call_in_flight_then_exits_zero() {
    let market = MarketStub::start().await;
    market.quote_everything(100.0, 0.2, 0.05);
    market.delay(Duration::from_millis(1500));
    let (db, mut env) = base_env(&market.url).await;
    sqlx::query("INSERT INTO positions (position_id, desk, instrument_id, instrument_type, underlying, quantity, multiplier, price) VALUES (1, 'd', 'X', 'EQUITY', 'SPX', 1, 1, 1)")
        .execute(&db.pool)
        .await
        .unwrap();
    let port = free_port();
    env.insert("RISKMONITOR_HTTP__BIND".into(), format!("127.0.0.1:{port}"));
    let log = std::env::temp_dir().join(format!("gateway-lifecycle-{port}.log"));
    let file = std::fs::File::create(&log).unwrap();
    let mut child =
        command(&env).stdout(Stdio::from(file.try_clone().unwrap())).stderr(Stdio::from(file)).spawn().unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let start = Instant::now();
    loop {
        if let Ok(r) = http.get(format!("{url}/readyz")).send().await
            && r.status().is_success()
        {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "not ready: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let in_flight = {
        let (http, url) = (http.clone(), url.clone());
        tokio::spawn(async move { http.get(format!("{url}/v1/exposure?desk=d")).bearer_auth(VIEWER).send().await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pid = child.id().unwrap();
    let sent = Instant::now();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap().success());
    let r = in_flight.await.unwrap().expect("the call in flight is answered");
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["live"]["status"], "complete");
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait()).await.expect("exits").unwrap();
    let logs = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(status.success(), "exit {status}: {logs}");
    assert!(sent.elapsed() < Duration::from_secs(10));
    assert!(logs.contains("request_id") && logs.contains("trace_id") && logs.contains("latency_ms"), "{logs}");
}

#[tokio::test]
async fn bad_settings_fail_fast_naming_the_key() {
    let cases = [
        ("RISKMONITOR_HTTP__BIND", "not-an-address", "http.bind"),
        ("RISKMONITOR_PROTECTION__MAX_IN_FLIGHT", "0", "protection.max_in_flight"),
        (
            "RISKMONITOR_AUTH__TOKENS",
            r#"[{name="x", sha256="a-plain-token", roles=["viewer"]}]"#,
            "auth.tokens[0].sha256",
        ),
        ("RISKMONITOR_TOOLS__LLM_CONCLUSION_TOOLS", r#"["get_weather"]"#, "tools.llm_conclusion_tools"),
        ("RISKMONITOR_HTTP__NO_SUCH_KEY", "1", "no_such_key"),
    ];
    for (var, value, key) in cases {
        let env = BTreeMap::from([(var.to_owned(), value.to_owned())]);
        let (code, _, stderr) = run_to_end(bin(), &env, &[]).await;
        assert_eq!(code, Some(78), "{var}={value}: {stderr}");
        assert!(stderr.contains(key), "{var}={value}: message must name `{key}`: {stderr}");
    }
    let env = BTreeMap::from([("RISKMONITOR_DATABASE__URL".to_owned(), "mysql://u:hunter2@db:3306/x".to_owned())]);
    let (code, stdout, _) = run_to_end(bin(), &env, &["--print-config"]).await;
    assert_eq!(code, Some(0));
    assert!(stdout.contains("[REDACTED]") && !stdout.contains("hunter2"), "{stdout}");
}

#[tokio::test]
async fn hash_token_prints_the_sha256() {
    let mut child =
        command(&BTreeMap::new()).arg("hash-token").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"abc").await.unwrap();
    let out = child.wait_with_output().await.unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), hash_token("abc"));
}

#[tokio::test]
async fn mcp_over_stdio() {
    let market = MarketStub::start().await;
    let (_db, env) = base_env(&market.url).await;
    let mut child = command(&env)
        .arg("--stdio")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let messages = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "desk_monitor", "arguments": {}}}),
    ];
    for m in &messages {
        stdin.write_all(format!("{m}\n").as_bytes()).await.unwrap();
    }
    stdin.flush().await.unwrap();
    let mut answers = BTreeMap::new();
    while answers.len() < 3 {
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("answer")
            .unwrap()
            .expect("line");
        let v: Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("stdout carries only JSON-RPC: {line}: {e}"));
        if let Some(id) = v["id"].as_u64() {
            answers.insert(id, v);
        }
    }
    assert_eq!(answers[&2]["result"]["tools"].as_array().unwrap().len(), 7);
    assert_eq!(answers[&3]["result"]["isError"], false, "{:#}", answers[&3]);
    assert!(answers[&3]["result"]["structuredContent"]["conclusion"]["text"].is_string());
    drop(stdin);
    let _ = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
}

#[tokio::test]
async fn spans_are_exported_over_otlp_when_an_endpoint_is_configured() {
    let collector =
        riskmonitor_testkit::http::Receiver::start(|_, _| riskmonitor_testkit::http::Reply::Status(200)).await;
    let market = MarketStub::start().await;
    let (_db, mut env) = base_env(&market.url).await;
    let port = free_port();
    env.insert("RISKMONITOR_HTTP__BIND".into(), format!("127.0.0.1:{port}"));
    env.insert("RISKMONITOR_TELEMETRY__OTLP_ENDPOINT".into(), format!("{}/v1/traces", collector.url));
    let mut child = command(&env).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let start = Instant::now();
    while !http.get(format!("{url}/readyz")).send().await.is_ok_and(|r| r.status().is_success()) {
        assert!(start.elapsed() < Duration::from_secs(60), "gateway not ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    let r = http
        .get(format!("{url}/v1/desks"))
        .bearer_auth(VIEWER)
        .header("traceparent", traceparent)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    // The batch exporter flushes at shutdown at the latest.
    let _ = std::process::Command::new("kill").args(["-TERM", &child.id().unwrap().to_string()]).status();
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait()).await.unwrap().unwrap();
    assert!(status.success());
    let posts: Vec<_> = collector
        .received()
        .into_iter()
        .filter(|r| r.header("content-type") == Some("application/x-protobuf"))
        .collect();
    assert!(!posts.is_empty(), "no OTLP export arrived: {:?}", collector.received().len());
    // The exported spans belong to the caller's trace (its id travels in the protobuf as raw bytes).
    let trace_id: Vec<u8> =
        (0..16).map(|i| u8::from_str_radix(&traceparent[3 + 2 * i..5 + 2 * i], 16).unwrap()).collect();
    assert!(
        posts.iter().any(|p| p.body.windows(16).any(|w| w == trace_id.as_slice())),
        "the request's trace id is in the export"
    );
}
