//! A service binary run as a child process (for SIGTERM and kill -9 tests).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

pub struct ServiceProcess {
    child: Child,
    pub admin_url: String,
}

/// A free TCP port on 127.0.0.1 (bound then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

impl ServiceProcess {
    /// Starts `bin` with `env` (on top of a clean `RISKMONITOR_*`-free environment) and its admin
    /// server on a free port; logs go to `log` (appended).
    pub fn spawn(bin: &Path, env: &BTreeMap<String, String>, log: &Path) -> Self {
        let port = free_port();
        let file =
            std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap_or_else(|e| panic!("{log:?}: {e}"));
        let err = file.try_clone().unwrap_or_else(|e| panic!("{e}"));
        let mut cmd = Command::new(bin);
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("RISKMONITOR_")) {
            cmd.env_remove(k);
        }
        cmd.envs(env)
            .env("RISKMONITOR_ADMIN__BIND", format!("127.0.0.1:{port}"))
            .env("RISKMONITOR_TELEMETRY__LOG_FORMAT", "text")
            .stdin(Stdio::null())
            .stdout(Stdio::from(file))
            .stderr(Stdio::from(err))
            .kill_on_drop(true);
        let child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {bin:?}: {e}"));
        Self { child, admin_url: format!("http://127.0.0.1:{port}") }
    }

    /// Waits until `/readyz` answers 200.
    pub async fn wait_ready(&mut self, timeout: Duration) {
        let url = format!("{}/readyz", self.admin_url);
        let client = reqwest::Client::new();
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("service exited before it was ready: {status}");
            }
            if let Ok(r) = client.get(&url).send().await
                && r.status().is_success()
            {
                return;
            }
            assert!(start.elapsed() < timeout, "{url} not 200 within {timeout:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Sends SIGTERM and waits for the exit; returns the status and how long it took.
    pub async fn terminate(mut self, timeout: Duration) -> (ExitStatus, Duration) {
        let pid = self.child.id().unwrap_or_else(|| panic!("process already reaped"));
        let start = Instant::now();
        signal(pid, "-TERM");
        let status = tokio::time::timeout(timeout, self.child.wait())
            .await
            .unwrap_or_else(|_| panic!("no exit within {timeout:?} of SIGTERM"))
            .unwrap_or_else(|e| panic!("wait: {e}"));
        (status, start.elapsed())
    }

    /// kill -9.
    pub async fn kill9(mut self) {
        if let Some(pid) = self.child.id() {
            signal(pid, "-KILL");
        }
        let _ = self.child.wait().await;
    }
}

fn signal(pid: u32, sig: &str) {
    let status = std::process::Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap_or_else(|e| panic!("kill: {e}"));
    assert!(status.success(), "kill {sig} {pid} failed");
}

/// Runs `bin` to completion with `env` and `args`; returns (exit code, stdout, stderr).
pub async fn run_to_end(bin: &Path, env: &BTreeMap<String, String>, args: &[&str]) -> (Option<i32>, String, String) {
    let mut cmd = Command::new(bin);
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("RISKMONITOR_")) {
        cmd.env_remove(k);
    }
    let out = cmd.envs(env).args(args).output().await.unwrap_or_else(|e| panic!("run {bin:?}: {e}"));
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
