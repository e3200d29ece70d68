//! Types of the relay's HTTP API (`/v1`), shared by the relay and the plugin.
