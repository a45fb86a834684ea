//! The command line every service shares:
//! `<service> [run|migrate] [--config FILE] [--print-config] [--stdio]`.
//! `RISKMONITOR_CONFIG` names the settings file when `--config` is absent.

use std::path::PathBuf;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cli {
    /// `run` when no subcommand is given.
    pub command: String,
    pub config: Option<PathBuf>,
    pub print_config: bool,
    pub help: bool,
    /// Service-specific flags such as `--stdio`.
    pub flags: Vec<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CliError {
    #[error("option {0} needs a value")]
    MissingValue(String),
    #[error("unknown argument `{arg}` (accepted: {accepted})")]
    Unknown { arg: String, accepted: String },
}

impl Cli {
    /// Parses `args` (without the program name). `commands` and `flags` list what this
    /// service accepts beyond the common options.
    pub fn parse(args: impl IntoIterator<Item = String>, commands: &[&str], flags: &[&str]) -> Result<Self, CliError> {
        let mut cli = Cli { command: "run".into(), ..Cli::default() };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--config" | "-c" => {
                    let value = args.next().ok_or_else(|| CliError::MissingValue(arg.clone()))?;
                    cli.config = Some(PathBuf::from(value));
                }
                "--print-config" => cli.print_config = true,
                "--help" | "-h" => cli.help = true,
                a if a.starts_with("--config=") => {
                    cli.config = Some(PathBuf::from(&a["--config=".len()..]));
                }
                a if flags.contains(&a) => cli.flags.push(a.to_owned()),
                a if a == "run" || commands.contains(&a) => cli.command = a.to_owned(),
                _ => {
                    let mut accepted = vec!["run", "--config FILE", "--print-config", "--help"];
                    accepted.extend(commands);
                    accepted.extend(flags);
                    return Err(CliError::Unknown { arg, accepted: accepted.join(", ") });
                }
            }
        }
        if cli.config.is_none() {
            cli.config = std::env::var_os("RISKMONITOR_CONFIG").map(PathBuf::from);
        }
        Ok(cli)
    }

    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }

    pub fn usage(service: &str, commands: &[&str], flags: &[&str]) -> String {
        let mut cmds = vec!["run"];
        cmds.extend(commands);
        format!(
            "usage: {service} [{}] [--config FILE] [--print-config] {}\n\
             settings: TOML file (--config or RISKMONITOR_CONFIG), then RISKMONITOR_* environment \
             variables, nesting with __ (RISKMONITOR_ADMIN__BIND=127.0.0.1:9000)",
            cmds.join("|"),
            flags.iter().map(|f| format!("[{f}]")).collect::<Vec<_>>().join(" ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_common_options() {
        let cli = Cli::parse(args(&["migrate", "--config", "x.toml", "--print-config"]), &["migrate"], &[]).unwrap();
        assert_eq!(cli.command, "migrate");
        assert_eq!(cli.config, Some(PathBuf::from("x.toml")));
        assert!(cli.print_config);
        let cli = Cli::parse(args(&["--stdio"]), &[], &["--stdio"]).unwrap();
        assert!(cli.has_flag("--stdio"));
        assert_eq!(cli.command, "run");
    }

    #[test]
    fn rejects_unknown_and_incomplete() {
        assert!(matches!(Cli::parse(args(&["--nope"]), &[], &[]), Err(CliError::Unknown { .. })));
        assert_eq!(Cli::parse(args(&["--config"]), &[], &[]), Err(CliError::MissingValue("--config".into())));
    }
}
