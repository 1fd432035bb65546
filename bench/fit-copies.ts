import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeFit } from '../src/fit/decode.js';
import { FIT_DIR } from '../test/fixtures.js';
import { timeshiftFit } from './fit-timeshift.js';

/** The real watch runs (shared fixtures) the export and import benchmarks copy across their history. */
export const FIXTURES = ['fenix2-run.fit', 'fr965-run-stamina.fit'];

/** Copies of a fixture moved in time by byte patching (decoding and re-encoding costs ~1 s per copy). */
export function copier(file: string): (newStart: Date) => Uint8Array {
  const bytes = readFileSync(join(FIT_DIR, file));
  const decoded = decodeFit(bytes);
  if (!decoded.ok) throw new Error(`${file}: ${decoded.message}`);
  const start = decoded.runs[0]!.startTime.getTime();
  return (newStart) => timeshiftFit(bytes, Math.round((newStart.getTime() - start) / 1000));
}
