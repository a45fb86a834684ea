//! `market-sim [--bind ADDR]`: the market-snapshot simulator and dev webhook sink.
//! SIGTERM or SIGINT stops it gracefully (exit 0).

use riskmonitor_market_sim::args::{self, BIND_ENV, Command, USAGE};
use riskmonitor_market_sim::{AppState, log, serve};
use serde_json::json;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// How long requests in flight (possibly delayed by injected faults) may take after a signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// Exit code for bad arguments (sysexits' EX_USAGE), as the services use.
const EX_USAGE: u8 = 64;

#[tokio::main]
async fn main() -> ExitCode {
    let bind = match args::parse(std::env::args().skip(1), std::env::var(BIND_ENV).ok()) {
        Ok(Command::Run { bind }) => bind,
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("market-sim: {e}\n{USAGE}");
            return ExitCode::from(EX_USAGE);
        }
    };
    let listener = match tokio::net::TcpListener::bind(bind).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("market-sim: cannot listen on {bind}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().map(|a| a.to_string()).unwrap_or_else(|_| bind.to_string());
    log::info("listening", json!({ "addr": addr }));

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let mut server = tokio::spawn(serve(listener, Arc::new(AppState::default()), async {
        let _ = stopped.await;
    }));
    tokio::select! {
        result = &mut server => {
            eprintln!("market-sim: server stopped unexpectedly: {result:?}");
            return ExitCode::FAILURE;
        }
        () = riskmonitor_runtime::shutdown::wait_for_signal() => {}
    }
    log::info("shutdown_requested", json!({}));
    let _ = stop.send(());
    match tokio::time::timeout(SHUTDOWN_GRACE, server).await {
        Ok(Ok(Ok(()))) => log::info("stopped", json!({})),
        Ok(other) => {
            eprintln!("market-sim: server failed while stopping: {other:?}");
            return ExitCode::FAILURE;
        }
        Err(_) => log::info("stopped", json!({ "abandoned_in_flight": true })),
    }
    ExitCode::SUCCESS
}
