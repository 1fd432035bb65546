/**
 * Byte-level pre-pass that makes valid FIT files digestible for @garmin/fitsdk 21.217 without
 * forking or monkey-patching it. Pure: bytes in, bytes out; the input is never modified.
 *
 * Why a rewrite instead of a second decoder (fit-file-parser): both SDK gaps are narrow, the
 * rewrite is ~linear in the file size and only copies when a fix applies, and keeping one decoder
 * keeps one set of field semantics (scales, components, accumulation, sub-fields) for every file.
 *
 * 1. Compressed-timestamp headers (bit 7 set; e.g. FR70 footpod runs). The SDK aborts with
 *    "compressed timestamp messages are not currently supported". Each such message is rewritten to
 *    a normal header for the same local type plus an explicit timestamp (field 253, uint32): the
 *    definition is re-emitted with field 253 appended (and the original definition re-emitted before
 *    the next normal message of that local type). Timestamp = last full timestamp advanced to the
 *    5-bit offset, rolling over every 32 s (FIT protocol §"Compressed Timestamp Header").
 * 2. Accumulated-field crash (e.g. FR255 triathlon). When a definition lists a component field
 *    (record `cycles`, `compressed_speed_distance`, `compressed_accumulated_power`, hr
 *    `event_timestamp_12`) *before* the accumulated field it expands into (`total_cycles`,
 *    `distance`, `accumulated_power`, `event_timestamp`), the SDK's #setAccumulatedField reads
 *    `.offset[i]` of a decoded value and throws a TypeError, losing every later message. No decoder
 *    option avoids that code path (it runs whenever a profile field is accumulated). The fix renames
 *    the lossy component field in the definition to an unused field number, so the SDK skips it and
 *    keeps the full-resolution accumulated field. Only the definition byte changes; sizes stay.
 *
 * When anything changed, each segment's data size, header CRC and file CRC are recomputed. CRCs are
 * verified by container.ts *before* this runs, so recomputing them cannot hide damage.
 */
import { Profile } from '@garmin/fitsdk';
import { fitCrc } from './crc.js';
import { ByteWriter } from './byte-writer.js';
import type { FitSegment } from './container.js';

export interface PreparedFit {
  ok: true;
  /** bytes to hand to the SDK: the verified segments, rewritten only if needed */
  bytes: Uint8Array;
  /** number of record (global 20) data messages, to presize the sample columns */
  recordCount: number;
  compressedTimestamps: number;
  renamedFields: number;
}

export interface PrepareError {
  ok: false;
  message: string;
  offset: number;
}

interface LocalDef {
  globalNum: number;
  littleEndian: boolean;
  fieldsSize: number;
  devSize: number;
  /** byte offset of field 253 (timestamp, 4 bytes) inside the field data, -1 when absent */
  tsOffset: number;
  /** the definition message as it is written out (renames applied) */
  bytes: Uint8Array;
  /** same definition with field 253 appended; built on first use */
  augmented: Uint8Array | null;
}

interface WalkStats {
  recordCount: number;
  compressed: number;
  renamed: number;
}

const RECORD_MESG_NUM = 20;
const TIMESTAMP_FIELD = 253;
const UINT32_BASE_TYPE = 0x86;
const INVALID_UINT32 = 0xffffffff;

/** field num → accumulated field nums it expands into, per global message (from the SDK profile) */
const accumulatedTargets = new Map<number, Map<number, Set<number>>>();

function targetsFor(globalNum: number): Map<number, Set<number>> {
  let map = accumulatedTargets.get(globalNum);
  if (map) return map;
  map = new Map();
  const fields = Profile.messages[globalNum]?.fields ?? {};
  for (const field of Object.values(fields)) {
    for (const target of field.components ?? []) {
      if (fields[Number(target)]?.isAccumulated) {
        const set = map.get(field.num) ?? new Set<number>();
        set.add(Number(target));
        map.set(field.num, set);
      }
    }
  }
  accumulatedTargets.set(globalNum, map);
  return map;
}

function unusedFieldNum(globalNum: number, used: Set<number>): number {
  const fields = Profile.messages[globalNum]?.fields ?? {};
  for (let n = 252; n > 0; n--) if (!(n in fields) && !used.has(n)) return n;
  return 255;
}

function augment(def: LocalDef): Uint8Array {
  const b = def.bytes;
  const numFields = b[5]!;
  const fieldsEnd = 6 + numFields * 3;
  const out = new Uint8Array(b.length + 3);
  out.set(b.subarray(0, fieldsEnd));
  out[5] = numFields + 1;
  out.set([TIMESTAMP_FIELD, 4, UINT32_BASE_TYPE], fieldsEnd);
  out.set(b.subarray(fieldsEnd), fieldsEnd + 3);
  return out;
}

/** Parses one definition message at `p`; returns its total length or an error string. */
function readDefinition(b: Uint8Array, p: number, end: number, stats: WalkStats): { def: LocalDef; local: number; size: number } | string {
  const h = b[p]!;
  if (p + 6 > end) return 'definition message runs past the end of the data';
  const littleEndian = b[p + 2] === 0;
  const globalNum = littleEndian ? b[p + 3]! | (b[p + 4]! << 8) : (b[p + 3]! << 8) | b[p + 4]!;
  const numFields = b[p + 5]!;
  let q = p + 6 + numFields * 3;
  const hasDev = (h & 0x20) !== 0;
  const numDev = hasDev ? (q < end ? b[q]! : 0) : 0;
  const size = q - p + (hasDev ? 1 + numDev * 3 : 0);
  if (p + size > end) return 'definition message runs past the end of the data';

  const bytes = b.slice(p, p + size);
  let fieldsSize = 0;
  let tsOffset = -1;
  const nums = new Set<number>();
  for (let i = 0; i < numFields; i++) nums.add(bytes[6 + i * 3]!);
  const targets = targetsFor(globalNum);
  for (let i = 0; i < numFields; i++) {
    const num = bytes[6 + i * 3]!;
    const fieldSize = bytes[7 + i * 3]!;
    if (num === TIMESTAMP_FIELD && fieldSize === 4) tsOffset = fieldsSize;
    fieldsSize += fieldSize;
    const accumulated = targets.get(num);
    if (!accumulated) continue;
    const laterAccumulated = Array.from({ length: numFields - i - 1 }, (_, k) => bytes[6 + (i + 1 + k) * 3]!).some((n) => accumulated.has(n));
    if (laterAccumulated) {
      const replacement = unusedFieldNum(globalNum, nums);
      nums.add(replacement);
      bytes[6 + i * 3] = replacement;
      stats.renamed++;
    }
  }
  let devSize = 0;
  q = 6 + numFields * 3 + 1;
  for (let i = 0; i < numDev; i++) devSize += bytes[q + i * 3 + 1]!;
  return { def: { globalNum, littleEndian, fieldsSize, devSize, tsOffset, bytes, augmented: null }, local: h & 0x0f, size };
}

function readU32(b: Uint8Array, at: number, littleEndian: boolean): number {
  return littleEndian
    ? (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)) + b[at + 3]! * 0x1000000
    : b[at]! * 0x1000000 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
}

/**
 * Walks the data section of one segment. Without `out` it only collects statistics; with `out` it
 * writes the rewritten data section.
 */
function walkSegment(b: Uint8Array, seg: FitSegment, out: ByteWriter | null): WalkStats | PrepareError {
  const stats: WalkStats = { recordCount: 0, compressed: 0, renamed: 0 };
  const defs: (LocalDef | undefined)[] = [];
  const emitted: ('orig' | 'aug' | undefined)[] = [];
  let lastTimestamp: number | null = null;
  let p = seg.dataStart;
  const end = seg.dataEnd;

  while (p < end) {
    const h = b[p]!;
    if ((h & 0x80) === 0 && (h & 0x40) !== 0) {
      const parsed = readDefinition(b, p, end, stats);
      if (typeof parsed === 'string') return { ok: false, message: parsed, offset: p };
      defs[parsed.local] = parsed.def;
      out?.write(parsed.def.bytes);
      emitted[parsed.local] = 'orig';
      p += parsed.size;
      continue;
    }
    const compressed = (h & 0x80) !== 0;
    const local = compressed ? (h >> 5) & 0x03 : h & 0x0f;
    const def = defs[local];
    if (!def) return { ok: false, message: `data message for undefined local message type ${local}`, offset: p };
    const size = 1 + def.fieldsSize + def.devSize;
    if (p + size > end) return { ok: false, message: 'data message runs past the end of the data', offset: p };
    if (def.globalNum === RECORD_MESG_NUM) stats.recordCount++;

    if (!compressed) {
      if (def.tsOffset >= 0) {
        const ts = readU32(b, p + 1 + def.tsOffset, def.littleEndian);
        if (ts !== INVALID_UINT32) lastTimestamp = ts;
      }
      if (out) {
        if (emitted[local] === 'aug') out.write(def.bytes);
        emitted[local] = 'orig';
        out.write(b, p, p + size);
      }
    } else {
      if (lastTimestamp === null) return { ok: false, message: 'compressed timestamp before any full timestamp', offset: p };
      const offset = h & 0x1f;
      lastTimestamp += (offset - (lastTimestamp & 0x1f)) & 0x1f;
      stats.compressed++;
      if (out) writeExpanded(out, b, p, def, local, lastTimestamp, emitted);
    }
    p += size;
  }
  return stats;
}

function writeExpanded(out: ByteWriter, b: Uint8Array, p: number, def: LocalDef, local: number, ts: number, emitted: ('orig' | 'aug' | undefined)[]): void {
  const fieldsStart = p + 1;
  const fieldsEnd = fieldsStart + def.fieldsSize;
  if (def.tsOffset >= 0) {
    // The definition already has a timestamp slot: overwrite it in place.
    if (emitted[local] === 'aug') out.write(def.bytes);
    emitted[local] = 'orig';
    out.byte(local);
    const at = out.length;
    out.write(b, fieldsStart, fieldsEnd + def.devSize);
    new DataView(out.buf.buffer, out.buf.byteOffset + at + def.tsOffset, 4).setUint32(0, ts, def.littleEndian);
    return;
  }
  if (emitted[local] !== 'aug') {
    def.augmented ??= augment(def);
    out.write(def.augmented);
    emitted[local] = 'aug';
  }
  out.byte(local);
  out.write(b, fieldsStart, fieldsEnd);
  out.u32(ts, def.littleEndian);
  out.write(b, fieldsEnd, fieldsEnd + def.devSize);
}

function writeSegment(out: ByteWriter, b: Uint8Array, seg: FitSegment): PrepareError | null {
  const headerAt = out.length;
  out.write(b, seg.start, seg.dataStart);
  const dataAt = out.length;
  const walked = walkSegment(b, seg, out);
  if ('ok' in walked) return walked;
  const dataSize = out.length - dataAt;
  const header = new DataView(out.buf.buffer, out.buf.byteOffset + headerAt, seg.headerSize);
  header.setUint32(4, dataSize, true);
  if (seg.headerSize === 14 && header.getUint16(12, true) !== 0) {
    header.setUint16(12, fitCrc(out.buf, headerAt, headerAt + 12), true);
  }
  const crc = fitCrc(out.buf, headerAt, out.length);
  out.byte(crc & 0xff);
  out.byte(crc >> 8);
  return null;
}

/**
 * Prepares verified segments for the SDK. Returns the original bytes (no copy) when no fix applies.
 */
export function prepareFitBytes(bytes: Uint8Array, segments: FitSegment[]): PreparedFit | PrepareError {
  const total: WalkStats = { recordCount: 0, compressed: 0, renamed: 0 };
  const needsRewrite: boolean[] = [];
  for (const seg of segments) {
    const stats = walkSegment(bytes, seg, null);
    if ('ok' in stats) return stats;
    total.recordCount += stats.recordCount;
    total.compressed += stats.compressed;
    total.renamed += stats.renamed;
    needsRewrite.push(stats.compressed > 0 || stats.renamed > 0);
  }
  const usedEnd = segments.at(-1)?.end ?? 0;
  const result = { ok: true as const, recordCount: total.recordCount, compressedTimestamps: total.compressed, renamedFields: total.renamed };
  if (!needsRewrite.includes(true)) return { ...result, bytes: bytes.subarray(0, usedEnd) };

  const out = new ByteWriter(usedEnd + total.compressed * 4 + 1024);
  for (const [i, seg] of segments.entries()) {
    if (!needsRewrite[i]) {
      out.write(bytes, seg.start, seg.end);
      continue;
    }
    const error = writeSegment(out, bytes, seg);
    if (error) return error;
  }
  return { ...result, bytes: out.buf.subarray(0, out.length) };
}
