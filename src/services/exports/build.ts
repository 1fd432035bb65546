import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppDeps } from '../../deps.js';
import {
  countExportActivities,
  countExportFiles,
  firstActivityDate,
  listCadenceGoalsOf,
  listExportActivitiesPage,
  listExportFilesPage,
  listFileBytes,
  markExportEmailed,
  setExportProgress,
  setExportReady,
  setExportStorage,
  startExportRow,
  type ActivityCursor,
  type ExportFileMeta,
  type ExportRow,
} from '../../db/queries/exports.js';
import { listWarnings } from '../../db/queries/warnings.js';
import { listWeeks } from '../../db/queries/weeks.js';
import { localDateOf } from '../../domain/iso-week.js';
import { cadenceReportCsv } from '../../domain/reports/cadence.js';
import { decryptSecret } from '../../lib/crypto.js';
import type { Logger } from '../../lib/logger.js';
import { toActivityView, type ActivityView } from '../activity-view.js';
import { getCadenceReport } from '../cadence/index.js';
import { diaryCsv, getDiary, painRowsFor, painView } from '../pain/diary.js';
import { csvCell } from '../../domain/csv.js';
import { getRunnerView } from '../runners.js';
import { listShares } from '../shares.js';
import { weekViews, warningView } from '../week-view.js';
import { downloadUrlOf } from './index.js';
import { sendExportReadyMail } from './mail.js';
import { ZipSink, type ManifestFile } from './zip-sink.js';

export const EXPORT_FORMAT = 'stridesync-export';
export const EXPORT_FORMAT_VERSION = 1;
/** activities read per query (keyset pages) */
export const EXPORT_PAGE_SIZE = 200;
/**
 * FIT files are stored, not deflated: deflate (even level 1) halves their size but doubled the export's
 * time in `npm run bench -- export` (5-year history: 38.7 s for a 215 MB zip vs 18.5 s for 444 MB);
 * the JSON and CSV files are deflated.
 */
const FIT_COMPRESSION_LEVEL = 0;
/** original files read per query (a group; the next group is read while one is written) */
const FILES_PER_READ = 8;

export type BuildDeps = Pick<AppDeps, 'db' | 'env' | 'now' | 'log'>;

/** The zip of an export lies here (EXPORT_DIR/<export id>.zip). */
export function exportPath(env: { EXPORT_DIR: string }, exportId: string): string {
  return join(env.EXPORT_DIR, `${exportId}.zip`);
}

/** A FIT file's name in the zip: `files/<activity date>_<activity id>_<original name>.fit` (only safe characters). */
export function fitEntryName(f: { localDate: string | null; activityId: string; origin: string | null }): string {
  const base = (f.origin ?? 'upload').split(/[\\/]/).pop() ?? 'upload';
  let name = base
    .replace(/\.gz$/i, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, 100);
  if (!/\.fit$/i.test(name)) name = `${name || 'activity'}.fit`;
  return `files/${f.localDate ?? 'undated'}_${f.activityId}_${name}`;
}

/** The activities CSV: one line per activity with its metrics and source. */
export const ACTIVITY_CSV_COLUMNS = [
  'id',
  'source',
  'externalId',
  'name',
  'sport',
  'subSport',
  'isRun',
  'countedInLoad',
  'excludedReason',
  'duplicateOf',
  'startTime',
  'localDate',
  'utcOffsetS',
  'status',
  'distanceM',
  'elapsedTimeS',
  'movingTimeS',
  'avgSpeedMps',
  'avgPaceSPerKm',
  'avgCadenceSpm',
  'runCadenceSpm',
  'cadenceSource',
  'cadenceQuality',
  'walkShare',
  'steps',
  'elevationGainM',
  'elevationLossM',
  'elevationSource',
  'elevationMethod',
  'descentPerKm',
  'partial',
  'painLight',
] as const;

function activityCsvLine(v: ActivityView): string {
  const m = (v.metrics ?? {}) as Record<string, unknown>;
  const top = v as unknown as Record<string, unknown>;
  return ACTIVITY_CSV_COLUMNS.map((c) => csvCell(c in top ? top[c] : m[c])).join(',');
}

/** Every live activity of the runner with its metrics and pain, page by page (never the whole history at once). */
async function* activityViews(deps: BuildDeps, runnerId: string): AsyncGenerator<ActivityView[]> {
  let cursor: ActivityCursor | null = null;
  for (;;) {
    const rows = await listExportActivitiesPage(deps.db, runnerId, cursor, EXPORT_PAGE_SIZE);
    if (rows.length === 0) return;
    const pain = await painRowsFor(
      deps.db,
      rows.map((r) => r.activity.id),
    );
    yield rows.map((r) => toActivityView(r.activity, r.metrics, painView(pain.get(r.activity.id))));
    const last = rows[rows.length - 1]!.activity;
    cursor = { startTime: last.startTime, id: last.id };
    if (rows.length < EXPORT_PAGE_SIZE) return;
  }
}

/** Write a JSON array element by element. */
async function jsonArray(write: (s: string) => Promise<void>, items: AsyncIterable<unknown[]> | unknown[][]): Promise<number> {
  let n = 0;
  await write('[');
  for await (const page of items) {
    for (const item of page) {
      await write(`${n === 0 ? '\n' : ',\n'}${JSON.stringify(item)}`);
      n += 1;
    }
  }
  await write(n ? '\n]\n' : ']\n');
  return n;
}

export interface BuildResult {
  bytes: number;
  files: ManifestFile[];
}

/**
 * Write the runner's export zip to `path`: the original FIT files, activities (JSON + CSV), the pain
 * diary, weeks, warnings, cadence goals and report, settings, and last the manifest (each file's kind,
 * rows, size and SHA-256). `progress` gets 0–99 as the work goes.
 */
export async function writeExportZip(
  deps: BuildDeps,
  input: { exportId: string; runnerId: string; createdAt: Date; path: string },
  progress: (pct: number) => Promise<void>,
): Promise<BuildResult> {
  const { runnerId } = input;
  const [activityCount, fileCount] = await Promise.all([countExportActivities(deps.db, runnerId), countExportFiles(deps.db, runnerId)]);
  // units of work: each activity twice (JSON, CSV), each file once, and ten small parts
  const total = activityCount * 2 + fileCount + 10;
  let done = 0;
  let reported = -1;
  const step = async (n: number) => {
    done += n;
    const pct = Math.min(99, Math.floor((done / total) * 100));
    if (pct !== reported) {
      reported = pct;
      await progress(pct);
    }
  };

  const sink = new ZipSink(input.path, input.createdAt);
  try {
    // The original files, one at a time (metadata in pages, bytes one file at a time).
    let afterId: string | null = null;
    for (;;) {
      const page = await listExportFilesPage(deps.db, runnerId, afterId, EXPORT_PAGE_SIZE);
      // Bytes are read a few files per query, and the next group while this one is written (Postgres and
      // the deflate overlap); at most two groups are in memory.
      const groups: ExportFileMeta[][] = [];
      for (let i = 0; i < page.length; i += FILES_PER_READ) groups.push(page.slice(i, i + FILES_PER_READ));
      const readGroup = (g: ExportFileMeta[] | undefined) => {
        const p = g
          ? listFileBytes(
              deps.db,
              runnerId,
              g.map((f) => f.id),
            )
          : Promise.resolve(new Map<string, Buffer>());
        p.catch(() => undefined);
        return p;
      };
      let next = readGroup(groups[0]);
      for (const [gi, group] of groups.entries()) {
        const contents = await next;
        next = readGroup(groups[gi + 1]);
        for (const f of group) {
          const bytes = contents.get(f.id);
          if (!bytes) continue;
          await sink.entry(
            fitEntryName(f),
            { kind: 'fit', description: `original file as received (${f.origin ?? 'upload'})`, compressionLevel: FIT_COMPRESSION_LEVEL },
            async (write) => {
              await write(bytes);
              return null;
            },
          );
          await step(1);
        }
      }
      if (page.length < EXPORT_PAGE_SIZE) break;
      afterId = page[page.length - 1]!.id;
    }

    await sink.entry('activities.json', { kind: 'activities', description: 'every activity with its metrics, source and pain (JSON array)' }, (write) =>
      jsonArray(
        write,
        (async function* () {
          for await (const page of activityViews(deps, runnerId)) {
            yield page;
            await step(page.length);
          }
        })(),
      ),
    );
    await sink.entry(
      'activities.csv',
      { kind: 'activities', description: 'every activity with its metrics and source (CSV, one line per activity)' },
      async (write) => {
        let n = 0;
        await write(`${ACTIVITY_CSV_COLUMNS.join(',')}\r\n`);
        for await (const page of activityViews(deps, runnerId)) {
          await write(page.map((v) => `${activityCsvLine(v)}\r\n`).join(''));
          n += page.length;
          await step(page.length);
        }
        return n;
      },
    );

    const diary = await getDiary(deps, runnerId);
    await sink.entry('pain-diary.json', { kind: 'diary', description: 'the pain diary: one row per counted run with its pain answers (JSON array)' }, (write) =>
      jsonArray(write, [diary]),
    );
    await sink.entry('pain-diary.csv', { kind: 'diary', description: 'the pain diary as CSV' }, async (write) => {
      await write(diaryCsv(diary));
      return diary.length;
    });
    await step(2);

    const weeks = await weekViews(deps.db, runnerId, await listWeeks(deps.db, runnerId, { limit: 1_000_000 }));
    await sink.entry('weeks.json', { kind: 'weeks', description: 'weekly load with its changes and open warnings, newest first (JSON array)' }, (write) =>
      jsonArray(write, [weeks]),
    );
    const warnings = (await listWarnings(deps.db, runnerId)).map(warningView);
    await sink.entry('warnings.json', { kind: 'warnings', description: 'every warning, open and resolved (JSON array)' }, (write) =>
      jsonArray(write, [warnings]),
    );
    await step(2);

    const goals = await listCadenceGoalsOf(deps.db, runnerId);
    await sink.entry(
      'cadence-goals.json',
      { kind: 'cadence-goals', description: 'every cadence goal, the active one and those it replaced (JSON array)' },
      (write) => jsonArray(write, [goals]),
    );
    const runner = await getRunnerView(deps, runnerId);
    const first = await firstActivityDate(deps.db, runnerId);
    const today = localDateOf(deps.now(), null, runner.timezone);
    const report = await getCadenceReport(deps, runnerId, first && first <= today ? { from: first } : {});
    await sink.entry(
      'cadence-report.json',
      { kind: 'cadence-report', description: 'the cadence report over the whole history (JSON object; rows = runs)' },
      async (write) => {
        await write(`${JSON.stringify(report)}\n`);
        return report.runs.length;
      },
    );
    await sink.entry('cadence-report.csv', { kind: 'cadence-report', description: 'the cadence report runs as CSV' }, async (write) => {
      await write(cadenceReportCsv(report));
      return report.runs.length;
    });
    await step(3);

    // The runner's own settings: profile, prompt settings, which platforms are connected, share links.
    // Never tokens, secrets or session data.
    const shares = await listShares(deps, runnerId);
    const settings = { runner, shares };
    await sink.entry(
      'settings.json',
      { kind: 'settings', description: 'profile, prompt settings, connected platforms and share links (no tokens, secrets or sessions)' },
      async (write) => {
        await write(`${JSON.stringify(settings, null, 2)}\n`);
        return 1;
      },
    );
    await step(3);

    const manifest = {
      format: EXPORT_FORMAT,
      formatVersion: EXPORT_FORMAT_VERSION,
      exportId: input.exportId,
      runnerId,
      createdAt: input.createdAt.toISOString(),
      files: sink.files,
    };
    await sink.buffer('manifest.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
    const bytes = await sink.close();
    return { bytes, files: sink.files };
  } catch (err) {
    sink.abort();
    throw err;
  }
}

/**
 * The `export.build` job: mark the export running, write its zip under EXPORT_DIR (replacing a
 * partial one from an earlier attempt), mark it ready with its link's expiry, and e-mail the link when
 * the runner has an address and mail is configured. A finished export is left alone.
 */
export async function runExport(
  deps: BuildDeps,
  exportId: string,
  opts: { onProgress?: (pct: number) => Promise<void>; log?: Logger } = {},
): Promise<{ status: 'ready' | 'skipped'; bytes?: number }> {
  const row = await startExportRow(deps.db, exportId, deps.now());
  if (!row) return { status: 'skipped' };
  await mkdir(deps.env.EXPORT_DIR, { recursive: true, mode: 0o700 });
  const path = exportPath(deps.env, row.id);
  await setExportStorage(deps.db, row.id, path);
  let lastWrite = 0;
  const result = await writeExportZip(deps, { exportId: row.id, runnerId: row.runnerId, createdAt: row.createdAt, path }, async (pct) => {
    await opts.onProgress?.(pct);
    // the row is what the page and the API show; one write a second is plenty
    if (Date.now() - lastWrite >= 1_000) {
      lastWrite = Date.now();
      await setExportProgress(deps.db, row.id, pct, deps.now());
    }
  }).catch(async (err: unknown) => {
    await rm(path, { force: true }).catch(() => undefined);
    throw err;
  });
  const readyAt = deps.now();
  const ready = await setExportReady(deps.db, row.id, {
    bytes: result.bytes,
    storageLocation: path,
    readyAt,
    expiresAt: new Date(readyAt.getTime() + deps.env.EXPORT_LINK_TTL_HOURS * 3_600_000),
  });
  await opts.onProgress?.(100);
  if (ready) await mailLink(deps, ready, opts.log ?? deps.log);
  return { status: 'ready', bytes: result.bytes };
}

async function mailLink(deps: BuildDeps, row: ExportRow, log: Logger): Promise<void> {
  if (!row.tokenEncrypted || row.emailedAt) return;
  const runner = await getRunnerView(deps, row.runnerId);
  const url = downloadUrlOf(deps.env, decryptSecret(row.tokenEncrypted, deps.env.tokenEncryptionKey));
  const sent = await sendExportReadyMail({ env: deps.env, log }, runner, { url, expiresAt: row.expiresAt!, bytes: row.bytes ?? 0 });
  if (sent) await markExportEmailed(deps.db, row.id, deps.now());
}
