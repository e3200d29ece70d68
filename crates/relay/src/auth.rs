//! Secrets: install tokens and webhook secret tokens.
//!
//! Both are stored only as SHA-256 hashes. Install tokens are 32 random bytes from the operating
//! system, hex-encoded. Webhook secrets are compared as hashes, in constant time.

use sha2::{Digest, Sha256};

/// A new install token: `tgr_` and 64 hex digits.
pub fn new_token() -> String {
    format!("tgr_{}", hex(&random_bytes::<32>()))
}

/// A new webhook ID: 24 hex digits, unguessable enough to keep the path out of scanners' reach
/// (the secret token is what authenticates Telegram).
pub fn new_webhook_id() -> String {
    hex(&random_bytes::<12>())
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0; N];
    getrandom::fill(&mut bytes).expect("the operating system's random source works");
    bytes
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a secret.
pub fn hash(secret: &[u8]) -> [u8; 32] {
    Sha256::digest(secret).into()
}

/// Equality whose time does not depend on where the inputs differ.
pub fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// Checks a webhook secret as Telegram allows it: 1–256 characters `A-Z`, `a-z`, `0-9`, `_`, `-`.
pub fn check_webhook_secret(secret: &str) -> Result<(), String> {
    if secret.is_empty() || secret.len() > 256 {
        return Err(format!(
            "the secret is {} characters long; Telegram accepts 1 to 256",
            secret.len()
        ));
    }
    if let Some(c) = secret
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(format!(
            "the secret contains {c:?}; Telegram accepts only A-Z, a-z, 0-9, _ and -"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashes_compare() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 4 + 64);
        assert!(constant_time_eq(&hash(a.as_bytes()), &hash(a.as_bytes())));
        assert!(!constant_time_eq(&hash(a.as_bytes()), &hash(b.as_bytes())));
    }

    #[test]
    fn webhook_secret_rules() {
        assert!(check_webhook_secret("abc_DEF-123").is_ok());
        assert!(check_webhook_secret("").unwrap_err().contains("1 to 256"));
        assert!(
            check_webhook_secret("has space")
                .unwrap_err()
                .contains("' '")
        );
        assert!(check_webhook_secret(&"a".repeat(257)).is_err());
    }
}
