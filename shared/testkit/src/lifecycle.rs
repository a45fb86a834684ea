//! The checks every service binary must pass (foundation issue): it starts against the stack,
//! `/readyz` becomes 200, SIGTERM exits 0 within 10 s, and a bad setting exits non-zero naming
//! the key.

use crate::process::{ServiceProcess, run_to_end};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

pub async fn ready_then_clean_exit_on_sigterm(bin: &Path, env: &BTreeMap<String, String>) {
    let log = std::env::temp_dir().join(format!("{}-lifecycle.log", crate::unique("svc-")));
    let mut svc = ServiceProcess::spawn(bin, env, &log);
    svc.wait_ready(Duration::from_secs(60)).await;
    let metrics = reqwest::get(format!("{}/metrics", svc.admin_url)).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(metrics.status().is_success());
    let health = reqwest::get(format!("{}/healthz", svc.admin_url)).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(health.status().is_success());
    let (status, took) = svc.terminate(Duration::from_secs(10)).await;
    let logs = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(status.success(), "exit status {status} after SIGTERM; log:\n{logs}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

pub async fn bad_setting_names_the_key(bin: &Path) {
    let env = BTreeMap::from([("RISKMONITOR_ADMIN__BIND".to_owned(), "not-an-address".to_owned())]);
    let (code, _, stderr) = run_to_end(bin, &env, &[]).await;
    assert_ne!(code, Some(0), "a bad setting must not start: {stderr}");
    assert!(stderr.contains("admin.bind"), "message must name the key: {stderr}");
    assert!(stderr.contains("RISKMONITOR_ADMIN__BIND"), "message must name the variable: {stderr}");

    let env = BTreeMap::from([("RISKMONITOR_KAFKA__TOPICS__POSITIONS_CDC__PARTITIONS".to_owned(), "0".to_owned())]);
    let (code, _, stderr) = run_to_end(bin, &env, &[]).await;
    assert_ne!(code, Some(0), "{stderr}");
    assert!(stderr.contains("kafka.topics.positions_cdc.partitions"), "{stderr}");

    let env = BTreeMap::from([("RISKMONITOR_DATABASE__URL".to_owned(), "mysql://u:hunter2@db:3306/x".to_owned())]);
    let (code, stdout, stderr) = run_to_end(bin, &env, &["--print-config"]).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("[REDACTED]") && !stdout.contains("hunter2"), "secrets must be redacted:\n{stdout}");
}
