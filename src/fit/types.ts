import type { Run } from '../domain/run.js';

/** Stable codes for a FIT file that cannot be turned into runs (docs/ingestion.md "FIT files that cannot be imported"). */
export const FIT_ERROR_CODES = [
  'fit_not_fit',
  'fit_bad_crc',
  'fit_truncated',
  'fit_bad_chained_header',
  'fit_no_session',
  'fit_too_large',
  'fit_decode_error',
] as const;
export type FitErrorCode = (typeof FIT_ERROR_CODES)[number];

export interface FitDecodeFailure {
  ok: false;
  code: FitErrorCode;
  /** one sentence a runner or support person can act on */
  message: string;
}

export interface FitDecodeSuccess {
  ok: true;
  /**
   * One Run per running session, in start-time order. A file without a running session gives exactly one
   * Run with `isRun: false` describing its main (longest) session.
   */
  runs: Run[];
  /** true when part of the file (a damaged later chained file) was skipped; every Run carries it too */
  partial: boolean;
  /** human-readable notes about repairs and skipped parts, also copied into each Run's `notes` */
  warnings: string[];
}

export type FitDecodeResult = FitDecodeSuccess | FitDecodeFailure;

export interface FitDecodeOptions {
  /** files larger than this are refused with `fit_too_large` before any parsing (default 64 MB) */
  maxBytes?: number;
}

export const DEFAULT_FIT_MAX_BYTES = 64 * 1024 * 1024;
