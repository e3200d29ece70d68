// Times the matching workload of examples/wasm_bench.rs compiled to wasm32-unknown-unknown.
// Usage: node benches/wasm_bench.mjs PATH.wasm SIZE RUNS RANK_COUNT (SIZE as for testdata::generate)
// Prints one JSON line: {"assign_ms": [one per run], "rank_ms": [one per contact],
// "rank_batch_ms": [per contact, one per batch of 100],
// "proposals": N, "contacts": N}.
import { readFileSync } from "node:fs";

const [path, size, runs, rankCount] = process.argv.slice(2);
const { instance } = await WebAssembly.instantiate(readFileSync(path), {});
const wasm = instance.exports;
const contacts = wasm.prepare(Number(size), 20261122);
const time = (f) => {
  const start = process.hrtime.bigint();
  const result = f();
  return [Number(process.hrtime.bigint() - start) / 1e6, result];
};
const assignMs = [];
let proposals = 0;
for (let i = 0; i < Number(runs); i++) {
  const [ms, n] = time(() => wasm.assign());
  assignMs.push(ms);
  proposals = n;
}
// Ranking: each contact alone (median per call), and batches of 100 (mean per contact, no timer
// overhead, slow contacts included).
const rankMs = [];
for (let i = 0; i < Number(rankCount); i++) {
  const [ms] = time(() => wasm.rank_many(i, 1));
  rankMs.push(ms);
}
const rankBatchMs = [];
for (let start = 0; start < Number(rankCount); start += 100) {
  const [ms] = time(() => wasm.rank_many(start, 100));
  rankBatchMs.push(ms / 100);
}
console.log(JSON.stringify({ assign_ms: assignMs, rank_ms: rankMs, rank_batch_ms: rankBatchMs, proposals, contacts }));
