//! The command line: `market-sim [--bind ADDR]`, `RISKMONITOR_MARKET_SIM_BIND` when absent.

use std::net::SocketAddr;

pub const DEFAULT_BIND: &str = "127.0.0.1:18090";
pub const BIND_ENV: &str = "RISKMONITOR_MARKET_SIM_BIND";
pub const USAGE: &str = "usage: market-sim [--bind ADDR]\n\
    serves GET /v1/quotes?underlyings=A,B, GET /healthz, POST|GET|DELETE /webhooks, \
    GET|POST /admin/faults\n\
    ADDR defaults to RISKMONITOR_MARKET_SIM_BIND, else 127.0.0.1:18090";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Run { bind: SocketAddr },
    Help,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArgsError {
    #[error("option --bind needs a value")]
    MissingValue,
    #[error("`{0}` is not a socket address (e.g. 127.0.0.1:18090)")]
    BadAddress(String),
    #[error("unknown argument `{0}`")]
    Unknown(String),
}

/// Parses the arguments (without the program name); `env_bind` is the environment's value.
pub fn parse(args: impl IntoIterator<Item = String>, env_bind: Option<String>) -> Result<Command, ArgsError> {
    let mut bind = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--help" | "-h" => return Ok(Command::Help),
            "--bind" => bind = Some(args.next().ok_or(ArgsError::MissingValue)?),
            a if a.starts_with("--bind=") => bind = Some(a["--bind=".len()..].to_owned()),
            _ => return Err(ArgsError::Unknown(arg)),
        }
    }
    let text = bind.or(env_bind.filter(|v| !v.trim().is_empty())).unwrap_or_else(|| DEFAULT_BIND.to_owned());
    let bind = text.trim().parse().map_err(|_| ArgsError::BadAddress(text.clone()))?;
    Ok(Command::Run { bind })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn run(args: &[&str], env: Option<&str>) -> Result<Command, ArgsError> {
        parse(args.iter().map(|s| s.to_string()), env.map(str::to_owned))
    }

    fn bind(s: &str) -> Command {
        Command::Run { bind: s.parse().unwrap() }
    }

    #[test]
    fn flag_wins_over_environment_wins_over_default() {
        assert_eq!(run(&[], None), Ok(bind(DEFAULT_BIND)));
        assert_eq!(run(&[], Some("0.0.0.0:1")), Ok(bind("0.0.0.0:1")));
        assert_eq!(run(&["--bind", "127.0.0.1:2"], Some("0.0.0.0:1")), Ok(bind("127.0.0.1:2")));
        assert_eq!(run(&["--bind=127.0.0.1:3"], None), Ok(bind("127.0.0.1:3")));
        assert_eq!(run(&["-h"], None), Ok(Command::Help));
    }

    #[test]
    fn bad_arguments_are_reported() {
        assert_eq!(run(&["--bind"], None), Err(ArgsError::MissingValue));
        assert_eq!(run(&["--bind", "nope"], None), Err(ArgsError::BadAddress("nope".into())));
        assert_eq!(run(&["--port"], None), Err(ArgsError::Unknown("--port".into())));
    }
}
