//! Telegram Sidebar: the CRM sidebar plugin (Yew, WebAssembly).
