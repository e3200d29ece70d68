// Loads the bulk linking page (the nav bar): its own wasm bundle, so the sidebar never downloads
// it. The glue fetches telegram_bulk_bg.wasm next to it and runs the crate's start function.
import init from "./telegram_bulk.js";

init().catch((error) => {
  document.body.textContent =
    "Telegram bulk linking could not start: " + error + ". Reload the page; if it persists, reinstall the app.";
});
