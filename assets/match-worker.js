// The bulk page's matching worker: loads the same wasm bundle as the page (the browser has it
// cached) and hands every message to the crate's `worker_message` (crates/bulk/src/matcher.rs),
// which answers with postMessage. The page terminates this worker to cancel.
import init, { worker_message } from "./telegram_bulk.js";

const ready = init();

self.onmessage = async (event) => {
  await ready;
  worker_message(event.data);
};
