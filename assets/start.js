// Loads the plugin: the wasm-bindgen glue fetches telegram_sidebar_bg.wasm next to it and runs
// the crate's #[wasm_bindgen(start)] function, which picks the host adapter and mounts the app.
import init from "./telegram_sidebar.js";

init().catch((error) => {
  document.body.textContent =
    "Telegram Sidebar could not start: " + error + ". Reload the page; if it persists, reinstall the app.";
});
