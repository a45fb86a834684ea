//! Standard Webhooks signatures: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, one per
//! active secret, space-separated. Secrets are `whsec_<base64 key>`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("a signing secret must start with `whsec_`")]
    Prefix,
    #[error("the part after `whsec_` is not valid base64")]
    Base64,
    #[error("the decoded key is empty")]
    Empty,
}

pub fn decode_secret(secret: &str) -> Result<Vec<u8>, SecretError> {
    let b64 = secret.strip_prefix("whsec_").ok_or(SecretError::Prefix)?;
    let key = STANDARD.decode(b64).map_err(|_| SecretError::Base64)?;
    if key.is_empty() {
        return Err(SecretError::Empty);
    }
    Ok(key)
}

/// Signing keys, decoded once.
#[derive(Clone)]
pub struct Signer {
    keys: Vec<Vec<u8>>,
}

impl Signer {
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Result<Self, SecretError> {
        let keys = secrets.into_iter().map(decode_secret).collect::<Result<Vec<_>, _>>()?;
        Ok(Self { keys })
    }

    /// The `webhook-signature` header value.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        self.keys
            .iter()
            .map(|key| {
                let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable_key());
                mac.update(id.as_bytes());
                mac.update(b".");
                mac.update(timestamp.to_string().as_bytes());
                mac.update(b".");
                mac.update(body);
                format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[allow(clippy::panic)]
fn unreachable_key() -> Hmac<Sha256> {
    // HMAC accepts keys of any length.
    panic!("HMAC rejected a key")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The test vector of the Standard Webhooks reference libraries.
    #[test]
    fn matches_the_reference_vector() {
        let signer = Signer::new(["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]).unwrap();
        let sig = signer.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, br#"{"test": 2432232314}"#);
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn one_signature_per_secret() {
        let signer = Signer::new(["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_c2Vjb25k"]).unwrap();
        let sig = signer.sign("id", 1, b"{}");
        assert_eq!(sig.split(' ').count(), 2);
        assert!(sig.split(' ').all(|s| s.starts_with("v1,")));
    }

    #[test]
    fn rejects_malformed_secrets() {
        assert_eq!(decode_secret("abc"), Err(SecretError::Prefix));
        assert_eq!(decode_secret("whsec_!!!"), Err(SecretError::Base64));
        assert_eq!(decode_secret("whsec_"), Err(SecretError::Empty));
    }
}
