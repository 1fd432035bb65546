import { open as openFile } from 'node:fs/promises';
import yauzl from 'yauzl';
import { MAX_FIT_BYTES } from './uploads.js';

/**
 * Streaming reader of bulk-history archives (a Garmin "export your data" zip of FIT files, a Strava bulk
 * export with `.fit.gz`, `.gpx` and `.tcx`). yauzl reads the central directory and then one entry at a
 * time from disk, so memory holds at most one entry whatever the archive's size. Entry names are checked
 * here (never used as paths on disk), sizes are capped, and every problem is reported per entry;
 * only an archive whose directory cannot be read at all fails as a whole.
 */

export const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04] as const;
/** An empty archive starts with the end-of-central-directory record instead. */
const ZIP_EMPTY_MAGIC = [0x50, 0x4b, 0x05, 0x06] as const;

export function isZipBytes(head: Uint8Array): boolean {
  const starts = (m: readonly number[]) => head.length >= 4 && m.every((b, i) => head[i] === b);
  return starts(ZIP_MAGIC) || starts(ZIP_EMPTY_MAGIC);
}

/** True when the file at `path` starts with the zip magic bytes (whatever its name). */
export async function isZipFile(path: string): Promise<boolean> {
  const fh = await openFile(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    return isZipBytes(head.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

export type EntryVerdict =
  | { kind: 'directory' }
  | { kind: 'fit' }
  | { kind: 'skipped'; reason: string }
  | { kind: 'failed'; code: 'zip_unsafe_path' | 'zip_entry_too_large'; message: string };

/**
 * What to do with one archive entry, from its name and declared sizes (pure). FIT and `.fit.gz` entries
 * are imported; GPX/TCX, nested archives and anything else are skipped with a reason; absolute paths,
 * `..` segments, drive letters and NUL bytes, and entries declaring more than the FIT size cap (or
 * compressed `.fit.gz` entries above it) are failures.
 */
export function classifyZipEntry(name: string, sizes: { uncompressed: number; compressed: number }, maxBytes = MAX_FIT_BYTES): EntryVerdict {
  const unsafe = name.includes('\u0000') ? 'file name contains a NUL byte' : yauzl.validateFileName(name);
  if (unsafe) return { kind: 'failed', code: 'zip_unsafe_path', message: `unsafe entry name: ${unsafe}` };
  if (name.endsWith('/')) return { kind: 'directory' };
  const lower = name.toLowerCase();
  const base = lower.slice(lower.lastIndexOf('/') + 1);
  if (lower.startsWith('__macosx/') || base.startsWith('._')) return { kind: 'skipped', reason: 'operating-system metadata, not an activity' };
  if (/\.(gpx|tcx)(\.gz)?$/.test(base))
    return {
      kind: 'skipped',
      reason: `${/\.gpx/.test(base) ? 'GPX' : 'TCX'} is not imported: only FIT files are (re-export the activity as FIT, or upload the original FIT file)`,
    };
  if (/\.(zip|7z|rar|tar|tgz)$/.test(base)) return { kind: 'skipped', reason: 'nested archives are not opened' };
  if (!/\.fit(\.gz)?$/.test(base)) return { kind: 'skipped', reason: 'not a FIT file' };
  if (sizes.uncompressed > maxBytes)
    return { kind: 'failed', code: 'zip_entry_too_large', message: `entry inflates to ${sizes.uncompressed} bytes, over the ${maxBytes}-byte limit` };
  return { kind: 'fit' };
}

export type ArchiveEntry =
  | { name: string; kind: 'fit'; bytes: Buffer }
  | { name: string; kind: 'skipped'; reason: string }
  | { name: string; kind: 'failed'; code: string; message: string };

export class ZipUnreadableError extends Error {
  readonly code = 'zip_unreadable';
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    // decodeStrings off: names are decoded and validated per entry below, so one bad name fails that
    // entry instead of aborting the whole archive.
    yauzl.open(path, { lazyEntries: true, autoClose: true, decodeStrings: false, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) reject(new ZipUnreadableError(`not a readable zip archive: ${err?.message ?? 'unknown error'}`));
      else resolve(zip);
    });
  });
}

function readEntryBytes(zip: yauzl.ZipFile, entry: yauzl.Entry, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) return reject(err ?? new Error('no stream'));
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          stream.destroy(new Error(`entry inflates past the ${maxBytes}-byte limit`));
          return;
        }
        chunks.push(chunk);
      });
      stream.on('error', reject);
      stream.on('end', () => resolve(Buffer.concat(chunks, size)));
    });
  });
}

/** Number of records in the archive's directory (directories included), for progress display. */
export async function zipEntryCount(path: string): Promise<number> {
  const zip = await openZip(path);
  const n = zip.entryCount;
  zip.close();
  return n;
}

/**
 * The entries of the zip at `path`, one at a time (directories left out). A FIT entry carries its bytes
 * (still gzipped for `.fit.gz`; the upload path inflates them under the same cap). Throws
 * ZipUnreadableError only when the archive cannot be opened; a directory record that breaks mid-way
 * ends the listing with one failed pseudo-entry.
 */
export async function* readZipEntries(path: string, opts: { maxEntryBytes?: number } = {}): AsyncGenerator<ArchiveEntry> {
  const maxBytes = opts.maxEntryBytes ?? MAX_FIT_BYTES;
  const zip = await openZip(path);
  let failure: Error | null = null;
  let ended = false;
  let waiting: ((e: yauzl.Entry | null) => void) | null = null;
  zip.on('entry', (e: yauzl.Entry) => waiting?.(e));
  zip.on('end', () => {
    ended = true;
    waiting?.(null);
  });
  zip.on('error', (err: Error) => {
    failure = err;
    waiting?.(null);
  });
  const next = () =>
    new Promise<yauzl.Entry | null>((resolve) => {
      if (ended || failure) return resolve(null);
      waiting = resolve;
      zip.readEntry();
    });
  try {
    for (;;) {
      const entry = await next();
      if (!entry) break;
      const raw = entry.fileName as unknown as Buffer;
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, raw, entry.extraFields, false);
      const verdict = classifyZipEntry(name, { uncompressed: entry.uncompressedSize, compressed: entry.compressedSize }, maxBytes);
      if (verdict.kind === 'directory') continue;
      if (verdict.kind !== 'fit') {
        yield { name, ...verdict };
        continue;
      }
      let bytes: Buffer;
      try {
        bytes = await readEntryBytes(zip, entry, maxBytes);
      } catch (err) {
        const message = (err as Error).message;
        yield { name, kind: 'failed', code: /limit|too many bytes/.test(message) ? 'zip_entry_too_large' : 'zip_entry_unreadable', message };
        continue;
      }
      yield { name, kind: 'fit', bytes };
    }
    if (failure) yield { name: '(archive directory)', kind: 'failed', code: 'zip_unreadable', message: (failure as Error).message };
  } finally {
    zip.close();
  }
}

/** What `stridesync import` needs of a stridesync export's manifest (src/services/exports/build.ts). */
export interface ExportManifest {
  format: 'stridesync-export';
  formatVersion: number;
  runnerId: string;
  createdAt: string;
  files: Array<{ name: string; kind: string; sha256: string; bytes: number }>;
}

const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

/**
 * The manifest of a stridesync data export (its `manifest.json` entry), or null when the archive is
 * not one (no such entry, or not that format). Reads only that entry.
 */
export async function readExportManifest(path: string): Promise<ExportManifest | null> {
  const zip = await openZip(path);
  try {
    for (;;) {
      const entry = await new Promise<yauzl.Entry | null>((resolve, reject) => {
        zip.once('entry', resolve);
        zip.once('end', () => resolve(null));
        zip.once('error', reject);
        zip.readEntry();
      }).finally(() => zip.removeAllListeners('entry').removeAllListeners('end').removeAllListeners('error'));
      if (!entry) return null;
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileName as unknown as Buffer, entry.extraFields, false);
      if (name !== 'manifest.json') continue;
      if (entry.uncompressedSize > MAX_MANIFEST_BYTES) return null;
      const parsed = JSON.parse((await readEntryBytes(zip, entry, MAX_MANIFEST_BYTES)).toString('utf8')) as Partial<ExportManifest>;
      return parsed.format === 'stridesync-export' && Array.isArray(parsed.files) ? (parsed as ExportManifest) : null;
    }
  } catch {
    return null;
  } finally {
    zip.close();
  }
}
