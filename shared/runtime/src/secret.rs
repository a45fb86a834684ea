//! A secret setting: read from files and the environment like any string, never printed.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cell::Cell;
use std::fmt;

thread_local! {
    /// Secrets serialize as `[REDACTED]` unless the settings loader is building its defaults layer.
    static REDACT: Cell<bool> = const { Cell::new(true) };
}

/// Runs `f` with secrets serializing as their real value (used only to layer built-in defaults
/// under the file and the environment; never for output).
pub(crate) fn revealed<R>(f: impl FnOnce() -> R) -> R {
    REDACT.with(|r| r.set(false));
    let result = f();
    REDACT.with(|r| r.set(true));
    result
}

/// A string setting that must not leak: `Debug`, `Display` and `Serialize` (used by
/// `--print-config`) all show `[REDACTED]`; the value is reached only through [`Secret::expose`].
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }
}

impl Default for Secret {
    fn default() -> Self {
        Self::new(String::new())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if REDACT.with(Cell::get) {
            serializer.serialize_str("[REDACTED]")
        } else {
            serializer.serialize_str(self.expose())
        }
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "[REDACTED]");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"[REDACTED]\"");
        assert_eq!(s.expose(), "hunter2");
    }
}
