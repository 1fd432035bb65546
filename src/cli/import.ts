import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { findRunnerActivity } from '../db/queries/activities.js';
import type { AppDeps } from '../deps.js';
import { AppError } from '../lib/errors.js';
import { toActivityView } from '../services/activity-view.js';
import { requireRunner } from '../services/runners.js';
import { acceptFitFile } from '../services/uploads.js';
import { startWorkers } from '../../workers/main.js';
import type { CliCommand, CliIo } from './commands.js';
import { progressLine } from './progress.js';

const FIT_NAME = /\.fit(\.gz)?$/i;

export interface ImportLine {
  file: string;
  activityId: string | null;
  status: 'ready' | 'failed' | 'duplicate' | 'skipped';
  error: { code: string; message: string } | null;
  metrics: Record<string, unknown> | null;
}

/** Files named on the command line, with folders expanded (recursively) to their .fit/.fit.gz files. */
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
      const nested = entries.filter((e) => e.isDirectory() || (e.isFile() && FIT_NAME.test(e.name))).map((e) => join(p, e.name));
      out.push(...(await expandPaths(nested)));
    } else {
      out.push({ path: p });
    }
  }
  return out;
}

const POLL_MS = 100;

async function waitForActivity(deps: AppDeps, runnerId: string, activityId: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await findRunnerActivity(deps.db, runnerId, activityId);
    if (row && (row.activity.status === 'ready' || row.activity.status === 'failed')) return row;
    if (Date.now() > deadline) return row;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * Import FIT files through the same queue and processors as uploads and webhooks, waiting for each.
 * This process runs compute workers itself, so the command works with or without the service running.
 */
export async function importFiles(deps: AppDeps, runnerId: string, paths: string[], io: CliIo, opts: { json: boolean; timeoutMs?: number }): Promise<ImportLine[]> {
  await requireRunner(deps, runnerId);
  const files = await expandPaths(paths);
  const workers = startWorkers(deps, { queues: ['compute'] });
  const lines: ImportLine[] = [];
  try {
    const accepted: Array<{ file: string; activityId?: string; dup?: boolean; line?: ImportLine }> = [];
    for (const f of files) {
      if (f.missing) {
        accepted.push({ file: f.path, line: { file: f.path, activityId: null, status: 'failed', error: { code: 'file_unreadable', message: f.missing }, metrics: null } });
        continue;
      }
      try {
        const bytes = await readFile(f.path);
        const r = await acceptFitFile(deps, { runnerId, bytes, origin: basename(f.path) });
        accepted.push({ file: f.path, activityId: r.activityId, dup: r.status === 'duplicate' });
      } catch (err) {
        const e = err instanceof AppError ? { code: err.code, message: err.message } : { code: 'file_unreadable', message: (err as Error).message };
        accepted.push({ file: f.path, line: { file: f.path, activityId: null, status: 'failed', error: e, metrics: null } });
      }
    }
    for (const [i, a] of accepted.entries()) {
      let line = a.line;
      if (!line) {
        const row = await waitForActivity(deps, runnerId, a.activityId!, opts.timeoutMs ?? 120_000);
        const view = row ? toActivityView(row.activity, row.metrics) : null;
        const status: ImportLine['status'] = a.dup ? 'duplicate' : view?.status === 'failed' ? 'failed' : view?.status === 'ready' ? (view.isRun ? 'ready' : 'skipped') : 'failed';
        const error = view?.error ?? (view?.status === 'ready' || a.dup ? null : { code: 'timeout', message: 'processing did not finish in time; the job is still queued' });
        line = { file: a.file, activityId: a.activityId!, status, error: status === 'failed' ? error : null, metrics: view?.metrics ?? null };
      }
      lines.push(line);
      if (opts.json) io.out(JSON.stringify(line));
      else io.err(progressLine(i + 1, accepted.length, basename(a.file), line.status));
    }
    // Let the debounced weekly recomputes these runs scheduled finish before returning.
    await waitForQueueIdle(deps, 30_000);
  } finally {
    await workers.close();
  }
  return lines;
}

async function waitForQueueIdle(deps: AppDeps, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const c = await deps.queues.compute.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    if (Object.values(c).every((n) => n === 0)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

function summaryTable(lines: ImportLine[]): string[] {
  const rows = lines.map((l) => {
    const m = l.metrics as { distanceM?: number; movingTimeS?: number; avgCadenceSpm?: number; elevationLossM?: number } | null;
    const km = m?.distanceM != null ? (m.distanceM / 1000).toFixed(2) : '';
    const min = m?.movingTimeS != null ? (m.movingTimeS / 60).toFixed(1) : '';
    return [basename(l.file), l.status, km, min, m?.avgCadenceSpm?.toFixed(0) ?? '', m?.elevationLossM?.toFixed(0) ?? '', l.error?.code ?? ''];
  });
  const header = ['file', 'status', 'km', 'min', 'spm', 'loss m', 'error'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  const counts = lines.reduce<Record<string, number>>((acc, l) => ({ ...acc, [l.status]: (acc[l.status] ?? 0) + 1 }), {});
  return [fmt(header), ...rows.map(fmt), '', Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')];
}

export const importCommand: CliCommand = {
  usage: 'import --runner ID PATH... [--json]           import FIT files, .fit.gz and folders of them',
  takesSub: false,
  matches: (cmd) => cmd === 'import',
  async run(deps, args, io) {
    const { values, positionals } = parseArgs({ args, options: { runner: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
    if (!values.runner || positionals.length === 0) {
      io.err('import needs --runner ID and at least one PATH');
      return 2;
    }
    const lines = await importFiles(deps, values.runner, positionals, io, { json: Boolean(values.json) });
    if (!values.json) for (const l of summaryTable(lines)) io.out(l);
    return 0;
  },
};
