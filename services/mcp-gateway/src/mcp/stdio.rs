//! `mcp-gateway --stdio`: the same tools over stdin/stdout for a local MCP client. Logs go to
//! stderr (stdout carries the protocol), so this mode has its own small entry point instead
//! of the shared service main (whose logs go to stdout).

use crate::Settings;
use crate::auth::Principal;
use crate::mcp::server::McpServer;
use riskmonitor_runtime::service::BoxError;
use rmcp::ServiceExt;
use std::process::ExitCode;

/// Parses the command line and settings like the shared main, then serves MCP on stdio.
pub fn main(spec: riskmonitor_runtime::service::Spec) -> ExitCode {
    let cli = match riskmonitor_runtime::Cli::parse(std::env::args().skip(1), spec.commands, spec.flags) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{}: {e}", spec.name);
            return ExitCode::from(64);
        }
    };
    let settings: Settings = match riskmonitor_runtime::load_settings(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{}: {e}", spec.name);
            return ExitCode::from(78);
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(&settings.telemetry.log_level))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().json().with_writer(std::io::stderr).with_env_filter(filter).try_init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{}: cannot start the async runtime: {e}", spec.name);
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}: {e}", spec.name);
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> Result<(), BoxError> {
    let tools = crate::app::build_tools(&settings)?;
    let principal = Principal { name: "stdio".into(), roles: settings.auth.stdio_roles.clone() };
    tracing::info!(event = "stdio_serving", "serving MCP on stdio");
    let service = McpServer::stdio(tools, principal).serve(rmcp::transport::stdio()).await?;
    service.waiting().await?;
    Ok(())
}
