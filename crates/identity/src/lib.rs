//! The identity engine of Telegram Sidebar.
//!
//! Deterministic and pure: no IO, no clock, no randomness outside seeded test-data generators.
