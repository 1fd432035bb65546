import { Decoder, Stream, type RecordMesg } from '@garmin/fitsdk';
import { describe, expect, it } from 'vitest';
import { fitCrc } from './crc.js';
import { scanFitContainer } from './container.js';
import { prepareFitBytes } from './repair.js';
import { buildSyntheticRunFit } from './synthetic.js';

// Hand-built FIT files: the SDK Encoder never writes compressed headers or the crashing field order.
type FieldDef = [num: number, size: number, baseType: number];
const UINT8 = 0x02;
const UINT32 = 0x86;
const RECORD = 20;

function fitFile(data: number[]): Uint8Array {
  const out = new Uint8Array(14 + data.length + 2);
  const view = new DataView(out.buffer);
  out.set([14, 0x20], 0);
  view.setUint16(2, 2100, true);
  view.setUint32(4, data.length, true);
  out.set([0x2e, 0x46, 0x49, 0x54], 8);
  view.setUint16(12, fitCrc(out, 0, 12), true);
  out.set(data, 14);
  view.setUint16(14 + data.length, fitCrc(out, 0, 14 + data.length), true);
  return out;
}

function definition(local: number, global: number, fields: FieldDef[], bigEndian = false): number[] {
  const g = bigEndian ? [global >> 8, global & 0xff] : [global & 0xff, global >> 8];
  return [0x40 | local, 0, bigEndian ? 1 : 0, ...g, fields.length, ...fields.flat()];
}

function u32(v: number, bigEndian = false): number[] {
  const b = [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
  return bigEndian ? b.reverse() : b;
}

const compressedHeader = (local: number, ts: number) => 0x80 | (local << 5) | (ts & 0x1f);

function decode(bytes: Uint8Array) {
  return new Decoder(Stream.fromByteArray(bytes)).read({ convertDateTimesToDates: false, mergeHeartRates: false });
}

function prepare(bytes: Uint8Array) {
  const result = prepareFitBytes(bytes, scanFitContainer(bytes).segments);
  if (!result.ok) throw new Error(result.message);
  return result;
}

const T0 = 1_000_000_030; // T0 mod 32 = 30, so T0 + 2 rolls the 5-bit offset over

function compressedRun(bigEndian = false): Uint8Array {
  return fitFile([
    ...definition(
      0,
      RECORD,
      [
        [253, 4, UINT32],
        [3, 1, UINT8],
      ],
      bigEndian,
    ),
    ...definition(
      1,
      RECORD,
      [
        [3, 1, UINT8],
        [4, 1, UINT8],
      ],
      bigEndian,
    ),
    0,
    ...u32(T0, bigEndian),
    100,
    compressedHeader(1, T0 + 1),
    101,
    81,
    compressedHeader(1, T0 + 2),
    102,
    82,
    compressedHeader(1, T0 + 5),
    105,
    85,
    compressedHeader(1, T0 + 20),
    120,
    86,
    1,
    121,
    87, // a normal message of local 1: must decode without a timestamp
    0,
    ...u32(T0 + 25, bigEndian),
    125,
    compressedHeader(1, T0 + 26),
    126,
    88,
  ]);
}

describe('prepareFitBytes: compressed timestamps', () => {
  it('reproduces the SDK failure on the original bytes', () => {
    expect(decode(compressedRun()).errors[0]?.message).toMatch(/compressed timestamp/);
  });

  it.each([false, true])('expands each compressed header to its full timestamp, incl. 5-bit rollover (big-endian %s)', (bigEndian) => {
    const prepared = prepare(compressedRun(bigEndian));
    expect(prepared.compressedTimestamps).toBe(5);
    expect(prepared.recordCount).toBe(8);
    const { messages, errors } = decode(prepared.bytes);
    expect(errors).toEqual([]);
    const records = messages.recordMesgs as RecordMesg[];
    expect(records.map((r) => r.timestamp ?? null)).toEqual([T0, T0 + 1, T0 + 2, T0 + 5, T0 + 20, null, T0 + 25, T0 + 26]);
    expect(records.map((r) => r.heartRate)).toEqual([100, 101, 102, 105, 120, 121, 125, 126]);
    expect(records.map((r) => r.cadence ?? null)).toEqual([null, 81, 82, 85, 86, 87, null, 88]);
  });

  it('writes a file whose header size and CRCs verify', () => {
    const prepared = prepare(compressedRun());
    const check = scanFitContainer(prepared.bytes);
    expect(check.damage).toBeNull();
    expect(check.segments[0]!.end).toBe(prepared.bytes.length);
  });

  it('overwrites the timestamp slot when a compressed message’s definition already has field 253', () => {
    const bytes = fitFile([
      ...definition(0, RECORD, [
        [253, 4, UINT32],
        [3, 1, UINT8],
      ]),
      0,
      ...u32(T0),
      100,
      compressedHeader(0, T0 + 3),
      ...u32(0xffffffff),
      103,
    ]);
    const records = decode(prepare(bytes).bytes).messages.recordMesgs as RecordMesg[];
    expect(records.map((r) => r.timestamp)).toEqual([T0, T0 + 3]);
  });

  it('rejects a compressed message that comes before any full timestamp', () => {
    const bytes = fitFile([...definition(0, RECORD, [[3, 1, UINT8]]), compressedHeader(0, 5), 100]);
    const result = prepareFitBytes(bytes, scanFitContainer(bytes).segments);
    expect(result).toMatchObject({ ok: false, message: expect.stringMatching(/before any full timestamp/) });
  });
});

describe('prepareFitBytes: accumulated-field crash', () => {
  // record: cycles (18) expands into the accumulated total_cycles (19); listed first, it crashes the SDK.
  const crashing = fitFile([
    ...definition(0, RECORD, [
      [253, 4, UINT32],
      [18, 1, UINT8],
      [19, 4, UINT32],
    ]),
    0,
    ...u32(T0),
    10,
    ...u32(1000),
    0,
    ...u32(T0 + 1),
    12,
    ...u32(1002),
  ]);

  it('reproduces the SDK TypeError on the original bytes', () => {
    const { errors, messages } = decode(crashing);
    expect(errors[0]).toBeInstanceOf(TypeError);
    expect(messages.recordMesgs ?? []).toHaveLength(0);
  });

  it('renames the component field so every record decodes with the full accumulated value', () => {
    const prepared = prepare(crashing);
    expect(prepared.renamedFields).toBe(1);
    expect(prepared.bytes.length).toBe(crashing.length);
    const { errors, messages } = decode(prepared.bytes);
    expect(errors).toEqual([]);
    expect((messages.recordMesgs as RecordMesg[]).map((r) => [r.timestamp, r.totalCycles, r.cycles])).toEqual([
      [T0, 1000, undefined],
      [T0 + 1, 1002, undefined],
    ]);
  });

  it('leaves the definition alone when the accumulated field comes first (no crash there)', () => {
    const bytes = fitFile([
      ...definition(0, RECORD, [
        [253, 4, UINT32],
        [19, 4, UINT32],
        [18, 1, UINT8],
      ]),
      0,
      ...u32(T0),
      ...u32(1000),
      10,
    ]);
    expect(prepare(bytes).renamedFields).toBe(0);
  });
});

describe('prepareFitBytes: pass-through and structure', () => {
  it('returns the input bytes without copying when no fix applies', () => {
    const file = buildSyntheticRunFit({ seconds: 30 });
    const prepared = prepare(file);
    expect(prepared.bytes.buffer).toBe(file.buffer);
    expect(prepared.bytes.length).toBe(file.length);
    expect(prepared.recordCount).toBe(30);
  });

  it('rewrites only the chained file that needs it and keeps both decodable', () => {
    const plain = buildSyntheticRunFit({ seconds: 5 });
    const compressed = compressedRun();
    const chained = new Uint8Array(plain.length + compressed.length);
    chained.set(plain);
    chained.set(compressed, plain.length);
    const prepared = prepare(chained);
    expect(Array.from(prepared.bytes.subarray(0, plain.length))).toEqual(Array.from(plain));
    const { errors, messages } = decode(prepared.bytes);
    expect(errors).toEqual([]);
    expect(messages.recordMesgs).toHaveLength(5 + 8);
  });

  it('reports a data message whose local type was never defined', () => {
    const bytes = fitFile([3, 1, 2, 3]);
    expect(prepareFitBytes(bytes, scanFitContainer(bytes).segments)).toMatchObject({ ok: false, offset: 14 });
  });

  it('reports a message that runs past the end of the data section', () => {
    const bytes = fitFile([...definition(0, RECORD, [[253, 4, UINT32]]), 0, 1, 2]);
    expect(prepareFitBytes(bytes, scanFitContainer(bytes).segments)).toMatchObject({ ok: false });
  });
});
