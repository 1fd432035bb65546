import { fitCrc } from '../src/fit/crc.js';

/**
 * A FIT file moved in time by patching its bytes: every timestamp field (field 253 of any message,
 * session/lap start_time, activity local_timestamp, file_id time_created) gets `deltaS` added and the
 * file CRC is rewritten. Thousands of distinct copies of a real file cost milliseconds, where decoding
 * and re-encoding each with the SDK costs about a second. Only plain (non-chained, uncompressed-timestamp)
 * little- or big-endian files are handled, which is what the benchmark's fixtures are.
 */
const DATE_FIELDS: Record<number, number[]> = { 0: [4], 18: [2], 19: [2], 34: [5] };
const INVALID = 0xffffffff;

export function timeshiftFit(src: Uint8Array, deltaS: number): Uint8Array {
  const bytes = Uint8Array.from(src);
  const view = new DataView(bytes.buffer);
  const headerSize = bytes[0]!;
  const dataSize = view.getUint32(4, true);
  const end = headerSize + dataSize;
  const defs = new Map<number, { fields: Array<{ num: number; size: number }>; devSize: number; little: boolean; global: number }>();
  let p = headerSize;
  while (p < end) {
    const h = bytes[p++]!;
    if (h & 0x80) throw new Error('compressed timestamp headers are not handled');
    const local = h & 0x0f;
    if (h & 0x40) {
      const little = bytes[p + 1] === 0;
      const global = little ? view.getUint16(p + 2, true) : view.getUint16(p + 2, false);
      const n = bytes[p + 4]!;
      p += 5;
      const fields = [];
      for (let i = 0; i < n; i++, p += 3) fields.push({ num: bytes[p]!, size: bytes[p + 1]! });
      let devSize = 0;
      if (h & 0x20) {
        const nd = bytes[p++]!;
        for (let i = 0; i < nd; i++, p += 3) devSize += bytes[p + 1]!;
      }
      defs.set(local, { fields, devSize, little, global });
      continue;
    }
    const def = defs.get(local);
    if (!def) throw new Error(`data message before its definition at ${p - 1}`);
    const dates = DATE_FIELDS[def.global] ?? [];
    for (const f of def.fields) {
      if (f.size === 4 && (f.num === 253 || dates.includes(f.num))) {
        const v = view.getUint32(p, def.little);
        if (v !== INVALID) view.setUint32(p, v + deltaS, def.little);
      }
      p += f.size;
    }
    p += def.devSize;
  }
  if (headerSize >= 14) view.setUint16(12, fitCrc(bytes, 0, 12), true);
  view.setUint16(end, fitCrc(bytes, 0, end), true);
  return bytes;
}
