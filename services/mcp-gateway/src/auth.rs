//! Bearer tokens with roles. Settings hold each token's SHA-256, never the token; a presented
//! token is hashed and compared with every configured hash in constant time (`subtle`), so
//! neither the comparison nor the position of the match leaks through timing.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The contract's roles: `viewer` reads, `risk_manager` reads and acks, `admin` does all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    RiskManager,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::RiskManager => "risk_manager",
            Role::Admin => "admin",
        }
    }
}

/// What a request wants to do; each access names the roles that grant it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Every tool, every `GET`, `/openapi.json`.
    Read,
    /// `POST /v1/alerts/{id}/ack`.
    Ack,
}

impl Access {
    pub fn roles(self) -> &'static [Role] {
        match self {
            Access::Read => &[Role::Viewer, Role::RiskManager, Role::Admin],
            Access::Ack => &[Role::RiskManager, Role::Admin],
        }
    }
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token's configured name.
    pub name: String,
    pub roles: Vec<Role>,
}

impl Principal {
    pub fn may(&self, access: Access) -> bool {
        self.roles.iter().any(|r| access.roles().contains(r))
    }

    /// A message for the 403 of `access`.
    pub fn denied(&self, access: Access) -> String {
        let needed: Vec<&str> = access.roles().iter().map(|r| r.as_str()).collect();
        format!("this token lacks the role for this action (needs one of: {})", needed.join(", "))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthConfigError {
    #[error("token #{index} (`{name}`): `sha256` must be 64 hex digits (the SHA-256 of the token, not the token)")]
    BadHash { index: usize, name: String },
    #[error("token #{index}: `name` must not be empty")]
    EmptyName { index: usize },
    #[error("token name `{0}` is used twice")]
    DuplicateName(String),
    #[error("two tokens have the same hash (`{0}` and `{1}`)")]
    DuplicateHash(String, String),
}

impl AuthConfigError {
    /// The settings key at fault.
    pub fn key(&self) -> String {
        match self {
            AuthConfigError::BadHash { index, .. } => format!("auth.tokens[{index}].sha256"),
            AuthConfigError::EmptyName { index } => format!("auth.tokens[{index}].name"),
            AuthConfigError::DuplicateName(_) | AuthConfigError::DuplicateHash(..) => "auth.tokens".into(),
        }
    }
}

struct Entry {
    name: String,
    hash: [u8; 32],
    roles: Vec<Role>,
}

/// The configured tokens.
pub struct TokenStore {
    entries: Vec<Entry>,
    uses_dev_tokens: bool,
}

impl TokenStore {
    pub fn new(settings: &crate::settings::AuthSettings) -> Result<Self, AuthConfigError> {
        let mut entries: Vec<Entry> = Vec::with_capacity(settings.tokens.len());
        for (index, t) in settings.tokens.iter().enumerate() {
            if t.name.trim().is_empty() {
                return Err(AuthConfigError::EmptyName { index });
            }
            let hash = parse_hash(&t.sha256).ok_or_else(|| AuthConfigError::BadHash { index, name: t.name.clone() })?;
            if entries.iter().any(|e| e.name == t.name) {
                return Err(AuthConfigError::DuplicateName(t.name.clone()));
            }
            if let Some(e) = entries.iter().find(|e| e.hash == hash) {
                return Err(AuthConfigError::DuplicateHash(e.name.clone(), t.name.clone()));
            }
            entries.push(Entry { name: t.name.clone(), hash, roles: t.roles.clone() });
        }
        let dev: Vec<[u8; 32]> = crate::settings::DEV_TOKENS.iter().map(|(_, token, _)| digest(token)).collect();
        let uses_dev_tokens = entries.iter().any(|e| dev.contains(&e.hash));
        Ok(Self { entries, uses_dev_tokens })
    }

    /// The principal holding `token`, if any token matches.
    pub fn authenticate(&self, token: &str) -> Option<Principal> {
        let presented = digest(token);
        let mut found: Option<&Entry> = None;
        // Every entry is compared, whatever matched before, in constant time each.
        for e in &self.entries {
            if bool::from(e.hash.ct_eq(&presented)) {
                found = Some(e);
            }
        }
        found.map(|e| Principal { name: e.name.clone(), roles: e.roles.clone() })
    }

    /// Whether one of the well-known development tokens is accepted.
    pub fn uses_dev_tokens(&self) -> bool {
        self.uses_dev_tokens
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Hex SHA-256 of `token`: what `auth.tokens[].sha256` holds.
pub fn hash_token(token: &str) -> String {
    digest(token).iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_hash(hex: &str) -> Option<[u8; 32]> {
    let hex = hex.trim();
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// `mcp-gateway hash-token`: reads a token on stdin (not argv, which shell history and `ps`
/// would keep) and prints its SHA-256 for `auth.tokens[].sha256`.
pub fn hash_token_command() -> std::process::ExitCode {
    let mut token = String::new();
    if std::io::stdin().read_line(&mut token).is_err() {
        eprintln!("mcp-gateway hash-token: cannot read stdin");
        return std::process::ExitCode::FAILURE;
    }
    let token = token.trim_end_matches(['\r', '\n']);
    if token.is_empty() {
        eprintln!("mcp-gateway hash-token reads the token from stdin: `printf %s TOKEN | mcp-gateway hash-token`");
        return std::process::ExitCode::from(64);
    }
    println!("{}", hash_token(token));
    std::process::ExitCode::SUCCESS
}

/// The token of an `Authorization: Bearer <token>` header value.
pub fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{AuthSettings, TokenSettings};

    fn store(tokens: &[(&str, &str, Vec<Role>)]) -> TokenStore {
        let settings = AuthSettings {
            tokens: tokens
                .iter()
                .map(|(n, t, r)| TokenSettings { name: (*n).into(), sha256: hash_token(t), roles: r.clone() })
                .collect(),
            stdio_roles: vec![],
        };
        TokenStore::new(&settings).unwrap()
    }

    #[test]
    fn hashes_are_sha256_hex() {
        // Known vector: SHA-256("abc").
        assert_eq!(hash_token("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(parse_hash(&hash_token("abc")).map(|h| h[0]), Some(0xba));
        assert!(parse_hash("xyz").is_none());
    }

    #[test]
    fn authenticates_by_hash_with_roles() {
        let s = store(&[("alice", "t-alice", vec![Role::RiskManager]), ("bob", "t-bob", vec![Role::Viewer])]);
        let alice = s.authenticate("t-alice").unwrap();
        assert_eq!(alice.name, "alice");
        assert!(alice.may(Access::Ack) && alice.may(Access::Read));
        let bob = s.authenticate("t-bob").unwrap();
        assert!(bob.may(Access::Read) && !bob.may(Access::Ack));
        assert!(s.authenticate("t-carol").is_none());
        assert!(!s.uses_dev_tokens());
    }

    #[test]
    fn bad_settings_name_the_key() {
        let settings = AuthSettings {
            tokens: vec![TokenSettings { name: "x".into(), sha256: "plain-token".into(), roles: vec![] }],
            stdio_roles: vec![],
        };
        let err = TokenStore::new(&settings).err().unwrap();
        assert_eq!(err.key(), "auth.tokens[0].sha256");
        assert!(TokenStore::new(&AuthSettings::default()).unwrap().uses_dev_tokens());
    }

    #[test]
    fn bearer_header_parsing() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer   abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer"), None);
    }
}
