/**
 * FIT bytes → Runs. Pure (no I/O, no clock) and total: every input gives a FitDecodeResult, nothing
 * throws.
 *
 * Pipeline
 * 1. Size guard (`maxBytes`, default 64 MB) and container check (container.ts): header, declared size
 *    and CRC of every chained file, before any field is decoded.
 * 2. Pre-pass (repair.ts) for two @garmin/fitsdk 21.217 gaps, chosen over a second decoder so one set
 *    of field semantics applies to every file: compressed-timestamp headers are expanded into normal
 *    headers with an explicit timestamp (definitions and CRCs rewritten), and definitions that trigger
 *    the SDK's accumulated-field TypeError get the offending component field renamed to an unused
 *    number. No Decoder option avoids either (the crash path runs for every accumulated profile field).
 *    Files needing neither are passed through without a copy.
 * 3. SDK decode with a mesgListener that copies each record into typed columns (records.ts), dates as
 *    raw FIT seconds, no heart-rate merge. The SDK still keeps its own message arrays until read()
 *    returns; they become unreachable when readFit() returns, before the Runs are built, so record data
 *    is never held twice as objects.
 * 4. Sessions → Runs (session-run.ts): one Run per running session with the records of its time
 *    window; a file without a running session gives one non-run Run for its longest session.
 *
 * Damaged files (policy): only CRC-verified data is used.
 * - first (or only) file damaged → ok:false: `fit_not_fit` (no ".FIT" header, empty input),
 *   `fit_bad_crc` (header or file checksum mismatch), `fit_truncated` (shorter than declared);
 * - a later chained file damaged → ok:true, partial:true with the runs of the verified files before it and
 *   a warning naming the damage (`fit_bad_chained_header` / `fit_bad_crc` / `fit_truncated`);
 * - verified bytes the SDK still rejects → `fit_decode_error`; no session message → `fit_no_session`
 *   (or the damage code when a damaged later file was skipped and nothing before it had a session).
 * A truncated or CRC-failed file is not salvaged: unverified bytes could put wrong distances into the
 * runner's load history, and re-exporting the file from the watch fixes the upload.
 */
import { Decoder, Profile, Stream, type ActivityMesg, type RecordMesg, type SessionMesg } from '@garmin/fitsdk';
import { scanFitContainer } from './container.js';
import { createRecordCollector, type RecordTable } from './records.js';
import { prepareFitBytes } from './repair.js';
import { mapFitSport, sessionToRun, sessionWindows } from './session-run.js';
import { DEFAULT_FIT_MAX_BYTES, type FitDecodeFailure, type FitDecodeOptions, type FitDecodeResult, type FitErrorCode } from './types.js';

export * from './types.js';

function fail(code: FitErrorCode, message: string): FitDecodeFailure {
  return { ok: false, code, message };
}

function toStream(bytes: Uint8Array): Stream {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  return whole ? Stream.fromArrayBuffer(bytes.buffer as ArrayBuffer) : Stream.fromByteArray(bytes);
}

interface FitRead {
  sessions: SessionMesg[];
  activity: ActivityMesg | undefined;
  table: RecordTable;
  error: string | null;
}

/** Runs the SDK; only sessions, the activity message and the record columns survive this call. */
function readFit(bytes: Uint8Array, recordCount: number): FitRead {
  const collector = createRecordCollector(recordCount);
  const { messages, errors } = new Decoder(toStream(bytes)).read({
    mesgListener: (mesgNum, mesg) => {
      if (mesgNum === Profile.MesgNum.RECORD) collector.add(mesg as RecordMesg);
    },
    convertDateTimesToDates: false,
    mergeHeartRates: false,
  });
  const error = errors.length > 0 ? String(errors[0]?.message ?? errors[0]) : null;
  return { sessions: messages.sessionMesgs ?? [], activity: messages.activityMesgs?.[0], table: collector.finish(), error };
}

function decodeUnsafe(bytes: Uint8Array, options: FitDecodeOptions): FitDecodeResult {
  const maxBytes = options.maxBytes ?? DEFAULT_FIT_MAX_BYTES;
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) return fail('fit_not_fit', 'The file is empty.');
  if (bytes.length > maxBytes) {
    const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
    return fail('fit_too_large', `The file is ${mb(bytes.length)} MB; FIT uploads are limited to ${mb(maxBytes)} MB.`);
  }

  const container = scanFitContainer(bytes);
  const damage = container.damage;
  if (container.segments.length === 0) {
    return damage ? fail(damage.code, damage.message) : fail('fit_not_fit', 'The file is empty.');
  }
  const warnings: string[] = [];
  if (damage) warnings.push(`fit: ${damage.code}: ${damage.message}`);
  if (container.paddingBytes > 0) warnings.push(`fit: ignored ${container.paddingBytes} zero bytes after the last FIT file`);

  const prepared = prepareFitBytes(bytes, container.segments);
  if (!prepared.ok) return fail('fit_decode_error', `The FIT file is malformed at byte ${prepared.offset}: ${prepared.message}.`);
  if (prepared.compressedTimestamps > 0) warnings.push(`fit: compressed timestamps expanded (${prepared.compressedTimestamps} messages)`);
  if (prepared.renamedFields > 0) warnings.push(`fit: skipped ${prepared.renamedFields} compressed component field definition(s) that crash @garmin/fitsdk`);

  const read = readFit(prepared.bytes, prepared.recordCount);
  if (read.error !== null) return fail('fit_decode_error', `The FIT file could not be decoded: ${read.error}.`);
  if (read.sessions.length === 0) {
    // A damaged later file may have held the activity: its damage explains more than "no session".
    if (damage) return fail(damage.code, damage.message);
    return fail('fit_no_session', 'The FIT file contains no session: it is not a finished activity recording.');
  }
  const { table } = read;
  if (table.clampedTimestamps > 0) warnings.push(`fit: ${table.clampedTimestamps} out-of-order record timestamps clamped`);
  if (table.skippedRecords > 0) warnings.push(`fit: ${table.skippedRecords} records without a timestamp skipped`);

  const windows = sessionWindows(read.sessions, table.count > 0 ? table.timeFit[0]! : null);
  const running = windows.filter((w) => mapFitSport(w.session.sport, w.session.subSport).isRun);
  const longest = windows.reduce((a, b) => ((b.session.totalElapsedTime ?? 0) > (a.session.totalElapsedTime ?? 0) ? b : a));
  const chosen = running.length > 0 ? running : [longest];
  const partial = damage !== null;
  const ctx = { table, activity: read.activity, notes: warnings, partial };
  return { ok: true, runs: chosen.map((w) => sessionToRun(w, ctx)), partial, warnings };
}

/**
 * Decodes a FIT file (possibly chained, with developer fields, compressed timestamps) into Runs.
 * Never throws; see the file comment for the damaged-file policy.
 */
export function decodeFit(bytes: Uint8Array, options: FitDecodeOptions = {}): FitDecodeResult {
  try {
    return decodeUnsafe(bytes, options);
  } catch (err) {
    return fail('fit_decode_error', `The FIT file could not be decoded: ${err instanceof Error ? err.message : String(err)}.`);
  }
}
