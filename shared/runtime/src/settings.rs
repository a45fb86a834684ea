//! Typed, layered settings: built-in defaults (the settings type's `Default`), then an optional
//! TOML file, then `RISKMONITOR_*` environment variables (nesting with `__`, so
//! `RISKMONITOR_ADMIN__BIND` sets `admin.bind`). Layers merge key by key, so setting one nested
//! key keeps the defaults of its siblings. A bad value fails fast with the key named.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

pub const ENV_PREFIX: &str = "RISKMONITOR_";

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("settings file {0} does not exist")]
    MissingFile(PathBuf),
    /// figment's message names the key (`admin.bind`) and where the value came from
    /// (the file, or the `RISKMONITOR_ADMIN__BIND` environment variable).
    #[error("invalid settings: {0}")]
    Invalid(String),
    #[error("invalid setting `{key}`: {message}")]
    Rejected { key: String, message: String },
    #[error("cannot render settings: {0}")]
    Render(String),
}

/// Settings types validate what serde cannot express (ranges, relations between keys).
pub trait Validate {
    fn validate(&self) -> Result<(), SettingsError> {
        Ok(())
    }
}

/// Helper for [`Validate`] implementations.
pub fn reject(key: &str, message: impl Into<String>) -> SettingsError {
    SettingsError::Rejected { key: key.to_owned(), message: message.into() }
}

/// Loads `T` from the optional TOML file and the process environment.
pub fn load_settings<T: DeserializeOwned + Serialize + Default + Validate>(
    file: Option<&Path>,
) -> Result<T, SettingsError> {
    crate::secret::revealed(|| load_layers(file))
}

fn load_layers<T: DeserializeOwned + Serialize + Default + Validate>(file: Option<&Path>) -> Result<T, SettingsError> {
    let defaults = T::default();
    // Only variables that name one of this service's sections are settings: `RISKMONITOR_CACHE`
    // (the dev stack's) or another service's section must not stop this one.
    let sections: Vec<String> = match serde_json::to_value(&defaults) {
        Ok(serde_json::Value::Object(map)) => map.keys().map(|k| k.to_lowercase()).collect(),
        _ => Vec::new(),
    };
    let is_setting = {
        let sections = sections.clone();
        move |key: &str| {
            let section = key.split("__").next().unwrap_or_default().to_lowercase();
            sections.contains(&section)
        }
    };
    for (name, _) in std::env::vars() {
        if let Some(key) = name.strip_prefix(ENV_PREFIX)
            && key != "CONFIG"
            && !is_setting(key)
        {
            eprintln!("note: ignoring {name}: not a setting of this program");
        }
    }
    let mut figment = Figment::from(Serialized::defaults(defaults));
    if let Some(path) = file {
        if !path.exists() {
            return Err(SettingsError::MissingFile(path.to_owned()));
        }
        figment = figment.merge(Toml::file_exact(path));
    }
    figment = figment.merge(Env::prefixed(ENV_PREFIX).filter(move |k| is_setting(k.as_str())).split("__"));
    let settings: T = figment.extract().map_err(|e| {
        let messages: Vec<String> = e.into_iter().map(describe).collect();
        SettingsError::Invalid(messages.join("; "))
    })?;
    settings.validate()?;
    Ok(settings)
}

/// One figment error as `key `admin.bind`: <what is wrong> (from <file or env var>)`.
fn describe(e: figment::Error) -> String {
    let key = e.path.join(".").to_lowercase();
    let origin = e.metadata.as_ref().map(|m| {
        let source = m.source.as_ref().map(|s| s.to_string()).unwrap_or_else(|| m.name.to_string());
        if m.name.contains("environment") {
            format!("environment variable {ENV_PREFIX}{}", e.path.join("__").to_uppercase())
        } else {
            source
        }
    });
    match (key.is_empty(), origin) {
        (true, _) => e.kind.to_string(),
        (false, Some(origin)) => format!("key `{key}`: {} (from {origin})", e.kind),
        (false, None) => format!("key `{key}`: {}", e.kind),
    }
}

/// The effective settings as TOML, secrets redacted (they serialize as `[REDACTED]`).
pub fn render<T: Serialize>(settings: &T) -> Result<String, SettingsError> {
    toml::to_string_pretty(settings).map_err(|e| SettingsError::Render(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Secret;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(default)]
    struct Nested {
        port: u16,
        password: Secret,
    }
    impl Default for Nested {
        fn default() -> Self {
            Self { port: 1, password: Secret::new("default") }
        }
    }
    #[derive(Debug, Deserialize, Serialize)]
    #[serde(default)]
    struct Sample {
        nested: Nested,
        other: Nested,
        name: String,
    }
    impl Default for Sample {
        fn default() -> Self {
            Self { nested: Nested::default(), other: Nested { port: 42, password: Secret::new("x") }, name: "n".into() }
        }
    }
    impl Validate for Sample {}

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API
    fn layers_file_then_env_and_names_bad_keys() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("s.toml", "name = \"from-file\"\n[nested]\nport = 7\n")?;
            let s: Sample = load_settings(Some(Path::new("s.toml"))).unwrap();
            assert_eq!((s.name.as_str(), s.nested.port), ("from-file", 7));
            assert_eq!(s.nested.password.expose(), "default");

            // One nested key keeps its siblings' defaults, including the parent's own defaults.
            jail.set_env("RISKMONITOR_OTHER__PASSWORD", "p");
            let s: Sample = load_settings(None).unwrap();
            assert_eq!((s.other.port, s.other.password.expose()), (42, "p"));
            assert_eq!(s.name, "n");

            jail.set_env("RISKMONITOR_NESTED__PORT", "9");
            jail.set_env("RISKMONITOR_NESTED__PASSWORD", "s3cret");
            let s: Sample = load_settings(Some(Path::new("s.toml"))).unwrap();
            assert_eq!(s.nested.port, 9);
            assert_eq!(s.nested.password.expose(), "s3cret");
            let printed = render(&s).unwrap();
            assert!(printed.contains("[REDACTED]") && !printed.contains("s3cret"), "{printed}");

            // Variables of the dev tooling or of other services' sections are not settings here.
            jail.set_env("RISKMONITOR_CACHE", "/tmp/x");
            jail.set_env("RISKMONITOR_ENGINE__MAX_BATCH", "7");
            assert!(load_settings::<Sample>(None).is_ok());

            jail.set_env("RISKMONITOR_NESTED__PORT", "not-a-port");
            let err = load_settings::<Sample>(None).unwrap_err().to_string();
            assert!(err.contains("key `nested.port`"), "{err}");
            assert!(err.contains("RISKMONITOR_NESTED__PORT"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn missing_file_is_an_error() {
        let err = load_settings::<Sample>(Some(Path::new("/nonexistent/x.toml"))).unwrap_err();
        assert!(matches!(err, SettingsError::MissingFile(_)));
    }
}
