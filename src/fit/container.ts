/**
 * FIT container check: splits a (possibly chained) FIT blob into its files ("segments") and verifies each
 * header, declared size and CRC before anything is decoded.
 *
 * Policy (documented in decode.ts as well): a file is only decoded from segments whose CRC verified.
 * Damage in the first segment refuses the whole upload; damage in a later chained segment keeps the
 * verified segments before it and reports the damage so the caller can mark the result partial.
 * Trailing zero padding after the last segment is ignored (some tools pad uploads).
 */
import { fitCrc } from './crc.js';
import type { FitErrorCode } from './types.js';

export interface FitSegment {
  /** offset of the file header */
  start: number;
  headerSize: number;
  dataSize: number;
  /** first byte of the data section */
  dataStart: number;
  /** one past the data section (the 2-byte file CRC starts here) */
  dataEnd: number;
  /** one past the file CRC */
  end: number;
}

export interface FitDamage {
  code: Exclude<FitErrorCode, 'fit_no_session' | 'fit_too_large' | 'fit_decode_error'>;
  message: string;
  /** byte offset where the damaged segment starts */
  offset: number;
}

export interface FitContainer {
  segments: FitSegment[];
  /** the first damaged segment, if any; nothing after it is used */
  damage: FitDamage | null;
  /** zero bytes after the last segment that were ignored */
  paddingBytes: number;
}

const MIN_HEADER_SIZE = 12;
const CRC_SIZE = 2;

function readU16(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8);
}

function readU32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)) + b[at + 3]! * 0x1000000;
}

function hasSignature(b: Uint8Array, at: number): boolean {
  return b[at + 8] === 0x2e && b[at + 9] === 0x46 && b[at + 10] === 0x49 && b[at + 11] === 0x54; // ".FIT"
}

function isAllZero(b: Uint8Array, from: number): boolean {
  for (let i = from; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** Walks the chain of FIT files in `bytes`; never throws. */
export function scanFitContainer(bytes: Uint8Array): FitContainer {
  const segments: FitSegment[] = [];
  let pos = 0;
  const fail = (code: FitDamage['code'], message: string): FitContainer => ({
    segments,
    damage: { code, message, offset: pos },
    paddingBytes: 0,
  });

  while (pos < bytes.length) {
    const first = segments.length === 0;
    if (!first && isAllZero(bytes, pos)) return { segments, damage: null, paddingBytes: bytes.length - pos };

    const remaining = bytes.length - pos;
    const headerSize = bytes[pos]!;
    const headerOk = remaining >= MIN_HEADER_SIZE && (headerSize === 12 || headerSize === 14) && remaining >= headerSize && hasSignature(bytes, pos);
    if (!headerOk) {
      return first
        ? fail('fit_not_fit', 'This is not a FIT file: the ".FIT" header is missing.')
        : fail('fit_bad_chained_header', `The FIT file chained at byte ${pos} has a damaged header; it was skipped.`);
    }
    if (headerSize === 14) {
      const headerCrc = readU16(bytes, pos + 12);
      if (headerCrc !== 0 && headerCrc !== fitCrc(bytes, pos, pos + 12)) {
        return first
          ? fail('fit_bad_crc', 'The FIT file header is damaged (header checksum mismatch).')
          : fail('fit_bad_chained_header', `The FIT file chained at byte ${pos} has a header checksum mismatch; it was skipped.`);
      }
    }
    const dataSize = readU32(bytes, pos + 4);
    const end = pos + headerSize + dataSize + CRC_SIZE;
    if (end > bytes.length) {
      return fail('fit_truncated', `The FIT file is truncated: it declares ${headerSize + dataSize + CRC_SIZE} bytes but only ${remaining} are present.`);
    }
    const crc = readU16(bytes, end - CRC_SIZE);
    if (crc !== fitCrc(bytes, pos, end - CRC_SIZE)) {
      return fail('fit_bad_crc', 'The FIT file is damaged: its checksum does not match the data (re-export it from the watch or Garmin Connect).');
    }
    segments.push({ start: pos, headerSize, dataSize, dataStart: pos + headerSize, dataEnd: end - CRC_SIZE, end });
    pos = end;
  }
  return { segments, damage: null, paddingBytes: 0 };
}
