use mcp_gateway::{SPEC, Settings, run};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let informational = args.iter().any(|a| matches!(a.as_str(), "--print-config" | "--help" | "-h"));
    if informational {
        return riskmonitor_runtime::service::main::<Settings, _, _>(SPEC, run);
    }
    if args.iter().any(|a| a == "hash-token") {
        // A pure utility: no settings, no logs, only the hash on stdout.
        return mcp_gateway::auth::hash_token_command();
    }
    if args.iter().any(|a| a == "--stdio") {
        return mcp_gateway::mcp::stdio::main(SPEC);
    }
    riskmonitor_runtime::service::main::<Settings, _, _>(SPEC, run)
}
