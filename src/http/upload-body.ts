import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import type { Request } from 'express';
import { AppError } from '../lib/errors.js';
import { PayloadTooLargeError } from '../services/uploads.js';
import { isZipBytes } from '../services/zip-archive.js';

/** "64mb", "4gb", "512kb", "1000" → bytes. */
export function parseByteSize(v: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(v);
  if (!m) throw new Error(`not a byte size: ${v}`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b'];
  return Math.floor(Number(m[1]) * unit);
}

export type UploadBody = { kind: 'bytes'; body: Buffer } | { kind: 'zip'; path: string; sizeBytes: number; cleanup: () => Promise<void> };

function decoded(req: Request): Readable {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity') return req;
  if (encoding === 'gzip') return req.pipe(createGunzip());
  if (encoding === 'deflate') return req.pipe(createInflate());
  throw new AppError(415, 'unsupported_encoding', `unsupported content encoding "${encoding}"`);
}

/**
 * Read an upload body. A body that starts with the zip magic bytes is streamed to a private temporary
 * file (up to `maxZipBytes`), never held in memory; anything else is buffered up to `maxBytes` as
 * before (a FIT file, raw or gzipped). Over either limit → 413 `body_too_large`.
 */
export async function receiveUploadBody(req: Request, limits: { maxBytes: number; maxZipBytes: number }): Promise<UploadBody> {
  // A body some parser already read (JSON, form) is not a file, and its stream has nothing left to give.
  if ((req as { _body?: boolean })._body || req.readableEnded) {
    throw new AppError(
      415,
      'unsupported_media_type',
      'send the FIT file or zip archive as raw bytes (Content-Type: application/octet-stream), not as JSON or a form',
    );
  }
  const stream = decoded(req);
  const chunks: Buffer[] = [];
  let size = 0;
  let sniffed = false;
  let zip: { path: string; dir: string; out: ReturnType<typeof createWriteStream> } | null = null;
  let failure: Error | null = null;
  let setup: Promise<void> = Promise.resolve();
  try {
    await new Promise<void>((resolve, reject) => {
      // Over a limit: answer at once and let the rest of the body drain unread (the client still gets
      // the 413 instead of a reset connection).
      const refuse = (err: Error) => {
        failure = err;
        stream.removeAllListeners('data');
        stream.on('data', () => undefined);
        stream.resume();
        resolve();
      };
      stream.on('error', (err) => reject(err));
      stream.on('end', () => void setup.then(resolve, reject));
      stream.on('data', (raw: Buffer) => {
        size += raw.length;
        if (zip) {
          if (size > limits.maxZipBytes)
            return refuse(new PayloadTooLargeError(`zip archive exceeds the limit of ${limits.maxZipBytes} bytes (UPLOAD_ZIP_LIMIT)`));
          if (!zip.out.write(raw)) {
            stream.pause();
            zip.out.once('drain', () => stream.resume());
          }
          return;
        }
        chunks.push(raw);
        // The zip check looks at the first 4 bytes once, as soon as they are in (at most 4 chunks are
        // joined for it); the chunks are joined once more at the end, so reading stays linear in size.
        const sniff = !sniffed && size >= 4;
        if (sniff) sniffed = true;
        if (sniff && isZipBytes(Buffer.concat(chunks.slice(0, 4)).subarray(0, 4))) {
          stream.pause();
          setup = mkdtemp(join(tmpdir(), 'stridesync-upload-')).then((dir) => {
            const path = join(dir, 'archive.zip');
            zip = { path, dir, out: createWriteStream(path, { mode: 0o600 }) };
            for (const c of chunks.splice(0)) zip.out.write(c);
            stream.resume();
          });
          setup.catch(reject);
          return;
        }
        if (size > limits.maxBytes) refuse(new PayloadTooLargeError(`request body exceeds the limit of ${limits.maxBytes} bytes`));
      });
    });
  } catch (err) {
    failure = err instanceof AppError ? err : new AppError(400, 'request_aborted', `upload body could not be read: ${(err as Error).message}`);
  }
  const z = zip as { path: string; dir: string; out: ReturnType<typeof createWriteStream> } | null;
  if (failure) {
    if (z) {
      z.out.destroy();
      await rm(z.dir, { recursive: true, force: true });
    }
    throw failure;
  }
  if (!z) return { kind: 'bytes', body: Buffer.concat(chunks, size) };
  await new Promise<void>((resolve, reject) => z.out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return { kind: 'zip', path: z.path, sizeBytes: size, cleanup: () => rm(z.dir, { recursive: true, force: true }) };
}
