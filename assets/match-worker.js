// The bulk page's matching worker: loads the same wasm bundle as the page (the browser has it
// cached) and hands every message to the crate's `worker_message` (crates/bulk/src/matcher.rs),
// which answers with postMessage. The page terminates this worker to cancel. A failure (the
// bundle does not load, a trap such as running out of memory) is posted as a `failed` message:
// an async handler's rejection would not reach the page's `onerror`, leaving it waiting.
import init, { worker_message } from "./telegram_bulk.js";

const ready = init();

self.onmessage = async (event) => {
  try {
    await ready;
    worker_message(event.data);
  } catch (error) {
    self.postMessage({ kind: "failed", message: String(error?.message ?? error) });
  }
};
