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

/**
 * Caps on one archive (ZIP_MAX_ENTRIES, ZIP_MAX_UNCOMPRESSED_BYTES, ZIP_MAX_RATIO; docs/ingestion.md):
 * records in its directory, bytes its FIT entries inflate to in total, and how many times its
 * compressed size one entry may inflate to (entries inflating to at most RATIO_FLOOR_BYTES excepted).
 */
export interface ZipLimits {
  maxEntries: number;
  maxUncompressedBytes: number;
  maxRatio: number;
}

/** Sized for a five-year history of FIT files (about 2,000 runs a year, each well under 1 MB). */
export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxEntries: 20_000, maxUncompressedBytes: 4 * 1024 ** 3, maxRatio: 100 };

/** Entries inflating to at most this many bytes are never refused for their ratio (a tiny file of zeros harms nobody). */
export const RATIO_FLOOR_BYTES = 64 * 1024;

/** An archive over one of its caps: refused as a whole (`code` names the cap). */
export class ZipLimitError extends Error {
  constructor(
    readonly code: 'zip_too_many_entries' | 'zip_too_large_uncompressed',
    message: string,
  ) {
    super(message);
  }
}

function overRatio(uncompressed: number, compressed: number, maxRatio: number): boolean {
  return uncompressed > RATIO_FLOOR_BYTES && uncompressed > maxRatio * Math.max(compressed, 1);
}

export type EntryVerdict =
  | { kind: 'directory' }
  | { kind: 'fit' }
  | { kind: 'skipped'; reason: string }
  | { kind: 'failed'; code: 'zip_unsafe_path' | 'zip_entry_too_large' | 'zip_entry_ratio'; message: string };

/**
 * What to do with one archive entry, from its name and declared sizes (pure). FIT and `.fit.gz` entries
 * are imported; GPX/TCX, nested archives and anything else are skipped with a reason; absolute paths,
 * `..` segments, drive letters and NUL bytes, and entries declaring more than the FIT size cap (or
 * compressed `.fit.gz` entries above it) are failures.
 */
export function classifyZipEntry(
  name: string,
  sizes: { uncompressed: number; compressed: number },
  maxBytes = MAX_FIT_BYTES,
  maxRatio = DEFAULT_ZIP_LIMITS.maxRatio,
): EntryVerdict {
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
  if (overRatio(sizes.uncompressed, sizes.compressed, maxRatio))
    return {
      kind: 'failed',
      code: 'zip_entry_ratio',
      message: `entry declares ${sizes.uncompressed} bytes from ${sizes.compressed} compressed, over the compression ratio limit of ${maxRatio} (ZIP_MAX_RATIO)`,
    };
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

/** An entry stopped while inflating: `code` says which cap its actual bytes crossed. */
class EntryCapError extends Error {
  constructor(
    readonly code: 'zip_entry_too_large' | 'zip_entry_ratio' | 'zip_too_large_uncompressed',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The inflated bytes of one entry, counted as they stream (not only the header's claims): past the
 * entry cap, past the ratio to its compressed size, or past what is left of the archive's total, the
 * stream is destroyed and the entry fails with that cap's code.
 */
function readEntryBytes(zip: yauzl.ZipFile, entry: yauzl.Entry, caps: { maxBytes: number; maxRatio: number; leftOfTotal: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) return reject(err ?? new Error('no stream'));
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        const over =
          size > caps.maxBytes
            ? new EntryCapError('zip_entry_too_large', `entry inflates past the ${caps.maxBytes}-byte limit`)
            : overRatio(size, entry.compressedSize, caps.maxRatio)
              ? new EntryCapError(
                  'zip_entry_ratio',
                  `entry inflates past ${caps.maxRatio} times its compressed size of ${entry.compressedSize} bytes (ZIP_MAX_RATIO)`,
                )
              : size > caps.leftOfTotal
                ? new EntryCapError('zip_too_large_uncompressed', 'the archive inflates past its total limit (ZIP_MAX_UNCOMPRESSED_BYTES)')
                : null;
        if (over) {
          stream.destroy(over);
          return;
        }
        chunks.push(chunk);
      });
      stream.on('error', reject);
      stream.on('end', () => resolve(Buffer.concat(chunks, size)));
    });
  });
}

/**
 * The archive-wide caps, from its directory alone (nothing is inflated): more records than
 * `maxEntries`, or FIT entries declaring more than `maxUncompressedBytes` in total, is ZipLimitError.
 * The declared sizes are checked again against the bytes that actually come out while reading.
 */
async function checkArchiveCaps(path: string, maxEntryBytes: number, limits: ZipLimits): Promise<void> {
  const zip = await openZip(path);
  try {
    if (zip.entryCount > limits.maxEntries)
      throw new ZipLimitError('zip_too_many_entries', `the archive holds ${zip.entryCount} entries, over the limit of ${limits.maxEntries} (ZIP_MAX_ENTRIES)`);
    let declared = 0;
    for await (const entry of directoryOf(zip)) {
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileName as unknown as Buffer, entry.extraFields, false);
      if (classifyZipEntry(name, { uncompressed: entry.uncompressedSize, compressed: entry.compressedSize }, maxEntryBytes, limits.maxRatio).kind !== 'fit')
        continue;
      declared += entry.uncompressedSize;
      if (declared > limits.maxUncompressedBytes)
        throw new ZipLimitError(
          'zip_too_large_uncompressed',
          `the archive's FIT files inflate to more than ${limits.maxUncompressedBytes} bytes (ZIP_MAX_UNCOMPRESSED_BYTES)`,
        );
    }
  } finally {
    zip.close();
  }
}

/** The directory records of an open archive, one at a time (a broken directory just ends the walk; the read reports it). */
async function* directoryOf(zip: yauzl.ZipFile): AsyncGenerator<yauzl.Entry> {
  let done = false;
  let waiting: ((e: yauzl.Entry | null) => void) | null = null;
  zip.on('entry', (e: yauzl.Entry) => waiting?.(e));
  zip.on('end', () => {
    done = true;
    waiting?.(null);
  });
  zip.on('error', () => {
    done = true;
    waiting?.(null);
  });
  for (;;) {
    const entry = await new Promise<yauzl.Entry | null>((resolve) => {
      if (done) return resolve(null);
      waiting = resolve;
      zip.readEntry();
    });
    if (!entry) return;
    yield entry;
  }
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
export async function* readZipEntries(path: string, opts: { maxEntryBytes?: number; limits?: ZipLimits } = {}): AsyncGenerator<ArchiveEntry> {
  const maxBytes = opts.maxEntryBytes ?? MAX_FIT_BYTES;
  const limits = opts.limits ?? DEFAULT_ZIP_LIMITS;
  await checkArchiveCaps(path, maxBytes, limits);
  const zip = await openZip(path);
  let inflated = 0;
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
      const verdict = classifyZipEntry(name, { uncompressed: entry.uncompressedSize, compressed: entry.compressedSize }, maxBytes, limits.maxRatio);
      if (verdict.kind === 'directory') continue;
      if (verdict.kind !== 'fit') {
        yield { name, ...verdict };
        continue;
      }
      let bytes: Buffer;
      try {
        bytes = await readEntryBytes(zip, entry, { maxBytes, maxRatio: limits.maxRatio, leftOfTotal: limits.maxUncompressedBytes - inflated });
      } catch (err) {
        const message = (err as Error).message;
        const code = err instanceof EntryCapError ? err.code : /limit|too many bytes/.test(message) ? 'zip_entry_too_large' : 'zip_entry_unreadable';
        yield { name, kind: 'failed', code, message };
        // past the archive's total nothing more is inflated
        if (code === 'zip_too_large_uncompressed') break;
        continue;
      }
      inflated += bytes.length;
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
      const parsed = JSON.parse(
        (await readEntryBytes(zip, entry, { maxBytes: MAX_MANIFEST_BYTES, maxRatio: Number.POSITIVE_INFINITY, leftOfTotal: MAX_MANIFEST_BYTES })).toString(
          'utf8',
        ),
      ) as Partial<ExportManifest>;
      return parsed.format === 'stridesync-export' && Array.isArray(parsed.files) ? (parsed as ExportManifest) : null;
    }
  } catch {
    return null;
  } finally {
    zip.close();
  }
}
