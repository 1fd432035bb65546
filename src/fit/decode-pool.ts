import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { decodeFit } from './decode.js';
import type { DecodeRequest, DecodeResponse } from './decode-thread.js';
import type { FitDecodeResult } from './types.js';

export interface FitDecoder {
  decode(bytes: Uint8Array): Promise<FitDecodeResult>;
  close(): Promise<void>;
}

/** Decode on the calling thread (CLI one-offs, tests that do not care about parallelism). */
export const inlineFitDecoder: FitDecoder = {
  decode: async (bytes) => decodeFit(bytes),
  close: async () => undefined,
};

interface Slot {
  worker: Worker;
  busy: boolean;
}

/**
 * Each decoder thread's V8 heap. A small young generation (default: 16–64 MB of semi-spaces per
 * thread) keeps a bulk import's resident memory down for a few per cent of decode speed: the SDK's
 * garbage is short-lived, one file's messages at a time (`npm run bench -- import` prints the peak).
 * The old-generation cap bounds what one pathological file may take: past 1 GB the thread dies with
 * ERR_WORKER_OUT_OF_MEMORY, is replaced, and that file fails with `fit_decode_error`, instead of the
 * thread growing towards the process's own heap limit beside the API and the other jobs.
 */
export const DECODER_HEAP = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 1024 } as const;

/**
 * A small pool of worker threads for FIT decoding. Decoding is CPU-bound (the SDK reads ~25 µs per
 * record); on the event loop it would serialise a worker's concurrency and stall HTTP and BullMQ lock
 * renewals in a ROLE=all process. `threads` ≈ compute concurrency. A thread that dies is replaced and
 * its request fails with `fit_decode_error` rather than hanging.
 */
export function createFitDecoderPool(threads: number, heap: { maxYoungGenerationSizeMb?: number; maxOldGenerationSizeMb?: number } = DECODER_HEAP): FitDecoder {
  if (threads <= 0) return inlineFitDecoder;
  const here = fileURLToPath(import.meta.url);
  const isTs = here.endsWith('.ts');
  const entry = new URL(isTs ? './decode-thread.ts' : './decode-thread.js', import.meta.url);
  // From sources (tsx, vitest) the thread first registers tsx's loader in itself; built code runs as is.
  const bootstrap = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  const waiting: Array<{ req: DecodeRequest; resolve: (r: FitDecodeResult) => void }> = [];
  const inFlight = new Map<number, { slot: Slot; resolve: (r: FitDecodeResult) => void }>();
  let nextId = 1;
  let closed = false;

  const spawn = (): Slot => {
    const slot: Slot = {
      worker: isTs ? new Worker(bootstrap, { eval: true, resourceLimits: heap }) : new Worker(entry, { resourceLimits: heap }),
      busy: false,
    };
    slot.worker.unref();
    slot.worker.on('message', (msg: DecodeResponse) => {
      const job = inFlight.get(msg.id);
      inFlight.delete(msg.id);
      slot.busy = false;
      job?.resolve(msg.result);
      pump();
    });
    slot.worker.on('error', (err) => fail(slot, err.message));
    slot.worker.on('exit', (code) => {
      if (!closed && code !== 0) fail(slot, `decoder thread exited with code ${code}`);
    });
    return slot;
  };

  const slots: Slot[] = Array.from({ length: threads }, spawn);

  function fail(slot: Slot, reason: string): void {
    for (const [id, job] of inFlight) {
      if (job.slot !== slot) continue;
      inFlight.delete(id);
      job.resolve({ ok: false, code: 'fit_decode_error', message: `the FIT decoder failed: ${reason}` });
    }
    const i = slots.indexOf(slot);
    if (i >= 0 && !closed) {
      void slot.worker.terminate();
      slots[i] = spawn();
      pump();
    }
  }

  function pump(): void {
    for (const slot of slots) {
      if (slot.busy || waiting.length === 0) continue;
      const next = waiting.shift()!;
      slot.busy = true;
      inFlight.set(next.req.id, { slot, resolve: next.resolve });
      slot.worker.ref();
      slot.worker.postMessage(next.req);
    }
    for (const slot of slots) if (!slot.busy) slot.worker.unref();
  }

  return {
    decode(bytes) {
      if (closed) return Promise.reject(new Error('FIT decoder pool is closed'));
      return new Promise((resolve) => {
        waiting.push({ req: { id: nextId++, bytes }, resolve });
        pump();
      });
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}

/** A pool that starts its threads on the first decode, so processes that never decode pay nothing. */
export function lazyFitDecoderPool(threads: number): FitDecoder {
  let pool: FitDecoder | null = null;
  return {
    decode: (bytes) => (pool ??= createFitDecoderPool(threads)).decode(bytes),
    close: async () => {
      await pool?.close();
      pool = null;
    },
  };
}
