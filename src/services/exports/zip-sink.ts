import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { finished } from 'node:stream/promises';
import yazl from 'yazl';

/** One file of an export as its manifest lists it. */
export interface ManifestFile {
  name: string;
  /** what the file is: fit, activities, diary, weeks, warnings, cadence-goals, cadence-report, settings */
  kind: string;
  description: string;
  /** records in it (JSON array items or CSV data lines); null for a FIT file */
  rows: number | null;
  bytes: number;
  sha256: string;
}

export type EntryWrite = (chunk: Buffer | string) => Promise<void>;

/**
 * A zip written to disk entry by entry, never held in memory: each entry is a stream fed by its producer
 * with back-pressure (a write waits while the zip's output to disk is behind), and the next entry starts
 * only once yazl has consumed the previous one. Each entry's size and SHA-256 are taken as it is written.
 */
export class ZipSink {
  readonly files: ManifestFile[] = [];
  private readonly zip = new yazl.ZipFile();
  private readonly out: WriteStream;
  private failure: Error | null = null;
  private readonly failed: Promise<never>;
  private current: PassThrough | null = null;

  constructor(
    path: string,
    private readonly mtime: Date,
  ) {
    this.out = createWriteStream(path, { mode: 0o600 });
    this.failed = new Promise<never>((_, reject) => {
      const fail = (err: Error) => {
        this.failure ??= err;
        this.current?.destroy(err);
        reject(err);
      };
      this.out.on('error', fail);
      this.zip.outputStream.on('error', fail);
    });
    this.failed.catch(() => undefined);
    this.zip.outputStream.pipe(this.out);
  }

  /** Add one entry: `produce` writes its content and returns its row count (null for none). */
  async entry(
    name: string,
    meta: { kind: string; description: string; compressionLevel?: number },
    produce: (write: EntryWrite) => Promise<number | null>,
  ): Promise<ManifestFile> {
    if (this.failure) throw this.failure;
    const pt = new PassThrough({ highWaterMark: 256 * 1024 });
    this.current = pt;
    this.zip.addReadStream(pt, name, { mtime: this.mtime, mode: 0o100644, compressionLevel: meta.compressionLevel ?? 6 });
    const hash = createHash('sha256');
    let bytes = 0;
    const write: EntryWrite = async (chunk) => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      hash.update(b);
      bytes += b.length;
      if (!pt.write(b)) await Promise.race([once(pt, 'drain'), this.failed]);
    };
    const rows = await produce(write);
    pt.end();
    await Promise.race([finished(pt), this.failed]);
    this.current = null;
    const file: ManifestFile = { name, kind: meta.kind, description: meta.description, rows, bytes, sha256: hash.digest('hex') };
    this.files.push(file);
    return file;
  }

  /** Add a small entry whose whole content is at hand (the manifest). */
  async buffer(name: string, content: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    this.zip.addBuffer(content, name, { mtime: this.mtime, mode: 0o100644 });
  }

  /** Finish the zip and wait until it is on disk; returns its size. */
  async close(): Promise<number> {
    this.zip.end();
    await Promise.race([finished(this.out), this.failed]);
    return this.out.bytesWritten;
  }

  /** Stop writing (after an error); the partial file stays for the caller to remove. */
  abort(): void {
    this.current?.destroy();
    this.zip.outputStream.unpipe(this.out);
    this.out.destroy();
  }
}
