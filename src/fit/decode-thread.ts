/**
 * Worker-thread entry: decodes FIT bytes off the main event loop. Results travel back with their
 * sample buffers transferred (zero-copy), so nothing is held twice across the boundary.
 */
import { parentPort } from 'node:worker_threads';
import { decodeFit } from './decode.js';
import type { FitDecodeResult } from './types.js';

export interface DecodeRequest {
  id: number;
  bytes: Uint8Array;
  maxBytes?: number;
}

export interface DecodeResponse {
  id: number;
  result: FitDecodeResult;
}

/** Every distinct ArrayBuffer behind the result's sample columns, for the transfer list. */
export function transferablesOf(result: FitDecodeResult): ArrayBuffer[] {
  if (!result.ok) return [];
  const buffers = new Set<ArrayBuffer>();
  for (const run of result.runs) {
    if (!run.samples) continue;
    for (const v of Object.values(run.samples)) {
      if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer) buffers.add(v.buffer);
    }
  }
  return [...buffers];
}

parentPort?.on('message', (msg: DecodeRequest) => {
  let result: FitDecodeResult;
  try {
    result = decodeFit(msg.bytes, msg.maxBytes === undefined ? {} : { maxBytes: msg.maxBytes });
  } catch (err) {
    result = { ok: false, code: 'fit_decode_error', message: `the FIT decoder failed: ${(err as Error).message}` };
  }
  parentPort!.postMessage({ id: msg.id, result } satisfies DecodeResponse, transferablesOf(result));
});
