use llm_analyzer::{SPEC, Settings, run};
use std::process::ExitCode;

fn main() -> ExitCode {
    riskmonitor_runtime::service::main::<Settings, _, _>(SPEC, run)
}
