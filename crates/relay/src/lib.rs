//! The Telegram relay: ingest, storage and the plugin API.
