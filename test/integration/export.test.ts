import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import request from 'supertest';
import yauzl from 'yauzl';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { importFiles } from '../../src/cli/import.js';
import { exportCookieName } from '../../src/http/pages/export.js';
import { insertExportOnce, listExportActivitiesPage, setExportReady, startExportRow } from '../../src/db/queries/exports.js';
import { runnerExports, runners } from '../../src/db/schema/index.js';
import { requestExport } from '../../src/services/exports/index.js';
import { hashToken, newToken } from '../../src/services/sessions/index.js';
import { deleteRunnerExportFiles } from '../../src/services/exports/purge.js';
import { QueueUnavailableError } from '../../src/jobs/queues.js';
import { purgeExpired } from '../../src/services/retention.js';
import { acceptFitFile } from '../../src/services/uploads.js';
import { buildRunner } from '../factories/runners.js';
import { writeZip } from '../factories/zip-writer.js';
import { FIXTURES_MISSING_MESSAGE, HAS_FIXTURES, readFit } from '../fixtures.js';
import { createTestContext, type TestContext } from '../setup/context.js';
import { openMagicLink, sessionCookieOf } from '../setup/sign-in.js';
import { startTestSmtp, type TestSmtp } from '../setup/smtp.js';

/**
 * The runner's data export end to end against real Postgres, Redis, workers and SMTP: the API and the
 * page start one export per request, the job streams the zip to EXPORT_DIR and reports progress, the
 * link's page (which a mail scanner may open) leads to a form POST that downloads once, the link
 * expires, the retention purge deletes the files, and the zip imported into a fresh runner gives the
 * same activities and metrics.
 */

let ctx: TestContext;
let smtp: TestSmtp;
let exportDir: string;
/** added to the real clock (expiry and purge tests move time forward) */
let shiftMs = 0;
let runnerId: string;

/** runs of the shared fixtures: two plain runs, a run with developer fields, a multisport file (several legs), a ride */
const FIXTURE_FILES = ['fenix2-run.fit', 'fr965-run-stamina.fit', 'stryd-run-developer-fields.fit', 'fenix2-multisport.fit', 'coros-pace2-cycling.fit'];

beforeAll(async () => {
  smtp = await startTestSmtp();
  exportDir = mkdtempSync(join(tmpdir(), 'stridesync-export-test-'));
  ctx = await createTestContext(
    {
      SMTP_URL: smtp.url,
      PUBLIC_URL: 'http://runner.test',
      EXPORT_DIR: join(exportDir, 'nested'),
      EXPORT_LINK_TTL_HOURS: '24',
      EXPORT_DOWNLOAD_GRACE_MINUTES: '60',
    },
    { now: () => new Date(Date.now() + shiftMs) },
  );
  if (!HAS_FIXTURES) return;
  const runner = await buildRunner(ctx.deps.db, { name: 'Ana =cmd|calc' });
  runnerId = runner.id;
  await ctx.deps.db.update(runners).set({ email: 'ana@example.org' }).where(eq(runners.id, runnerId));
  const workers = ctx.startWorkers();
  for (const f of FIXTURE_FILES) await acceptFitFile(ctx.deps, { runnerId, bytes: readFit(f), origin: `watch/${f}` });
  await ctx.drain(60_000);
  const [first] = await listExportActivitiesPage(ctx.deps.db, runnerId, null, 1);
  const pain = await request(ctx.app)
    .put(`/v1/runners/${runnerId}/activities/${first!.activity.id}/pain`)
    .set(ctx.auth)
    .send({ duringRun: 3, note: '=HYPERLINK("x")' });
  expect(pain.status).toBe(200);
  await ctx.drain(60_000);
  await workers.close();
}, 120_000);
afterAll(async () => {
  await ctx?.close();
  await smtp?.close();
  if (exportDir) rmSync(exportDir, { recursive: true, force: true });
});

function readZip(path: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('no zip'));
      const out = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            out.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

async function waitReady(exportId: string, runner = runnerId): Promise<request.Response> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await request(ctx.app).get(`/v1/runners/${runner}/exports/${exportId}`).set(ctx.auth);
    expect(res.status).toBe(200);
    if (res.body.status === 'ready' || res.body.status === 'failed' || Date.now() > deadline) return res;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A new export of the runner (202), built by the workers: its start response and its view once ready (or failed). */
async function startReadyExport(): Promise<{ started: request.Response; ready: request.Response }> {
  const started = await request(ctx.app).post(`/v1/runners/${runnerId}/exports`).set(ctx.auth);
  expect(started.status).toBe(202);
  const workers = ctx.startWorkers();
  const ready = await waitReady(started.body.id as string).finally(() => workers.close());
  return { started, ready };
}

/** The link's page as a browser gets it: the page, its Continue cookie (`name=value`) and the form's `_csrf` value. */
async function openExportPage(path: string): Promise<{ page: request.Response; cookie: string; csrf: string }> {
  const page = await request(ctx.app).get(path);
  expect(page.status, page.text.slice(0, 300)).toBe(200);
  const set = (page.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
  const cookie = set.find((c) => c.startsWith(`${exportCookieName(ctx.env.PUBLIC_URL)}=`))!.split(';')[0]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
  return { page, cookie, csrf };
}

/** The page's form POST: the cookie and the same value in the form. */
function postDownload(path: string, cookie: string, csrf: string): Promise<request.Response> {
  return request(ctx.app).post(path).set('Cookie', cookie).type('form').send({ _csrf: csrf }).buffer(true).parse(binary);
}

/** A form POST whose cookie and field agree, without opening the page first (for links the page already refuses). */
function postWithNonce(path: string): Promise<request.Response> {
  const nonce = 'test-export-nonce-0123456789abcdef';
  return request(ctx.app)
    .post(path)
    .set('Cookie', `${exportCookieName(ctx.env.PUBLIC_URL)}=${nonce}`)
    .type('form')
    .send({ _csrf: nonce });
}

/** What the runner does: open the e-mailed link's page, press "Download my data". */
async function download(url: string): Promise<request.Response> {
  const path = new URL(url).pathname;
  const { cookie, csrf } = await openExportPage(path);
  return postDownload(path, cookie, csrf);
}

interface Manifest {
  format: string;
  formatVersion: number;
  runnerId: string;
  createdAt: string;
  files: Array<{ name: string; kind: string; rows: number | null; bytes: number; sha256: string }>;
}

/** An export made through the API and downloaded once, saved to disk. */
async function exportAndDownload(runner: string): Promise<{ path: string; entries: Map<string, Buffer>; manifest: Manifest }> {
  const started = await request(ctx.app).post(`/v1/runners/${runner}/exports`).set(ctx.auth).set('x-request-id', `exp-${randomUUID()}`);
  expect(started.status).toBe(202);
  const workers = ctx.startWorkers();
  try {
    const ready = await waitReady(started.body.id as string, runner);
    expect(ready.body.status).toBe('ready');
    const res = await download(ready.body.downloadUrl as string);
    expect(res.status).toBe(200);
    const path = join(exportDir, `${started.body.id}.zip`);
    writeFileSync(path, res.body as Buffer);
    const entries = await readZip(path);
    return { path, entries, manifest: JSON.parse(entries.get('manifest.json')!.toString('utf8')) as Manifest };
  } finally {
    await workers.close();
  }
}

describe.skipIf(!HAS_FIXTURES)('data export', () => {
  if (!HAS_FIXTURES) console.warn(FIXTURES_MISSING_MESSAGE);
  // every download opens the link's page and posts its form from one address: start each test under the per-IP page limits
  beforeEach(async () => {
    const keys = await ctx.deps.redis.keys(`${ctx.env.REDIS_PREFIX}:rl:*`);
    if (keys.length) await ctx.deps.redis.del(...keys);
  });

  it('POST starts one export per request id; a second request while it runs answers the same export; the job reports progress and ends ready', async () => {
    const first = await request(ctx.app).post(`/v1/runners/${runnerId}/exports`).set(ctx.auth).set('x-request-id', 'export-req-1');
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ runnerId, status: 'queued', progress: 0, link: 'pending', downloadUrl: null });
    expect(first.headers.location).toBe(`/v1/runners/${runnerId}/exports/${first.body.id}`);
    expect(first.headers['cache-control']).toBe('no-store');

    const again = await request(ctx.app).post(`/v1/runners/${runnerId}/exports`).set(ctx.auth).set('x-request-id', 'export-req-1');
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const other = await request(ctx.app).post(`/v1/runners/${runnerId}/exports`).set(ctx.auth).set('x-request-id', 'export-req-2');
    expect(other.status).toBe(200);
    expect(other.body.id).toBe(first.body.id);
    expect(await ctx.deps.db.select().from(runnerExports).where(eq(runnerExports.runnerId, runnerId))).toHaveLength(1);

    // the link is not usable before the export is ready
    const early = await ctx.deps.db
      .select()
      .from(runnerExports)
      .where(eq(runnerExports.id, first.body.id as string));
    expect(early[0]!.tokenHash).toMatch(/^[0-9a-f]{64}$/);

    const mailsBefore = smtp.mails.length;
    const workers = ctx.startWorkers();
    try {
      const ready = await waitReady(first.body.id as string);
      expect(ready.body).toMatchObject({ status: 'ready', progress: 100, link: 'active' });
      expect(ready.body.bytes).toBeGreaterThan(100_000);
      expect(ready.body.downloadUrl).toMatch(/^http:\/\/runner\.test\/exports\/[A-Za-z0-9_-]{43}$/);
      const expiresIn = new Date(ready.body.expiresAt as string).getTime() - new Date(ready.body.readyAt as string).getTime();
      expect(expiresIn).toBe(24 * 3_600_000);
      // BullMQ progress, too
      const job = await ctx.deps.queues.compute.getJob(`export.build-${first.body.id}`);
      expect(job?.progress).toBe(100);
      // the link was e-mailed (quoted-printable may wrap it)
      await expect.poll(() => smtp.mails.length).toBe(mailsBefore + 1);
      const mail = smtp.mails[mailsBefore]!.replace(/=\r?\n/g, '');
      expect(mail).toMatch(/^To: ana@example\.org/m);
      expect(mail).toContain(ready.body.downloadUrl as string);
      expect(mail).toContain('press "Download my data"');
      // the file is where EXPORT_DIR says, and only the token's hash is stored in clear
      const [row] = await ctx.deps.db
        .select()
        .from(runnerExports)
        .where(eq(runnerExports.id, first.body.id as string));
      expect(row!.storageLocation).toBe(join(exportDir, 'nested', `${first.body.id}.zip`));
      expect(existsSync(row!.storageLocation!)).toBe(true);
      expect(JSON.stringify(row)).not.toContain((ready.body.downloadUrl as string).split('/').pop());

      // a new request now (none running) starts a new export
      const next = await request(ctx.app).post(`/v1/runners/${runnerId}/exports`).set(ctx.auth).set('x-request-id', 'export-req-3');
      expect(next.status).toBe(202);
      expect(next.body.id).not.toBe(first.body.id);
      expect((await waitReady(next.body.id as string)).body.status).toBe('ready');
    } finally {
      await workers.close();
    }
  }, 90_000);

  it('another runner’s export is 404, and so are unknown and malformed export ids', async () => {
    const [mine] = await ctx.deps.db.select().from(runnerExports).where(eq(runnerExports.runnerId, runnerId));
    const other = await buildRunner(ctx.deps.db);
    const res = await request(ctx.app).get(`/v1/runners/${other.id}/exports/${mine!.id}`).set(ctx.auth);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('export_not_found');
    expect(res.text).not.toContain('/exports/');
    expect((await request(ctx.app).get(`/v1/runners/${runnerId}/exports/${randomUUID()}`).set(ctx.auth)).status).toBe(404);
    expect((await request(ctx.app).get(`/v1/runners/${runnerId}/exports/not-a-uuid`).set(ctx.auth)).status).toBe(404);
    expect((await request(ctx.app).post(`/v1/runners/${randomUUID()}/exports`).set(ctx.auth)).status).toBe(404);
  });

  it('the zip holds the original files, activities, diary, weeks, warnings, cadence, settings and a manifest whose sha256s match; the link works once', async () => {
    const { entries, manifest } = await exportAndDownload(runnerId);
    expect(manifest).toMatchObject({ format: 'stridesync-export', formatVersion: 1, runnerId });
    const names = [...entries.keys()];
    for (const n of [
      'activities.json',
      'activities.csv',
      'pain-diary.json',
      'pain-diary.csv',
      'weeks.json',
      'warnings.json',
      'cadence-goals.json',
      'cadence-report.json',
      'cadence-report.csv',
      'settings.json',
      'manifest.json',
    ])
      expect(names).toContain(n);
    // every listed file is in the zip with its size and SHA-256, and every zip entry but the manifest is listed
    expect(manifest.files.map((f) => f.name).sort()).toEqual(names.filter((n) => n !== 'manifest.json').sort());
    for (const f of manifest.files) {
      const bytes = entries.get(f.name)!;
      expect(bytes.length, f.name).toBe(f.bytes);
      expect(createHash('sha256').update(bytes).digest('hex'), f.name).toBe(f.sha256);
    }

    // the original FIT files, byte for byte, named by activity date + id + original name
    const fits = manifest.files.filter((f) => f.kind === 'fit');
    expect(fits).toHaveLength(FIXTURE_FILES.length);
    for (const fixture of FIXTURE_FILES) {
      const f = fits.find((x) => x.name.endsWith(`_${fixture}`));
      expect(f, fixture).toBeDefined();
      expect(f!.name).toMatch(/^files\/\d{4}-\d{2}-\d{2}_[0-9a-f-]{36}_/);
      expect(entries.get(f!.name)!.equals(readFit(fixture))).toBe(true);
    }

    // activities: every live activity with metrics and source, JSON and CSV agree on the count
    const activities = JSON.parse(entries.get('activities.json')!.toString('utf8')) as Array<Record<string, unknown>>;
    const api = await request(ctx.app).get(`/v1/runners/${runnerId}/activities?limit=500`).set(ctx.auth);
    expect(activities.map((a) => a.id).sort()).toEqual((api.body.activities as Array<{ id: string }>).map((a) => a.id).sort());
    expect(activities.length).toBeGreaterThan(FIXTURE_FILES.length); // the multisport file made several
    for (const a of activities) expect(a).toEqual((api.body.activities as Array<Record<string, unknown>>).find((x) => x.id === a.id));
    expect(manifest.files.find((f) => f.name === 'activities.json')!.rows).toBe(activities.length);
    const csv = entries.get('activities.csv')!.toString('utf8').trim().split('\r\n');
    expect(csv).toHaveLength(activities.length + 1);
    expect(csv[0]).toMatch(/^id,source,externalId,name/);

    // the diary with the runner's answer; formula-looking text is neutralised in CSV
    const diary = JSON.parse(entries.get('pain-diary.json')!.toString('utf8')) as Array<{ painDuring: number | null; note: string | null }>;
    expect(diary.some((d) => d.painDuring === 3 && d.note === '=HYPERLINK("x")')).toBe(true);
    expect(entries.get('pain-diary.csv')!.toString('utf8')).toContain(`"'=HYPERLINK(""x"")"`);
    expect(JSON.parse(entries.get('weeks.json')!.toString('utf8')).length).toBeGreaterThan(0);
    expect(Array.isArray(JSON.parse(entries.get('warnings.json')!.toString('utf8')))).toBe(true);
    expect(JSON.parse(entries.get('cadence-report.json')!.toString('utf8'))).toMatchObject({ runnerId });

    // settings: the runner's own, without tokens, secrets or sessions
    const settings = entries.get('settings.json')!.toString('utf8');
    expect(JSON.parse(settings)).toMatchObject({ runner: { id: runnerId, email: 'ana@example.org', timezone: 'Europe/Oslo' } });
    expect(settings).not.toMatch(/token|secret|session|csrf/i);
  }, 90_000);

  it('the download is an attachment, not cached, and single use: a second one is 410 with a plain explanation', async () => {
    const { started, ready } = await startReadyExport();
    const url = ready.body.downloadUrl as string;
    const res = await download(url);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="stridesync-export-\d{4}-\d{2}-\d{2}\.zip"$/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(Number(res.headers['content-length'])).toBe(ready.body.bytes);
    expect((res.body as Buffer).length).toBe(ready.body.bytes);

    // the link's page and its form both say so now
    const second = await request(ctx.app).get(new URL(url).pathname);
    expect(second.status).toBe(410);
    expect(second.text).toContain('already downloaded');
    const again = await postWithNonce(new URL(url).pathname);
    expect(again.status).toBe(410);
    expect(again.text).toContain('already downloaded');
    expect(again.headers['content-disposition']).toBeUndefined();
    const after = await request(ctx.app).get(`/v1/runners/${runnerId}/exports/${started.body.id}`).set(ctx.auth);
    expect(after.body).toMatchObject({ link: 'used', downloadUrl: null });
    expect(after.body.downloadedAt).not.toBeNull();
    // an unknown token is 404, on the page and on its form
    expect((await request(ctx.app).get('/exports/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await postWithNonce('/exports/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);

    // the file stays for the grace period after the download, then the retention purge deletes it
    const [row] = await ctx.deps.db
      .select()
      .from(runnerExports)
      .where(eq(runnerExports.id, started.body.id as string));
    await purgeExpired({ ...ctx.deps, now: () => new Date(Date.now() + 30 * 60_000) });
    expect(existsSync(row!.storageLocation!)).toBe(true);
    await purgeExpired({ ...ctx.deps, now: () => new Date(Date.now() + 61 * 60_000) });
    expect(existsSync(row!.storageLocation!)).toBe(false);
    const [purged] = await ctx.deps.db
      .select()
      .from(runnerExports)
      .where(eq(runnerExports.id, started.body.id as string));
    expect(purged!.fileDeletedAt).not.toBeNull();
  }, 60_000);

  it('opening the e-mailed link (a mail scanner, a link preview, a HEAD) shows a page and never uses the link; only the page’s own form POST downloads', async () => {
    const { started, ready } = await startReadyExport();
    const path = new URL(ready.body.downloadUrl as string).pathname;
    const stillActive = async () => {
      const view = await request(ctx.app).get(`/v1/runners/${runnerId}/exports/${started.body.id}`).set(ctx.auth);
      expect(view.body).toMatchObject({ link: 'active', downloadUrl: ready.body.downloadUrl, downloadedAt: null });
    };

    // a scanner fetches the link, several times: each gets the same small page, never the file
    for (let i = 0; i < 3; i++) {
      const scan = await request(ctx.app).get(path).set('User-Agent', 'MailScanner/1.0');
      expect(scan.status).toBe(200);
      expect(scan.headers['content-type']).toMatch(/^text\/html/);
      expect(scan.headers['content-disposition']).toBeUndefined();
      expect(scan.headers['cache-control']).toBe('no-store');
      expect(scan.headers['x-robots-tag']).toBe('noindex, nofollow');
      expect(scan.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(scan.text).toContain(`<form method="post" action="${path}">`);
      expect(scan.text).toContain('<button type="submit">Download my data</button>');
      // what the export is: when it was made and its size
      expect(scan.text).toContain(`one zip file, ${((ready.body.bytes as number) / 1_048_576).toFixed(1)} MB`);
      expect(scan.text).toContain(
        new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Oslo' }).format(new Date(ready.body.createdAt as string)),
      );
      expect(scan.text).not.toContain('PK\u0003\u0004');
    }
    const head = await request(ctx.app).head(path);
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toMatch(/^text\/html/);
    expect(head.headers['content-disposition']).toBeUndefined();
    await stillActive();

    // a POST that is not the page's own form is refused and does not use the link
    const { cookie, csrf } = await openExportPage(path);
    const refused = [
      await request(ctx.app).post(path).type('form').send({ _csrf: csrf }), // no cookie (a scanner following the form)
      await request(ctx.app).post(path).set('Cookie', cookie).type('form').send({}), // no form value
      await request(ctx.app)
        .post(path)
        .set('Cookie', cookie)
        .type('form')
        .send({ _csrf: `${csrf}x` }), // another value
      await request(ctx.app).post(path).set('Cookie', cookie).set('Origin', 'https://evil.example').type('form').send({ _csrf: csrf }), // another site
      await request(ctx.app).post(path).set('Cookie', cookie).send({ _csrf: csrf }), // not a form
    ];
    for (const res of refused) {
      expect(res.status).toBe(403);
      expect(res.headers['content-disposition']).toBeUndefined();
      expect(res.text).toContain('Please try again');
    }
    await stillActive();

    // the runner's flow: the page, then its button (same Origin) → the zip; the link is then used
    const res = await request(ctx.app)
      .post(path)
      .set('Cookie', cookie)
      .set('Origin', ctx.env.PUBLIC_URL)
      .type('form')
      .send({ _csrf: csrf })
      .buffer(true)
      .parse(binary);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="stridesync-export-\d{4}-\d{2}-\d{2}\.zip"$/);
    expect((res.body as Buffer).length).toBe(ready.body.bytes);
    const second = await postDownload(path, cookie, csrf);
    expect(second.status).toBe(410);
    expect((second.body as Buffer).toString('utf8')).toContain('already downloaded');
    const after = await request(ctx.app).get(`/v1/runners/${runnerId}/exports/${started.body.id}`).set(ctx.auth);
    expect(after.body).toMatchObject({ link: 'used', downloadUrl: null });
  }, 60_000);

  it('the link expires after EXPORT_LINK_TTL_HOURS (410), and the purge then deletes the file', async () => {
    const started = await request(ctx.app).post(`/v1/runners/${runnerId}/exports`).set(ctx.auth);
    const workers = ctx.startWorkers();
    const ready = await waitReady(started.body.id as string).finally(() => workers.close());
    const [row] = await ctx.deps.db
      .select()
      .from(runnerExports)
      .where(eq(runnerExports.id, started.body.id as string));
    try {
      shiftMs = 25 * 3_600_000;
      const res = await request(ctx.app).get(new URL(ready.body.downloadUrl as string).pathname);
      expect(res.status).toBe(410);
      expect(res.text).toContain('has expired');
      const posted = await postWithNonce(new URL(ready.body.downloadUrl as string).pathname);
      expect(posted.status).toBe(410);
      expect(posted.text).toContain('has expired');
      const view = await request(ctx.app).get(`/v1/runners/${runnerId}/exports/${started.body.id}`).set(ctx.auth);
      expect(view.body).toMatchObject({ link: 'expired', downloadUrl: null });
      expect(existsSync(row!.storageLocation!)).toBe(true);
      expect((await purgeExpired(ctx.deps)).exportFiles).toBeGreaterThanOrEqual(1);
      expect(existsSync(row!.storageLocation!)).toBe(false);
    } finally {
      shiftMs = 0;
    }
  }, 60_000);

  it('the Export page: signed in, a button (form POST with CSRF) → progress on reload → the download link', async () => {
    const link = await request(ctx.app).post(`/v1/runners/${runnerId}/links`).set(ctx.auth);
    const opened = await openMagicLink(ctx.app, ctx.env.PUBLIC_URL, new URL(link.body.url as string).pathname);
    expect(opened.status).toBe(303);
    const cookie = sessionCookieOf(opened, ctx.env.PUBLIC_URL);

    expect((await request(ctx.app).get('/export')).status).toBe(401);
    const page = await request(ctx.app).get('/export').set('Cookie', cookie);
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain('<form method="post" action="/export">');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const requestId = /name="requestId" value="([^"]+)"/.exec(page.text)![1]!;

    // without the CSRF token nothing starts
    const forged = await request(ctx.app).post('/export').set('Cookie', cookie).type('form').send({ requestId });
    expect(forged.status).toBe(403);
    const before = (await ctx.deps.db.select().from(runnerExports).where(eq(runnerExports.runnerId, runnerId))).length;

    const posted = await request(ctx.app).post('/export').set('Cookie', cookie).type('form').send({ _csrf: csrf, requestId });
    expect(posted.status).toBe(303);
    expect(posted.headers.location).toBe('/export?started=1');
    // the same form sent twice is one export
    expect((await request(ctx.app).post('/export').set('Cookie', cookie).type('form').send({ _csrf: csrf, requestId })).status).toBe(303);
    expect(await ctx.deps.db.select().from(runnerExports).where(eq(runnerExports.runnerId, runnerId))).toHaveLength(before + 1);

    const progress = await request(ctx.app).get('/export?started=1').set('Cookie', cookie);
    expect(progress.text).toContain('Your export is being prepared');
    expect(progress.text).toContain('<meta http-equiv="refresh" content="5">');
    expect(progress.text).not.toContain('<form method="post" action="/export">');

    const workers = ctx.startWorkers();
    try {
      await ctx.drain(60_000);
    } finally {
      await workers.close();
    }
    const done = await request(ctx.app).get('/export').set('Cookie', cookie);
    expect(done.text).toContain('Your export is ready');
    const href = /<a class="button" href="([^"]+)">Download your data<\/a>/.exec(done.text)![1]!;
    expect(href).toMatch(/^http:\/\/runner\.test\/exports\//);
    const zip = await download(href);
    expect(zip.status).toBe(200);
    expect((zip.body as Buffer).subarray(0, 4).toString('hex')).toBe('504b0304');
    const used = await request(ctx.app).get('/export').set('Cookie', cookie);
    expect(used.text).toContain('was downloaded');
    expect(used.text).toContain('<form method="post" action="/export">');
  }, 90_000);

  it('re-import: the export zip imported into a fresh runner gives the same activities and metrics, field by field', async () => {
    const { path } = await exportAndDownload(runnerId);
    const fresh = await buildRunner(ctx.deps.db);
    const io = { out: () => undefined, err: () => undefined, isTty: false };
    const lines = await importFiles(ctx.deps, fresh.id, [path], io, { json: true });
    expect(lines.filter((l) => l.status === 'failed')).toEqual([]);
    // only the original files are imported; the export's data files are not reported as skipped files
    expect(lines.every((l) => l.entry?.startsWith('files/'))).toBe(true);
    expect(new Set(lines.map((l) => l.entry)).size).toBe(FIXTURE_FILES.length);

    const load = async (id: string) => {
      const res = await request(ctx.app).get(`/v1/runners/${id}/activities?limit=500`).set(ctx.auth);
      return (res.body.activities as Array<Record<string, unknown>>)
        .map(({ id: _id, runnerId: _r, pain: _p, painLight: _l, duplicateOf: _d, ...rest }) => rest)
        .sort((a, b) => `${a.startTime}${a.externalId}${a.name}`.localeCompare(`${b.startTime}${b.externalId}${b.name}`));
    };
    const original = await load(runnerId);
    const imported = await load(fresh.id);
    expect(imported).toHaveLength(original.length);
    for (let i = 0; i < original.length; i++) expect(imported[i], String(original[i]!.externalId)).toEqual(original[i]);
  }, 120_000);

  it('re-import refuses a FIT file that differs from the export manifest or is not listed in it', async () => {
    const { entries } = await exportAndDownload(runnerId);
    const manifest = entries.get('manifest.json')!;
    const fits = [...entries.keys()].filter((n) => n.startsWith('files/'));
    const tampered = Buffer.from(entries.get(fits[0]!)!);
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 3) ^ 0xff, tampered.length - 3);
    const path = await writeZip(join(exportDir, 'tampered.zip'), [
      { name: fits[0]!, data: tampered },
      { name: 'files/extra.fit', data: readFit('fenix5-run-short.fit') },
      { name: 'manifest.json', data: manifest },
    ]);
    const fresh = await buildRunner(ctx.deps.db);
    const io = { out: () => undefined, err: () => undefined, isTty: false };
    const lines = await importFiles(ctx.deps, fresh.id, [path], io, { json: true });
    expect(lines.map((l) => [l.entry, l.status, l.error?.code])).toEqual([
      [fits[0], 'failed', 'export_checksum_mismatch'],
      ['files/extra.fit', 'failed', 'export_checksum_mismatch'],
    ]);
    const res = await request(ctx.app).get(`/v1/runners/${fresh.id}/activities`).set(ctx.auth);
    expect(res.body.activities).toEqual([]);
  }, 90_000);

  it('deleting a runner’s export files (erasure) removes them from EXPORT_DIR and ends their links', async () => {
    const runner = await buildRunner(ctx.deps.db);
    await acceptFitFile(ctx.deps, { runnerId: runner.id, bytes: readFit('fenix5-run-short.fit'), origin: 'short.fit' });
    const started = await request(ctx.app).post(`/v1/runners/${runner.id}/exports`).set(ctx.auth);
    const workers = ctx.startWorkers();
    const ready = await waitReady(started.body.id as string, runner.id).finally(() => workers.close());
    expect(ready.body.status).toBe('ready');
    const [row] = await ctx.deps.db
      .select()
      .from(runnerExports)
      .where(eq(runnerExports.id, started.body.id as string));
    expect(existsSync(row!.storageLocation!)).toBe(true);

    expect(await deleteRunnerExportFiles(ctx.deps, runner.id)).toBe(1);
    expect(existsSync(row!.storageLocation!)).toBe(false);
    const res = await request(ctx.app).get(new URL(ready.body.downloadUrl as string).pathname);
    expect(res.status).toBe(410);
    // the rows go with the runner
    await ctx.deps.db.delete(runners).where(eq(runners.id, runner.id));
    expect(await ctx.deps.db.select().from(runnerExports).where(eq(runnerExports.runnerId, runner.id))).toEqual([]);
  }, 60_000);

  it('when the queue cannot take the job, the export is marked failed (not left queued), so the next request starts a new one', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const down = {
      ...ctx.deps,
      enqueue: (async () => {
        throw new QueueUnavailableError();
      }) as typeof ctx.deps.enqueue,
    };
    await expect(requestExport(down, runner.id, 'req-down')).rejects.toBeInstanceOf(QueueUnavailableError);
    const [row] = await ctx.deps.db.select().from(runnerExports).where(eq(runnerExports.runnerId, runner.id));
    expect(row).toMatchObject({ status: 'failed', error: { code: 'queue_unavailable' }, tokenEncrypted: null });
    const again = await request(ctx.app).post(`/v1/runners/${runner.id}/exports`).set(ctx.auth);
    expect(again.status).toBe(202);
    expect(again.body.id).not.toBe(row!.id);
  });

  it('a download that breaks off before the whole file was sent gives the link back; the next complete one uses it', async () => {
    const runner = await buildRunner(ctx.deps.db);
    const token = newToken();
    const { row } = await insertExportOnce(ctx.deps.db, { runnerId: runner.id, requestId: 'big', tokenHash: hashToken(token), tokenEncrypted: null });
    await startExportRow(ctx.deps.db, row.id, new Date());
    const path = join(exportDir, 'big.zip');
    writeFileSync(path, randomBytes(48 * 1_048_576)); // far more than loopback socket buffers hold
    await setExportReady(ctx.deps.db, row.id, {
      bytes: 48 * 1_048_576,
      storageLocation: path,
      readyAt: new Date(),
      expiresAt: new Date(Date.now() + 3_600_000),
    });

    const server = ctx.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const port = (server.address() as AddressInfo).port;
      const { cookie, csrf } = await openExportPage(`/exports/${token}`);
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest(
          `http://127.0.0.1:${port}/exports/${token}`,
          { method: 'POST', headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' } },
          (res) => {
            expect(res.statusCode).toBe(200);
            res.once('data', () => {
              req.destroy();
              resolve();
            });
          },
        );
        req.on('error', (err) => (err.message.includes('socket hang up') ? resolve() : reject(err)));
        req.end(`_csrf=${encodeURIComponent(csrf)}`);
      });
      await expect
        .poll(async () => (await ctx.deps.db.select().from(runnerExports).where(eq(runnerExports.id, row.id)))[0]!.downloadedAt, { timeout: 10_000 })
        .toBeNull();
      // the claim is given back only once the broken stream has ended; the link then works in full, once
      const full = await postDownload(`/exports/${token}`, cookie, csrf);
      expect(full.status).toBe(200);
      expect((full.body as Buffer).length).toBe(48 * 1_048_576);
      expect((await postDownload(`/exports/${token}`, cookie, csrf)).status).toBe(410);
    } finally {
      server.close();
    }
  }, 60_000);
});
