/** Worker-thread entry of the FIT fuzzer: runs one case at a time so the main thread can time it out. */
import { parentPort } from 'node:worker_threads';
import { importFitBytes, type FitImportOutcome } from './fit-target.js';

export interface FuzzRequest {
  id: number;
  bytes: Uint8Array;
}
export interface FuzzResponse {
  id: number;
  outcome: FitImportOutcome;
  ms: number;
}

parentPort?.on('message', (msg: FuzzRequest) => {
  const t0 = performance.now();
  const outcome = importFitBytes(msg.bytes);
  parentPort!.postMessage({ id: msg.id, outcome, ms: performance.now() - t0 } satisfies FuzzResponse);
});
