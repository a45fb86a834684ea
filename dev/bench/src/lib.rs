//! Shared by the benchmark programs: machine description, percentiles, result files.
//! Benchmarks are run by hand (`cargo run --release -p riskmonitor-bench --bin <name>`) against
//! the dev stack; each writes `bench/results/<name>.json` (../shared/BENCH.md's format).

pub mod avro_events;

use serde_json::{Value, json};
use std::path::PathBuf;

/// Cores, memory and CPU model, from /proc.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = cpuinfo.lines().filter(|l| l.starts_with("processor")).count();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kb: u64 = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    format!("{cores} cores, {:.1} GiB, {model}", mem_kb as f64 / 1024.0 / 1024.0)
}

/// The p-th percentile (0..=100) of `values` (nearest rank); 0 for an empty slice.
pub fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * values.len() as f64).ceil().max(1.0) as usize;
    values[rank.min(values.len()) - 1]
}

pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn git_commit() -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// Writes `bench/results/<name>.json` and prints it.
pub fn write_result(name: &str, command: &str, metrics: Value, notes: &str) -> PathBuf {
    let doc = json!({
        "name": name,
        "command": command,
        "machine": machine(),
        "date": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "git_commit": git_commit(),
        "metrics": metrics,
        "notes": notes,
    });
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../bench/results");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{name}.json"));
    let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    if let Err(e) = std::fs::write(&path, format!("{text}\n")) {
        eprintln!("cannot write {path:?}: {e}");
    }
    println!("{text}");
    path
}

#[cfg(test)]
mod tests {
    #[test]
    fn nearest_rank_percentiles() {
        let mut v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(super::percentile(&mut v, 50.0), 50.0);
        assert_eq!(super::percentile(&mut v, 99.0), 99.0);
        assert_eq!(super::percentile(&mut v, 100.0), 100.0);
    }
}
