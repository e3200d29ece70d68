//! Talking to the relay through the host.

pub mod relay;
