//! Independent clients: the official MCP Python SDK lists and calls every tool (validating
//! structuredContent against outputSchema) over both protocol revisions, and schemathesis
//! fuzzes the REST API from `/openapi.json` (no 5xx, no response that breaks the schema).

use crate::support::{ADMIN, TestApp, spawn_with};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

fn python() -> String {
    std::env::var("RISKMONITOR_TEST_PYTHON")
        .unwrap_or_else(|_| format!("{}/.cache/riskmonitor/venv/bin/python", std::env::var("HOME").unwrap_or_default()))
}

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e} (dev/test installs the test tools: dev/test-requirements.txt)"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{what} failed ({}):\n{stdout}\n{stderr}", out.status);
    stdout
}

async fn fixtures(app: &TestApp) -> Value {
    let desk = app.desk("py");
    app.linear(&desk, "FUTURE", "SPX", "10", "50", "5000").await;
    app.option(&desk, "SPX", "-5", "100", "120.5", "0.4", "12.5", "PUT", "4900", crate::stubs::EXPIRY_1Y).await;
    app.limit(&desk, "gross_notional", "1000000").await;
    app.limit(&desk, "net_delta", "3000000").await;
    app.desk_exposure(&desk, "2560250", "2475900", "-6250", 2).await;
    app.market.quote_everything(5000.0, 0.2, 0.05);
    let alert = app.alert(&desk, "gross_notional", "delivered", "2560250", "1000000", false).await;
    app.delivery(&alert, "breach", 0, 1).await;
    json!({
        "get_positions": {"desk": desk, "limit": 5},
        "calculate_exposure": {"desk": desk, "include_positions": true},
        "desk_monitor": {},
        "list_alerts": {"open_only": true},
        "get_alert": {"alert_id": alert},
        "check_trade": {"desk": desk, "underlying": "SPX", "instrument_type": "OPTION", "quantity": "3",
                        "multiplier": "100", "option_type": "CALL", "strike": "5100", "expiry": crate::stubs::EXPIRY_1Y},
        "ask": {"question": format!("top 3 positions on {desk}")},
    })
}

#[tokio::test]
async fn the_official_python_sdk_lists_and_calls_every_tool() {
    let app = spawn_with(|_| {}).await;
    let calls = fixtures(&app).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/py/mcp_client.py");
    for mode in ["legacy", "auto"] {
        let url = format!("{}/mcp", app.url);
        let stdout = tokio::task::spawn_blocking({
            let calls = calls.to_string();
            move || run(Command::new(python()).args([script, &url, ADMIN, mode, &calls]), "mcp_client.py")
        })
        .await
        .unwrap();
        let report: Value = serde_json::from_str(stdout.trim().lines().last().unwrap_or("")).expect("report");
        let tools = report["tools"].as_object().unwrap();
        assert_eq!(tools.len(), 7, "{mode}: {report:#}");
        for (name, t) in tools {
            assert_eq!(t["has_output_schema"], true, "{mode} {name}");
            assert_eq!(t["read_only"], true, "{mode} {name}");
            assert_eq!(t["undocumented_fields"], json!([]), "{mode} {name}");
        }
        for (name, c) in report["calls"].as_object().unwrap() {
            assert_eq!(c["is_error"], false, "{mode} {name}: {c:#}");
            assert!(c["conclusion_text"].as_str().is_some_and(|t| !t.is_empty()), "{mode} {name}");
            assert_eq!(c["first_text"], c["conclusion_text"], "{mode} {name}: the text block is the conclusion");
            assert_eq!(c["conclusion_source"], "deterministic", "{mode} {name}");
        }
        assert_eq!(report["input_error"]["is_error"], true);
        assert!(report["input_error"]["text"].as_str().unwrap().contains("`limit`"));
        assert_eq!(report["unknown_tool"], -32602);
        if mode == "auto" {
            assert_eq!(report["protocol_version"], "2026-07-28", "the stateless revision: {report:#}");
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn schemathesis_finds_no_server_error_and_no_schema_violation() {
    let app = spawn_with(|s| {
        s.market.timeout_ms = 2_000;
    })
    .await;
    let _ = fixtures(&app).await;
    let st = Path::new(&python()).with_file_name("schemathesis");
    let url = format!("{}/openapi.json", app.url);
    let report_dir = std::env::temp_dir().join(format!("schemathesis-{}", app.tag));
    let stdout = tokio::task::spawn_blocking(move || {
        run(
            // Run from a scratch directory: schemathesis keeps a `.schemathesis` cache in its cwd.
            Command::new(&st).current_dir(std::env::temp_dir()).args([
                "run",
                &url,
                "--header",
                &format!("Authorization: Bearer {ADMIN}"),
                "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance,negative_data_rejection",
                "--max-examples",
                "30",
                "--seed",
                "20261205",
                "--workers",
                "2",
                "--request-timeout",
                "20",
                "--report-dir",
                report_dir.to_str().unwrap_or("."),
            ]),
            "schemathesis",
        )
    })
    .await
    .unwrap();
    eprintln!("{stdout}");
    assert!(!stdout.contains("FAILED"), "{stdout}");
    app.stop().await;
}
