import fc from 'fast-check';
import { fitCrc } from '../../src/fit/crc.js';

/**
 * Mutations of real FIT files for fuzzing the decoder. Most mutations are followed by a repair of the
 * header and file checksums (and of the declared data size where the mutation moved bytes), so the
 * damaged bytes get past the container check and into the SDK, the record collector and the
 * session → run mapping, which is where a crash or a hang would hide.
 */

export interface FitMessage {
  offset: number;
  kind: 'definition' | 'data' | 'compressed';
  localType: number;
  /** definition only: offset of the field-count byte */
  fieldCountAt?: number;
  /** definition only: offsets of each field's size byte */
  sizeAt?: number[];
  /** definition only: offset of the developer-field count byte */
  devCountAt?: number;
}

/** Messages of the first FIT file in `bytes` (stops at the first message it cannot size). */
export function walkMessages(bytes: Uint8Array, limit = 50_000): FitMessage[] {
  const headerSize = bytes[0] ?? 0;
  if (bytes.length < 12 || (headerSize !== 12 && headerSize !== 14)) return [];
  const dataSize = bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24);
  const end = Math.min(bytes.length, headerSize + (dataSize >>> 0));
  const sizes = new Map<number, number>();
  const out: FitMessage[] = [];
  let pos = headerSize;
  while (pos < end && out.length < limit) {
    const h = bytes[pos]!;
    if (h & 0x80) {
      const local = (h >> 5) & 0x03;
      const size = sizes.get(local);
      if (size === undefined) break;
      out.push({ offset: pos, kind: 'compressed', localType: local });
      pos += 1 + size;
    } else if (h & 0x40) {
      const local = h & 0x0f;
      if (pos + 6 > end) break;
      const numFields = bytes[pos + 5]!;
      const sizeAt: number[] = [];
      let size = 0;
      let p = pos + 6;
      for (let i = 0; i < numFields; i++, p += 3) {
        sizeAt.push(p + 1);
        size += bytes[p + 1] ?? 0;
      }
      const msg: FitMessage = { offset: pos, kind: 'definition', localType: local, fieldCountAt: pos + 5, sizeAt };
      if (h & 0x20) {
        const numDev = bytes[p] ?? 0;
        msg.devCountAt = p;
        p += 1;
        for (let i = 0; i < numDev; i++, p += 3) size += bytes[p + 1] ?? 0;
      }
      sizes.set(local, size);
      out.push(msg);
      pos = p;
    } else {
      const local = h & 0x0f;
      const size = sizes.get(local);
      if (size === undefined) break;
      out.push({ offset: pos, kind: 'data', localType: local });
      pos += 1 + size;
    }
  }
  return out;
}

function setU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = (v >>> 24) & 0xff;
}

/** Rewrite the header checksum and, where the declared size fits, the file checksum of the first file. */
export function fixChecksums(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 12) return bytes;
  const headerSize = bytes[0]!;
  if (headerSize === 14 && bytes.length >= 14) {
    const crc = fitCrc(bytes, 0, 12);
    bytes[12] = crc & 0xff;
    bytes[13] = crc >> 8;
  }
  const dataSize = (bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24)) >>> 0;
  const end = headerSize + dataSize;
  if (headerSize >= 12 && end + 2 <= bytes.length) {
    const crc = fitCrc(bytes, 0, end);
    bytes[end] = crc & 0xff;
    bytes[end + 1] = crc >> 8;
  }
  return bytes;
}

/**
 * A smaller FIT file made from a real one: every definition kept, data messages kept from the start
 * and from the end (where the laps, session and activity messages are) up to `keepBytes`, sizes and
 * CRC rewritten. Compressed-timestamp files keep their messages in order, so their time base still
 * holds.
 */
export function trimFit(bytes: Uint8Array, keepBytes: number): Uint8Array {
  const headerSize = bytes[0]!;
  const msgs = walkMessages(bytes, Infinity);
  if (msgs.length === 0) return bytes;
  const dataEnd = Math.min(bytes.length - 2, headerSize + ((bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24)) >>> 0));
  const len = (i: number) => (msgs[i + 1]?.offset ?? dataEnd) - msgs[i]!.offset;
  const keep = new Uint8Array(msgs.length);
  let head = 0;
  for (let i = 0; i < msgs.length && head < keepBytes / 2; i++) {
    keep[i] = 1;
    head += len(i);
  }
  let tail = 0;
  for (let i = msgs.length - 1; i >= 0 && tail < keepBytes / 2; i--) {
    keep[i] = 1;
    tail += len(i);
  }
  for (let i = 0; i < msgs.length; i++) if (msgs[i]!.kind === 'definition') keep[i] = 1;
  const parts: Uint8Array[] = [];
  let size = 0;
  for (let i = 0; i < msgs.length; i++) {
    if (!keep[i]) continue;
    const part = bytes.subarray(msgs[i]!.offset, msgs[i]!.offset + len(i));
    parts.push(part);
    size += part.length;
  }
  if (size >= dataEnd - headerSize) return bytes;
  const out = new Uint8Array(headerSize + size + 2);
  out.set(bytes.subarray(0, headerSize));
  let p = headerSize;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  setU32(out, 4, size);
  return fixChecksums(out);
}

export type FitOp =
  | { t: 'flip'; at: number; bit: number }
  | { t: 'byte'; at: number; value: number }
  | { t: 'truncate'; at: number }
  | { t: 'fieldValue'; which: number; fromEnd: boolean; offset: number; width: 1 | 2 | 4; value: number }
  | { t: 'dataSize'; value: number }
  | { t: 'headerSize'; value: number }
  | { t: 'defField'; which: number; field: 'size' | 'count' | 'devCount' | 'global' | 'arch' | 'base'; value: number }
  | { t: 'bogusDef'; where: number; header: number; global: number; fields: Array<[number, number, number]> }
  | { t: 'dupMessages'; from: number; count: number; times: number }
  | { t: 'chain'; tail: 'garbage' | 'fakeHeader' | 'self'; bytes: Uint8Array; hugeSize: number }
  | { t: 'zero' }
  | { t: 'headerOnly' };

export interface FitCase {
  fixture: string;
  /** cut the fixture to this many data bytes first (keeps cases small and fast), 0 = whole file */
  trim: number;
  ops: FitOp[];
  fixCrc: boolean;
}

/** a position in the file as a fraction of 2^31, so the op fits any file length (unbiased: not always the ends) */
const pos = fc.noBias(fc.nat({ max: 2 ** 31 - 1 }));
const hugeU32 = fc.oneof(fc.constantFrom(0xffffffff, 0x7fffffff, 0x80000000, 0x10000000, 0), fc.nat({ max: 0xffffffff }));

const opArb: fc.Arbitrary<FitOp> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('flip' as const), at: pos, bit: fc.nat({ max: 7 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('byte' as const), at: pos, value: fc.constantFrom(0, 0xff, 0x7f, 0x80, 0x40, 0x20) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('truncate' as const), at: pos }) },
  {
    // extreme values inside data messages, mostly near the end (laps, session, activity: totals and times)
    weight: 8,
    arbitrary: fc.record({
      t: fc.constant('fieldValue' as const),
      which: pos,
      fromEnd: fc.boolean(),
      offset: fc.nat({ max: 120 }),
      width: fc.constantFrom(1 as const, 2 as const, 4 as const),
      value: fc.oneof(fc.constantFrom(0, 0xffffffff, 0xfffffffe, 0x7fffffff, 0x80000000, 1, 0xffff, 0x7fff, 0xff), fc.nat({ max: 0xffffffff })),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('dataSize' as const), value: hugeU32 }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('headerSize' as const), value: fc.constantFrom(0, 1, 11, 12, 13, 14, 15, 255) }) },
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant('defField' as const),
      which: pos,
      field: fc.constantFrom('size', 'count', 'devCount', 'global', 'arch', 'base'),
      value: fc.oneof(fc.constantFrom(0, 1, 255, 254, 128), fc.nat({ max: 255 })),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('bogusDef' as const),
      where: pos,
      header: fc.oneof(
        fc.nat({ max: 15 }).map((l) => 0x40 | l),
        fc.nat({ max: 15 }).map((l) => 0x60 | l),
      ),
      global: fc.oneof(fc.constantFrom(18, 19, 20, 34, 0, 0xffff, 0xff00), fc.nat({ max: 0xffff })),
      fields: fc.array(fc.tuple(fc.nat({ max: 255 }), fc.oneof(fc.constantFrom(0, 1, 255), fc.nat({ max: 255 })), fc.nat({ max: 255 })), { maxLength: 12 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('dupMessages' as const), from: pos, count: fc.integer({ min: 1, max: 50 }), times: fc.integer({ min: 1, max: 20 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('chain' as const),
      tail: fc.constantFrom('garbage' as const, 'fakeHeader' as const, 'self' as const),
      bytes: fc.uint8Array({ maxLength: 256 }),
      hugeSize: hugeU32,
    }),
  },
  { weight: 1, arbitrary: fc.constant({ t: 'zero' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'headerOnly' as const }) },
);

function at(f: number, length: number): number {
  return length === 0 ? 0 : Math.floor((f / 2 ** 31) * length);
}

function splice(bytes: Uint8Array, offset: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + insert.length);
  out.set(bytes.subarray(0, offset));
  out.set(insert, offset);
  out.set(bytes.subarray(offset), offset + insert.length);
  return out;
}

function growDataSize(bytes: Uint8Array, by: number): void {
  if (bytes.length < 8) return;
  const dataSize = (bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24)) >>> 0;
  setU32(bytes, 4, (dataSize + by) >>> 0);
}

export function applyOp(input: Uint8Array, op: FitOp): Uint8Array {
  let b = input;
  switch (op.t) {
    case 'flip':
      if (b.length) b[at(op.at, b.length)]! ^= 1 << op.bit;
      return b;
    case 'byte':
      if (b.length) b[at(op.at, b.length)] = op.value;
      return b;
    case 'truncate':
      return b.slice(0, at(op.at, b.length));
    case 'fieldValue': {
      const data = walkMessages(b).filter((m) => m.kind === 'data');
      if (data.length === 0) return b;
      const k = op.fromEnd ? data.length - 1 - at(op.which, Math.min(12, data.length)) : at(op.which, data.length);
      const m = data[k]!;
      const end = data[k + 1]?.offset ?? b.length - 2;
      const size = end - m.offset - 1;
      if (size < op.width) return b;
      const o = m.offset + 1 + (op.offset % (size - op.width + 1));
      for (let i = 0; i < op.width; i++) b[o + i] = (op.value >>> (8 * i)) & 0xff;
      return b;
    }
    case 'dataSize':
      if (b.length >= 8) setU32(b, 4, op.value);
      return b;
    case 'headerSize':
      if (b.length) b[0] = op.value;
      return b;
    case 'defField': {
      const defs = walkMessages(b).filter((m) => m.kind === 'definition');
      const def = defs[at(op.which, defs.length)];
      if (!def) return b;
      const o = def.offset;
      const target =
        op.field === 'size'
          ? def.sizeAt?.[op.value % Math.max(1, def.sizeAt.length)]
          : op.field === 'count'
            ? def.fieldCountAt
            : op.field === 'devCount'
              ? def.devCountAt
              : op.field === 'global'
                ? o + 3 + (op.value & 1)
                : op.field === 'arch'
                  ? o + 2
                  : def.sizeAt?.length
                    ? def.sizeAt[op.value % def.sizeAt.length]! + 1
                    : undefined;
      if (target !== undefined && target < b.length) b[target] = op.field === 'size' ? [0, 1, 255, 3, 7, 254][op.value % 6]! : op.value;
      return b;
    }
    case 'bogusDef': {
      const msgs = walkMessages(b);
      const m = msgs[at(op.where, msgs.length)];
      if (!m) return b;
      const fields = op.fields.flat();
      const dev = op.header & 0x20 ? [1, 0, 4, 0] : [];
      const def = Uint8Array.from([op.header, 0, 0, op.global & 0xff, op.global >> 8, op.fields.length, ...fields, ...dev]);
      const out = splice(b, m.offset, def);
      growDataSize(out, def.length);
      return out;
    }
    case 'dupMessages': {
      const msgs = walkMessages(b);
      const i = at(op.from, msgs.length);
      const first = msgs[i];
      const after = msgs[i + op.count] ?? msgs[msgs.length - 1];
      if (!first || !after || after.offset <= first.offset) return b;
      const chunk = b.slice(first.offset, after.offset);
      const reps = new Uint8Array(chunk.length * op.times);
      for (let k = 0; k < op.times; k++) reps.set(chunk, k * chunk.length);
      const out = splice(b, after.offset, reps);
      growDataSize(out, reps.length);
      return out;
    }
    case 'chain': {
      let tail: Uint8Array;
      if (op.tail === 'garbage') tail = op.bytes;
      else if (op.tail === 'self') tail = b.slice();
      else {
        tail = new Uint8Array(14 + op.bytes.length);
        tail.set([14, 0x20, 0x52, 0x08], 0);
        setU32(tail, 4, op.hugeSize);
        tail.set([0x2e, 0x46, 0x49, 0x54], 8);
        tail.set(op.bytes, 14);
        const crc = fitCrc(tail, 0, 12);
        tail[12] = crc & 0xff;
        tail[13] = crc >> 8;
      }
      const out = new Uint8Array(b.length + tail.length);
      out.set(b);
      out.set(tail, b.length);
      return out;
    }
    case 'zero':
      return new Uint8Array(0);
    case 'headerOnly': {
      const h = b.slice(0, Math.min(b.length, b[0] === 12 ? 12 : 14));
      if (h.length >= 8) setU32(h, 4, 0);
      return h;
    }
  }
}

/** The bytes of one fuzz case: the fixture (trimmed), each op in turn, then optionally fixed checksums. */
export function buildCase(c: FitCase, fixtures: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const original = fixtures.get(c.fixture)!;
  let b = c.trim > 0 ? trimFit(original, c.trim) : original.slice();
  if (b === original) b = original.slice();
  for (const op of c.ops) b = applyOp(b, op);
  return c.fixCrc ? fixChecksums(b) : b;
}

/**
 * Fuzz cases over these fixtures. `maxTrim` bounds the data bytes kept of each fixture (0 keeps whole
 * files too, with a small weight: they are slow).
 */
export function fitCaseArb(fixtureNames: readonly string[], opts: { wholeFiles: boolean }): fc.Arbitrary<FitCase> {
  const trim = opts.wholeFiles
    ? fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 200, max: 40_000 }) }, { weight: 1, arbitrary: fc.constant(0) })
    : fc.integer({ min: 200, max: 40_000 });
  return fc.record({
    fixture: fc.constantFrom(...fixtureNames),
    trim,
    ops: fc.array(opArb, { minLength: 1, maxLength: 4 }),
    fixCrc: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  });
}

/** A short human description of a case (for the report of a finding). */
export function describeCase(c: FitCase): string {
  const ops = c.ops.map((o) => {
    const { t, ...rest } = o;
    const parts = Object.entries(rest).map(([k, v]) => `${k}=${v instanceof Uint8Array ? `[${v.length} bytes]` : JSON.stringify(v)}`);
    return `${t}(${parts.join(',')})`;
  });
  return `${c.fixture} trim=${c.trim} ${ops.join(' ')}${c.fixCrc ? ' +crc' : ''}`;
}
