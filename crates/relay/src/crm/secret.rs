//! The operator's key and the credentials it seals.
//!
//! CRM tokens are stored sealed with ChaCha20-Poly1305 (ring) under a 32-byte key the operator
//! keeps outside the database: a file named by `--key-file` (or `TELEGRAM_RELAY_KEY_FILE`)
//! holding the key as 64 hexadecimal characters, or the same 64 characters in
//! `TELEGRAM_RELAY_KEY`. `telegram-relay key generate > relay.key` makes one (so does
//! `openssl rand -hex 32`). A copy of the database without the key reveals no token; losing the
//! key means running `crm connect` again.
//!
//! Each sealed value is a fresh random 96-bit nonce followed by the ciphertext and its tag; the
//! tenant's ID is the associated data, so a sealed token copied onto another tenant's row does
//! not open.

use std::fmt;
use std::path::Path;

use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

use crate::store::TenantId;

/// The environment variable holding the key itself.
pub const KEY_VAR: &str = "TELEGRAM_RELAY_KEY";

/// A text that must never be printed: its `Debug` and `Display` show `(secret)`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `text`.
    pub fn new(text: String) -> Secret {
        Secret(text)
    }

    /// The text, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(secret)")
    }
}

/// The operator's key.
pub struct Key(LessSafeKey);

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key(…)")
    }
}

/// A new random key as 64 hexadecimal characters.
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the operating system provides randomness");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// How to make and pass a key, for error messages.
pub const HOW: &str = "make one with `telegram-relay key generate > relay.key` and pass --key-file \
                   relay.key (or put its 64 characters in TELEGRAM_RELAY_KEY)";

impl Key {
    /// A key from its 64 hexadecimal characters; `source` names where they came from.
    pub fn from_hex(text: &str, source: &str) -> Result<Key, String> {
        let text = text.trim();
        let bytes: Option<Vec<u8>> = (text.len() == 64)
            .then(|| {
                (0..32)
                    .map(|i| u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok())
                    .collect()
            })
            .flatten();
        let Some(bytes) = bytes else {
            return Err(format!(
                "{source} does not hold a key: it must be 64 hexadecimal characters; {HOW}"
            ));
        };
        let key = UnboundKey::new(&CHACHA20_POLY1305, &bytes).expect("32 bytes is the key size");
        Ok(Key(LessSafeKey::new(key)))
    }

    /// The key from `file` if given, else from `TELEGRAM_RELAY_KEY`; `None` when neither is set.
    pub fn load(file: Option<&Path>) -> Result<Option<Key>, String> {
        if let Some(file) = file {
            let text = std::fs::read_to_string(file)
                .map_err(|e| format!("cannot read the key file {}: {e}; {HOW}", file.display()))?;
            return Key::from_hex(&text, &format!("the key file {}", file.display())).map(Some);
        }
        match std::env::var(KEY_VAR) {
            Ok(text) => Key::from_hex(&text, KEY_VAR).map(Some),
            Err(_) => Ok(None),
        }
    }

    /// Like [`Key::load`], but a missing key is an error saying why one is needed.
    pub fn require(file: Option<&Path>, why: &str) -> Result<Key, String> {
        Key::load(file)?.ok_or_else(|| format!("{why} needs the relay's key; {HOW}"))
    }

    /// Seals `secret` for tenant `tenant`.
    pub fn seal(&self, tenant: TenantId, secret: &Secret) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .expect("the operating system provides randomness");
        let mut sealed = secret.expose().as_bytes().to_vec();
        self.0
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(tenant.0.to_be_bytes()),
                &mut sealed,
            )
            .expect("a token is far below ChaCha20-Poly1305's length limit");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        out
    }

    /// Opens what [`Key::seal`] sealed for `tenant`; an error when this key did not seal it.
    pub fn open(&self, tenant: TenantId, sealed: &[u8]) -> Result<Secret, String> {
        let wrong = || {
            "the relay's key does not open the stored CRM credentials (they were sealed with \
             another key): pass the key they were stored with, or run `telegram-relay crm \
             connect` again"
                .to_owned()
        };
        if sealed.len() < NONCE_LEN {
            return Err(wrong());
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| wrong())?;
        let mut buffer = ciphertext.to_vec();
        let plain = self
            .0
            .open_in_place(nonce, Aad::from(tenant.0.to_be_bytes()), &mut buffer)
            .map_err(|_| wrong())?;
        String::from_utf8(plain.to_vec())
            .map(Secret)
            .map_err(|_| wrong())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_token_opens_only_with_its_key_and_tenant() {
        let key = Key::from_hex(&generate(), "test").unwrap();
        let other = Key::from_hex(&generate(), "test").unwrap();
        let token = Secret::new("abc123-zendesk-token".into());
        let sealed = key.seal(TenantId(7), &token);
        assert!(
            !sealed.windows(6).any(|w| w == b"abc123"),
            "the token is not in the clear"
        );
        assert_eq!(key.open(TenantId(7), &sealed).unwrap(), token);
        assert_ne!(
            key.seal(TenantId(7), &token),
            sealed,
            "every seal takes a fresh nonce"
        );
        assert!(
            key.open(TenantId(8), &sealed)
                .unwrap_err()
                .contains("another key")
        );
        assert!(other.open(TenantId(7), &sealed).is_err());
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(key.open(TenantId(7), &tampered).is_err());
        assert!(key.open(TenantId(7), &sealed[..5]).is_err());
    }

    #[test]
    fn a_key_is_64_hex_characters_and_the_error_says_how_to_make_one() {
        assert!(Key::from_hex(&format!("  {}\n", generate()), "f").is_ok());
        for bad in ["", "abc", &"g".repeat(64), &"a".repeat(63), &"é".repeat(32)] {
            let e = Key::from_hex(bad, "the key file k").unwrap_err();
            assert!(
                e.contains("the key file k") && e.contains("key generate"),
                "{e}"
            );
        }
        assert_eq!(format!("{:?}", Secret::new("tok".into())), "(secret)");
    }
}
