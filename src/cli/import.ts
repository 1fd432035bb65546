import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { activityStatuses, listFileActivities } from '../db/queries/activities.js';
import type { AppDeps } from '../deps.js';
import { AppError } from '../lib/errors.js';
import { toActivityView } from '../services/activity-view.js';
import { requireRunner } from '../services/runners.js';
import { acceptFitFile } from '../services/uploads.js';
import { isZipFile, readExportManifest, readZipEntries, zipEntryCount, ZipLimitError, ZipUnreadableError, type ZipLimits } from '../services/zip-archive.js';
import { zipLimitsOf } from '../services/zip-uploads.js';
import { sha256Hex } from '../lib/crypto.js';
import { startWorkers } from '../../workers/main.js';
import type { CliCommand, CliIo } from './commands.js';
import { progressLine } from './progress.js';

const FIT_NAME = /\.fit(\.gz)?$/i;
const ZIP_NAME = /\.zip$/i;

/** Files accepted before the command waits for them: bounds memory and queue depth whatever the count. */
export const IMPORT_BATCH_SIZE = 50;

export interface ImportLine {
  /** the file named on the command line (or found in a folder); for archive entries, the archive */
  file: string;
  /** the entry inside a zip archive, null for plain files */
  entry: string | null;
  /** which running session of the file this activity is (0 unless a multisport file had several) */
  sessionIndex: number | null;
  activityId: string | null;
  status: 'ready' | 'failed' | 'duplicate' | 'skipped';
  /** counts toward running load; false for noise, duplicates, non-runs (see excludedReason) */
  countedInLoad: boolean | null;
  excludedReason: string | null;
  /** why an archive entry was skipped (GPX/TCX, not a FIT file) */
  reason?: string;
  error: { code: string; message: string } | null;
  metrics: Record<string, unknown> | null;
}

/** Files named on the command line, with folders expanded (recursively) to their .fit/.fit.gz/.zip files. */
export async function expandPaths(paths: string[]): Promise<Array<{ path: string; missing?: string }>> {
  const out: Array<{ path: string; missing?: string }> = [];
  for (const p of paths) {
    let s;
    try {
      s = await stat(p);
    } catch (err) {
      out.push({ path: p, missing: (err as Error).message });
      continue;
    }
    if (s.isDirectory()) {
      const entries = (await readdir(p, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
      const nested = entries.filter((e) => e.isDirectory() || (e.isFile() && (FIT_NAME.test(e.name) || ZIP_NAME.test(e.name)))).map((e) => join(p, e.name));
      out.push(...(await expandPaths(nested)));
    } else {
      out.push({ path: p });
    }
  }
  return out;
}

type Item = { file: string; entry: string | null; bytes: () => Promise<Buffer> } | { file: string; entry: string | null; line: ImportLine };

function failedLine(file: string, entry: string | null, error: { code: string; message: string }): ImportLine {
  return { file, entry, sessionIndex: null, activityId: null, status: 'failed', countedInLoad: null, excludedReason: null, error, metrics: null };
}

type Input = { path: string; missing?: string; zip?: boolean };

/** Expanded inputs, each checked for the zip magic bytes, and the expected number of items (progress). */
async function planInputs(paths: string[]): Promise<{ inputs: Input[]; expected: number }> {
  const inputs: Input[] = [];
  let expected = 0;
  for (const f of await expandPaths(paths)) {
    if (f.missing) {
      inputs.push(f);
      expected += 1;
      continue;
    }
    try {
      const zip = await isZipFile(f.path);
      const manifest = zip ? await readExportManifest(f.path) : null;
      // an export's progress counts its FIT files only (its data files are not imported)
      expected += manifest ? manifest.files.filter((x) => x.kind === 'fit').length : zip ? await zipEntryCount(f.path).catch(() => 1) : 1;
      inputs.push({ path: f.path, zip });
    } catch (err) {
      inputs.push({ path: f.path, missing: (err as Error).message });
      expected += 1;
    }
  }
  return { inputs, expected };
}

/** Every file to import, one at a time: plain files lazily read, zip archives entry by entry. */
async function* importItems(inputs: Input[], limits: ZipLimits): AsyncGenerator<Item> {
  for (const f of inputs) {
    if (f.missing) {
      yield { file: f.path, entry: null, line: failedLine(f.path, null, { code: 'file_unreadable', message: f.missing }) };
      continue;
    }
    if (!f.zip) {
      yield { file: f.path, entry: null, bytes: () => readFile(f.path) };
      continue;
    }
    try {
      // A stridesync data export: its original FIT files are imported (each checked against the
      // manifest's SHA-256); its data files (activities, diary, weeks, …) are derived again from them.
      const manifest = await readExportManifest(f.path);
      const listed = new Map(manifest?.files.map((x) => [x.name, x]) ?? []);
      for await (const e of readZipEntries(f.path, { limits })) {
        const inManifest = listed.get(e.name);
        if (manifest && (e.name === 'manifest.json' || (inManifest && inManifest.kind !== 'fit'))) continue;
        if (e.kind === 'fit') {
          const bytes = e.bytes;
          if (manifest && (!inManifest || sha256Hex(bytes) !== inManifest.sha256)) {
            const message = inManifest ? 'the file differs from the one the export listed (SHA-256 mismatch)' : 'the file is not listed in the export manifest';
            yield { file: f.path, entry: e.name, line: failedLine(f.path, e.name, { code: 'export_checksum_mismatch', message }) };
            continue;
          }
          yield { file: f.path, entry: e.name, bytes: async () => bytes };
        } else if (e.kind === 'skipped') {
          yield {
            file: f.path,
            entry: e.name,
            line: { ...failedLine(f.path, e.name, { code: 'skipped', message: e.reason }), status: 'skipped', error: null, reason: e.reason },
          };
        } else {
          yield { file: f.path, entry: e.name, line: failedLine(f.path, e.name, { code: e.code, message: e.message }) };
        }
      }
    } catch (err) {
      const code = err instanceof ZipUnreadableError || err instanceof ZipLimitError ? err.code : 'zip_unreadable';
      yield { file: f.path, entry: null, line: failedLine(f.path, null, { code, message: (err as Error).message }) };
    }
  }
}

const POLL_MS = 100;

interface Pending {
  file: string;
  entry: string | null;
  activityId?: string;
  duplicate?: boolean;
  line?: ImportLine;
}

/** Wait until every accepted activity of the batch is ready or failed (or the deadline passes). */
async function waitForBatch(deps: AppDeps, ids: string[], timeoutMs: number): Promise<Map<string, { status: string; fileId: string | null }>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await activityStatuses(deps.db, ids);
    const byId = new Map(rows.map((r) => [r.id, { status: r.status, fileId: r.fileId }]));
    const done = ids.every((id) => ['ready', 'failed'].includes(byId.get(id)?.status ?? ''));
    if (done || Date.now() > deadline) return byId;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** One line per activity the file produced (a multisport file with two running legs gives two). */
async function linesFor(deps: AppDeps, runnerId: string, p: Pending, fileId: string | null): Promise<ImportLine[]> {
  const rows = fileId ? await listFileActivities(deps.db, runnerId, fileId) : [];
  if (rows.length === 0) return [failedLine(p.file, p.entry, { code: 'timeout', message: 'processing did not finish in time; the job is still queued' })];
  return rows.map(({ activity, metrics }) => {
    const view = toActivityView(activity, metrics);
    const settled = view.status === 'ready' || view.status === 'failed';
    const status: ImportLine['status'] = p.duplicate ? 'duplicate' : view.status === 'ready' ? (view.isRun ? 'ready' : 'skipped') : 'failed';
    const error =
      status !== 'failed' ? null : settled ? view.error : { code: 'timeout', message: 'processing did not finish in time; the job is still queued' };
    return {
      file: p.file,
      entry: p.entry,
      sessionIndex: activity.sessionIndex,
      activityId: view.id,
      status,
      countedInLoad: settled ? view.countedInLoad : null,
      excludedReason: view.excludedReason,
      error,
      metrics: view.metrics,
    };
  });
}

const PENDING_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;

/**
 * Wait for the work this import caused: the runner's weekly recomputes (debounced, so they run shortly
 * after the last run arrives). Other jobs in the queue (the hourly week-close scheduler's delayed job,
 * other runners' work) are not waited for.
 */
export async function waitForRunnerJobs(deps: Pick<AppDeps, 'queues'>, runnerId: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const jobs = await deps.queues.compute.getJobs([...PENDING_STATES]);
    const ours = jobs.filter((j) => j && j.name === 'week.recompute' && (j.data as { runnerId?: string }).runnerId === runnerId);
    if (ours.length === 0) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface ImportOptions {
  json: boolean;
  /** per batch */
  timeoutMs?: number;
  batchSize?: number;
  /** keep every line in the returned array (the summary table needs them); off for huge JSON imports */
  keepLines?: boolean;
}

/**
 * Import FIT files, `.fit.gz`, folders of them and zip archives through the same queue and processors
 * as uploads and webhooks. Files are accepted in batches of IMPORT_BATCH_SIZE and each batch is waited
 * for before the next is read, so memory stays bounded whatever the number of files. This process runs
 * compute workers itself, so the command works with or without the service running.
 */
export async function importFiles(deps: AppDeps, runnerId: string, paths: string[], io: CliIo, opts: ImportOptions): Promise<ImportLine[]> {
  await requireRunner(deps, runnerId);
  const workers = startWorkers(deps, { queues: ['compute'] });
  const lines: ImportLine[] = [];
  const keep = opts.keepLines ?? true;
  const { inputs, expected } = await planInputs(paths);
  let done = 0;
  const emit = (line: ImportLine) => {
    done += 1;
    if (keep) lines.push(line);
    if (opts.json) io.out(JSON.stringify(line));
    else io.err(progressLine(done, Math.max(done, expected), [basename(line.file), line.entry].filter(Boolean).join(' › '), line.status));
  };
  const flush = async (batch: Pending[]) => {
    const ids = batch.map((p) => p.activityId).filter((id): id is string => Boolean(id));
    const status = await waitForBatch(deps, ids, opts.timeoutMs ?? 120_000);
    for (const p of batch) {
      if (p.line) emit(p.line);
      else for (const l of await linesFor(deps, runnerId, p, status.get(p.activityId!)?.fileId ?? null)) emit(l);
    }
    batch.length = 0;
  };
  try {
    const batch: Pending[] = [];
    for await (const item of importItems(inputs, zipLimitsOf(deps.env))) {
      if ('line' in item) batch.push({ file: item.file, entry: item.entry, line: item.line });
      else {
        try {
          const bytes = await item.bytes();
          const r = await acceptFitFile(deps, { runnerId, bytes, origin: item.entry ?? basename(item.file) });
          batch.push({ file: item.file, entry: item.entry, activityId: r.activityId, duplicate: r.status === 'duplicate' });
        } catch (err) {
          const e = err instanceof AppError ? { code: err.code, message: err.message } : { code: 'file_unreadable', message: (err as Error).message };
          batch.push({ file: item.file, entry: item.entry, line: failedLine(item.file, item.entry, e) });
        }
      }
      if (batch.length >= (opts.batchSize ?? IMPORT_BATCH_SIZE)) await flush(batch);
    }
    await flush(batch);
    // Let the debounced weekly recomputes these runs scheduled finish before returning.
    await waitForRunnerJobs(deps, runnerId, 30_000);
  } finally {
    await workers.close();
  }
  return lines;
}

/** The import summary: both cadences, labelled (avg spm includes walking; run spm is the running cadence). */
export function summaryTable(lines: ImportLine[]): string[] {
  const rows = lines.map((l) => {
    const m = l.metrics as {
      distanceM?: number;
      movingTimeS?: number;
      avgCadenceSpm?: number | null;
      runCadenceSpm?: number | null;
      elevationLossM?: number | null;
    } | null;
    const km = m?.distanceM != null ? (m.distanceM / 1000).toFixed(2) : '';
    const min = m?.movingTimeS != null ? (m.movingTimeS / 60).toFixed(1) : '';
    const name = [basename(l.file), l.entry].filter(Boolean).join(' › ') + (l.sessionIndex ? ` #${l.sessionIndex}` : '');
    const note = l.error?.code ?? l.excludedReason ?? l.reason ?? '';
    return [name, l.status, km, min, m?.runCadenceSpm?.toFixed(0) ?? '', m?.avgCadenceSpm?.toFixed(0) ?? '', m?.elevationLossM?.toFixed(0) ?? '', note];
  });
  const header = ['file', 'status', 'km', 'min', 'run spm', 'avg spm', 'loss m', 'not counted / error'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const counts = lines.reduce<Record<string, number>>((acc, l) => ({ ...acc, [l.status]: (acc[l.status] ?? 0) + 1 }), {});
  return [
    fmt(header),
    ...rows.map(fmt),
    '',
    Object.entries(counts)
      .map(([k, v]) => `${v} ${k}`)
      .join(', '),
    'run spm: running cadence (steps/min while running); avg spm: whole-run average, walking included',
  ];
}

export const importCommand: CliCommand = {
  usage: 'import --runner ID PATH... [--json]           import FIT files, .fit.gz, zip archives (a stridesync export too) and folders of them',
  takesSub: false,
  matches: (cmd) => cmd === 'import',
  async run(deps, args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { runner: { type: 'string' }, json: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
    if (!values.runner || positionals.length === 0) {
      io.err('import needs --runner ID and at least one PATH');
      return 2;
    }
    const json = Boolean(values.json);
    const lines = await importFiles(deps, values.runner, positionals, io, { json, keepLines: !json });
    if (!json) for (const l of summaryTable(lines)) io.out(l);
    return 0;
  },
};
