//! riskmonitor-admin: incident recovery (see the README's runbook).
//!
//! riskmonitor-admin [--config FILE] replay --group G --topic T (--to-beginning | --to-end |
//!     --to-offset N | --to-time RFC3339) [--partition P]... [--dry-run] [--wait-for-stop SECS]
//! riskmonitor-admin [--config FILE] dlq list --topic T [--limit N]
//! riskmonitor-admin [--config FILE] dlq show --topic T --partition P --offset O
//! riskmonitor-admin [--config FILE] dlq redrive --topic T (--all | --partition P --offset O) [--dry-run]
//! riskmonitor-admin [--config FILE] alerts stuck --older-than SECS [--status S]... [--republish]

use riskmonitor_admin::dlq::Select;
use riskmonitor_admin::replay::Replay;
use riskmonitor_admin::{AdminError, Settings, alerts, dlq, replay};
use riskmonitor_domain::AlertStatus;
use riskmonitor_kafka::admin::ResetTo;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "usage:
  riskmonitor-admin [--config FILE] replay --group G --topic T (--to-beginning|--to-end|--to-offset N|--to-time RFC3339)
                    [--partition P]... [--dry-run] [--wait-for-stop SECS]
  riskmonitor-admin [--config FILE] dlq list --topic T [--limit N]
  riskmonitor-admin [--config FILE] dlq show --topic T --partition P --offset O
  riskmonitor-admin [--config FILE] dlq redrive --topic T (--all | --partition P --offset O) [--dry-run]
  riskmonitor-admin [--config FILE] alerts stuck --older-than SECS [--status S]... [--republish]
settings: like the services (TOML file, then RISKMONITOR_DATABASE__URL, RISKMONITOR_KAFKA__BROKERS, ...)";

/// Flags: `--name value` pairs (repeatable) and bare `--switch`es, after the words.
struct Args {
    words: Vec<String>,
    values: HashMap<String, Vec<String>>,
    switches: Vec<String>,
}

const SWITCHES: &[&str] = &["--dry-run", "--to-beginning", "--to-end", "--all", "--republish", "--help"];

fn parse(raw: Vec<String>) -> Result<Args, String> {
    let mut a = Args { words: Vec::new(), values: HashMap::new(), switches: Vec::new() };
    let mut it = raw.into_iter();
    while let Some(x) = it.next() {
        if SWITCHES.contains(&x.as_str()) {
            a.switches.push(x);
        } else if x.starts_with("--") {
            let v = it.next().ok_or_else(|| format!("{x} needs a value"))?;
            a.values.entry(x).or_default().push(v);
        } else {
            a.words.push(x);
        }
    }
    Ok(a)
}

impl Args {
    fn one(&self, name: &str) -> Option<&str> {
        self.values.get(name).and_then(|v| v.last()).map(String::as_str)
    }
    fn need(&self, name: &str) -> Result<&str, AdminError> {
        self.one(name).ok_or_else(|| AdminError::Usage(format!("{name} is required\n{USAGE}")))
    }
    fn num<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, AdminError> {
        self.one(name)
            .map(|v| v.parse().map_err(|_| AdminError::Usage(format!("{name}: `{v}` is not a number"))))
            .transpose()
    }
    fn has(&self, switch: &str) -> bool {
        self.switches.iter().any(|s| s == switch)
    }
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1).collect()) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("riskmonitor-admin: {e}\n{USAGE}");
            return ExitCode::from(64);
        }
    };
    if args.has("--help") || args.words.is_empty() {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let config =
        args.one("--config").map(PathBuf::from).or_else(|| std::env::var_os("RISKMONITOR_CONFIG").map(PathBuf::from));
    let settings: Settings = match riskmonitor_runtime::load_settings(config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("riskmonitor-admin: {e}");
            return ExitCode::from(78);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("riskmonitor-admin: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&args, &settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(AdminError::Usage(m)) => {
            eprintln!("riskmonitor-admin: {m}");
            ExitCode::from(64)
        }
        Err(e) => {
            eprintln!("riskmonitor-admin: {e}");
            ExitCode::FAILURE
        }
    }
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

async fn run(args: &Args, settings: &Settings) -> Result<(), AdminError> {
    let words: Vec<&str> = args.words.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["replay"] => {
            let to = if args.has("--to-beginning") {
                ResetTo::Beginning
            } else if args.has("--to-end") {
                ResetTo::End
            } else if let Some(o) = args.num::<i64>("--to-offset")? {
                ResetTo::Offset(o)
            } else if let Some(t) = args.one("--to-time") {
                let at = chrono::DateTime::parse_from_rfc3339(t)
                    .map_err(|e| AdminError::Usage(format!("--to-time `{t}`: {e}")))?;
                ResetTo::Timestamp(at.timestamp_millis())
            } else {
                return Err(AdminError::Usage(format!(
                    "say where to: --to-beginning, --to-end, --to-offset or --to-time\n{USAGE}"
                )));
            };
            let partitions = args
                .values
                .get("--partition")
                .map(|v| v.iter().map(|p| p.parse::<i32>()).collect::<Result<Vec<_>, _>>())
                .transpose()
                .map_err(|_| AdminError::Usage("--partition takes a number".into()))?
                .unwrap_or_default();
            let r = Replay {
                group: args.need("--group")?.to_owned(),
                topic: args.need("--topic")?.to_owned(),
                partitions,
                to,
                dry_run: args.has("--dry-run"),
                wait_for_stop: args.num::<u64>("--wait-for-stop")?.map(Duration::from_secs),
            };
            let plan = replay::run(&settings.kafka, &r)?;
            print!("{}", replay::render(&plan, r.dry_run));
            Ok(())
        }
        ["dlq", "list"] => {
            let list = dlq::list(&settings.kafka, args.need("--topic")?, args.num("--limit")?.unwrap_or(100))?;
            println!("{}", json(&list));
            Ok(())
        }
        ["dlq", "show"] => {
            let m = dlq::show(
                &settings.kafka,
                args.need("--topic")?,
                args.num("--partition")?.unwrap_or(0),
                args.num("--offset")?.ok_or_else(|| AdminError::Usage("--offset is required".into()))?,
            )?;
            println!("{}", json(&m));
            Ok(())
        }
        ["dlq", "redrive"] => {
            let select = if args.has("--all") {
                Select::All
            } else {
                Select::One {
                    partition: args.num("--partition")?.unwrap_or(0),
                    offset: args
                        .num("--offset")?
                        .ok_or_else(|| AdminError::Usage("--offset or --all is required".into()))?,
                }
            };
            let sent = dlq::redrive(&settings.kafka, args.need("--topic")?, select, args.has("--dry-run"))?;
            println!("{}", json(&sent));
            eprintln!(
                "{} message(s) {}",
                sent.len(),
                if args.has("--dry-run") { "would be re-driven" } else { "re-driven" }
            );
            Ok(())
        }
        ["alerts", "stuck"] => {
            let older = Duration::from_secs(
                args.num("--older-than")?.ok_or_else(|| AdminError::Usage("--older-than is required".into()))?,
            );
            let statuses = match args.values.get("--status") {
                Some(v) => v
                    .iter()
                    .map(|s| s.parse::<AlertStatus>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(AdminError::Usage)?,
                None => vec![AlertStatus::PendingAnalysis, AlertStatus::PendingDelivery],
            };
            let pool = riskmonitor_db::connect(&settings.database)?;
            let stuck = alerts::find(&pool, &statuses, older).await?;
            println!("{}", json(&stuck));
            if args.has("--republish") {
                let n = alerts::republish(&pool, &settings.kafka, &stuck).await?;
                eprintln!("{} alert id(s) re-published", n);
            }
            Ok(())
        }
        other => Err(AdminError::Usage(format!("unknown command {}\n{USAGE}", other.join(" ")))),
    }
}
