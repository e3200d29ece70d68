//! TLS for the relay's outgoing HTTPS (the CRM's API).
//!
//! rustls on ring, with the operating system's certificate store (reqwest's platform verifier).
//! reqwest is built without a crypto provider of its own, so every client is made here, after
//! ring is installed as the process's provider; a client built another way would panic.

use std::sync::Once;

/// Installs ring as the process's rustls provider (once; harmless if another is installed).
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // An error means a provider is already installed, which serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A client builder that can speak HTTPS.
pub fn client() -> reqwest::ClientBuilder {
    install();
    reqwest::Client::builder()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_client_builds_with_ring_installed() {
        super::client().build().expect("an HTTPS client builds");
        let provider = rustls::crypto::CryptoProvider::get_default().expect("a provider");
        assert!(!provider.cipher_suites.is_empty());
    }
}
