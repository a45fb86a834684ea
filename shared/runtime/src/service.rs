//! The common `main` of every service: parse the command line, load and validate settings
//! (`--print-config` prints them redacted), install logging and tracing, wire SIGTERM/SIGINT
//! to readiness and shutdown, run the service, and map the outcome to an exit code.

use crate::settings::{Validate, render};
use crate::telemetry::TelemetrySettings;
use crate::{Cli, Readiness, Shutdown, load_settings};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::process::ExitCode;

/// Settings of a service: anything deserializable with the telemetry section in it.
pub trait ServiceSettings: DeserializeOwned + Serialize + Default + Validate + Send + 'static {
    fn telemetry(&self) -> &TelemetrySettings;
}

/// What a service describes about itself for the command line.
pub struct Spec {
    pub name: &'static str,
    /// Subcommands beyond `run`, e.g. `migrate`.
    pub commands: &'static [&'static str],
    /// Flags beyond the common ones, e.g. `--stdio`.
    pub flags: &'static [&'static str],
}

/// Everything a running service is handed.
pub struct Context<S> {
    pub cli: Cli,
    pub settings: S,
    pub readiness: Readiness,
    pub shutdown: Shutdown,
}

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Exit code for bad settings or arguments (sysexits' EX_CONFIG / EX_USAGE).
const EX_USAGE: u8 = 64;
const EX_CONFIG: u8 = 78;

pub fn main<S, F, Fut>(spec: Spec, run: F) -> ExitCode
where
    S: ServiceSettings,
    F: FnOnce(Context<S>) -> Fut,
    Fut: Future<Output = Result<(), BoxError>>,
{
    let cli = match Cli::parse(std::env::args().skip(1), spec.commands, spec.flags) {
        Ok(cli) => cli,
        Err(e) => {
            eprintln!("{}: {e}\n{}", spec.name, Cli::usage(spec.name, spec.commands, spec.flags));
            return ExitCode::from(EX_USAGE);
        }
    };
    if cli.help {
        println!("{}", Cli::usage(spec.name, spec.commands, spec.flags));
        return ExitCode::SUCCESS;
    }
    let settings: S = match load_settings(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{}: {e}", spec.name);
            return ExitCode::from(EX_CONFIG);
        }
    };
    if cli.print_config {
        return match render(&settings) {
            Ok(text) => {
                println!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{}: {e}", spec.name);
                ExitCode::FAILURE
            }
        };
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{}: cannot start the async runtime: {e}", spec.name);
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        // The guard flushes spans on the way out.
        let _telemetry = match crate::telemetry::init(spec.name, settings.telemetry()) {
            Ok(guard) => guard,
            Err(e) => {
                eprintln!("{}: {e}", spec.name);
                return ExitCode::from(EX_CONFIG);
            }
        };
        let readiness = Readiness::new();
        let shutdown = Shutdown::new();
        shutdown.listen_for_signals(readiness.clone());
        tracing::info!(event = "starting", service = spec.name, command = %cli.command, version = env!("CARGO_PKG_VERSION"));
        let ctx = Context { cli, settings, readiness, shutdown };
        match run(ctx).await {
            Ok(()) => {
                tracing::info!(event = "stopped", service = spec.name, "exited cleanly");
                ExitCode::SUCCESS
            }
            Err(e) => {
                tracing::error!(event = "failed", service = spec.name, error = %e, "exiting on error");
                eprintln!("{}: {e}", spec.name);
                ExitCode::FAILURE
            }
        }
    })
}
