//! Checks on the repository's deployment files that need no running stack.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

use serde_yaml_ng::Value;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn docker_compose_parses_and_names_every_service_of_the_native_stack() {
    let text = std::fs::read_to_string(root().join("docker-compose.yml")).expect("docker-compose.yml");
    let mut doc: Value = serde_yaml_ng::from_str(&text).expect("docker-compose.yml is valid YAML");
    doc.apply_merge().expect("YAML merge keys resolve");
    let services = doc["services"].as_mapping().expect("a services map");
    let names: Vec<&str> = services.keys().filter_map(Value::as_str).collect();
    for required in [
        "mariadb",
        "kafka",
        "registry",
        "connect",
        "market-sim",
        "cdc-risk-engine",
        "llm-analyzer",
        "webhook-notifier",
        "mcp-gateway",
    ] {
        assert!(names.contains(&required), "docker-compose.yml lacks service {required}: {names:?}");
    }
    // The four services run the one image built from the Dockerfile, each its own binary.
    for svc in ["cdc-risk-engine", "llm-analyzer", "webhook-notifier", "mcp-gateway"] {
        let s = &services[svc];
        assert_eq!(s["image"].as_str(), Some("riskmonitor:dev"), "{svc}");
        assert_eq!(s["command"][0].as_str(), Some(svc), "{svc} runs its own binary");
        assert!(s["environment"]["RISKMONITOR_DATABASE__URL"].is_string(), "{svc} has a database URL");
    }
    // Same artifact versions as the native stack.
    assert_eq!(services["kafka"]["image"].as_str(), Some("apache/kafka:4.1.1"));
    assert_eq!(services["registry"]["image"].as_str(), Some("apicurio/apicurio-registry:3.3.3"));
    assert!(services["connect"]["image"].as_str().is_some_and(|i| i.contains("3.5.0.Final")));
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).expect("Dockerfile");
    for svc in ["cdc-risk-engine", "llm-analyzer", "webhook-notifier", "mcp-gateway", "market-sim", "riskmonitor-admin"]
    {
        assert!(dockerfile.contains(&format!("target/release/{svc}")), "the image ships {svc}");
    }
}
