use std::process::ExitCode;
use webhook_notifier::{SPEC, Settings, run};

fn main() -> ExitCode {
    riskmonitor_runtime::service::main::<Settings, _, _>(SPEC, run)
}
