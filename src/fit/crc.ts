/**
 * FIT CRC-16 (the CRC-16/ARC polynomial 0xA001, reflected, initial value 0), table-driven.
 * Same result as the SDK's nibble-wise CrcCalculator, but one table lookup per byte: the container
 * check runs over every uploaded byte, so it should cost little next to the decode itself.
 */
const CRC_TABLE = buildTable();

function buildTable(): Uint16Array {
  const table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
    table[n] = c;
  }
  return table;
}

/** CRC of bytes[start, end), optionally continuing from `seed`. */
export function fitCrc(bytes: Uint8Array, start = 0, end = bytes.length, seed = 0): number {
  let crc = seed;
  for (let i = start; i < end; i++) {
    crc = (crc >>> 8) ^ CRC_TABLE[(crc ^ bytes[i]!) & 0xff]!;
  }
  return crc;
}
