import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Request } from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { receiveUploadBody } from './upload-body.js';

/** A request whose body arrives in the given chunks (no parser ran on it). */
function requestOf(chunks: Buffer[], headers: Record<string, string> = {}): Request {
  const stream = Readable.from(chunks, { objectMode: false }) as unknown as Request;
  (stream as unknown as { headers: Record<string, string> }).headers = headers;
  return stream;
}

const bytesOf = (n: number, seed = 7) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) % 251));
const split = (b: Buffer, size: number) => Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('receiveUploadBody', () => {
  it('returns the exact bytes of a body sent in many small chunks, up to and at the limit', async () => {
    const body = bytesOf(50_000);
    const got = await receiveUploadBody(requestOf(split(body, 7)), { maxBytes: 50_000, maxZipBytes: 1_000_000 });
    expect(got.kind).toBe('bytes');
    expect(got.kind === 'bytes' && got.body.equals(body)).toBe(true);
  });

  it('refuses one byte over the limit with 413 body_too_large', async () => {
    const body = bytesOf(50_001);
    await expect(receiveUploadBody(requestOf(split(body, 1000)), { maxBytes: 50_000, maxZipBytes: 1_000_000 })).rejects.toMatchObject({
      status: 413,
      code: 'body_too_large',
    });
  });

  it('joins the chunks a constant number of times, not once per chunk (reading stays linear)', async () => {
    const concat = vi.spyOn(Buffer, 'concat');
    const body = bytesOf(20_000);
    const got = await receiveUploadBody(requestOf(split(body, 10)), { maxBytes: 1_000_000, maxZipBytes: 1_000_000 });
    expect(got.kind === 'bytes' && got.body.equals(body)).toBe(true);
    // 2,000 chunks: one join for the 4-byte zip check, one for the body
    expect(concat.mock.calls.length).toBeLessThanOrEqual(2);
  });

  it('still finds the zip magic when its 4 bytes arrive in separate chunks, and keeps every byte of the archive', async () => {
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), bytesOf(10_000)]);
    const got = await receiveUploadBody(requestOf([zip.subarray(0, 1), zip.subarray(1, 2), zip.subarray(2, 3), ...split(zip.subarray(3), 333)]), {
      maxBytes: 100,
      maxZipBytes: 1_000_000,
    });
    expect(got.kind).toBe('zip');
    if (got.kind !== 'zip') return;
    try {
      expect(got.sizeBytes).toBe(zip.length);
      expect((await readFile(got.path)).equals(zip)).toBe(true);
    } finally {
      await got.cleanup();
    }
  });
});
