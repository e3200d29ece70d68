//! Talking to the relay through the host.

pub mod js_value;
pub mod relay;
