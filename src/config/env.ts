import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import webpush from 'web-push';
import { z } from 'zod';
import { webhookSecretKey } from '../lib/webhook-secret.js';
import { parseRetention, RETENTION_FORMAT, type Retention } from '../domain/retention.js';

/**
 * The service's whole configuration (README.md "Configuration"), parsed once at start-up.
 * Nothing else reads process.env. A bad value stops the process with one line naming the variable.
 */

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

/** `<SOURCE>_RETENTION`: `indefinite` or `cache:<n>d` (docs/security.md "Retention per source"). */
const retention = (fallback: string) =>
  z
    .string()
    .trim()
    .default(fallback)
    .transform((v, ctx): Retention => {
      const parsed = parseRetention(v === '' ? fallback : v);
      if (parsed) return parsed;
      ctx.addIssue({ code: 'custom', message: RETENTION_FORMAT });
      return z.NEVER;
    });

const url = (fallback: string) => z.string().trim().url().default(fallback);

const base64Key32 = z
  .string()
  .trim()
  .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes encoded as base64 (openssl rand -base64 32)');

/** "4gb", "512mb", "1000" → bytes (the value matched the size pattern already). */
function byteSize(v: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(v)!;
  return Math.floor(Number(m[1]) * { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b']);
}

/** express's `trust proxy` setting: false, a hop count, or a list of addresses, CIDRs and range names. */
export type TrustProxy = false | number | string[];

const TRUST_PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * TRUST_PROXY → express's `trust proxy` value, or `!<message>` when it is none of: `false`, a hop
 * count (0–10), or a comma list of IPv4/IPv6 addresses, CIDRs and the names loopback, linklocal,
 * uniquelocal. `true` (trust every hop) is refused: any client could then pick its own address.
 */
export function parseTrustProxy(value: string): TrustProxy | `!${string}` {
  const v = value.trim().toLowerCase();
  if (v === 'false' || v === '0') return false;
  if (v === 'true') return "!true would trust every client to name its own address; give a hop count or the proxies' addresses";
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    return hops <= 10 ? hops : '!a hop count must be 0–10';
  }
  const items = v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  if (items.length === 0) return '!loopback, a hop count, false, or a comma list of addresses and CIDRs';
  for (const item of items) {
    if (TRUST_PROXY_NAMES.has(item)) continue;
    const [addr, prefix, extra] = item.split('/');
    const family = isIP(addr ?? '');
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32));
    if (!family || !prefixOk || extra !== undefined) return `!"${item}" is not an IP address, a CIDR, loopback, linklocal or uniquelocal`;
  }
  return items;
}

/** True for an http:// PUBLIC_URL whose host is this machine (localhost, 127.0.0.0/8, ::1). */
export function isLocalHttpUrl(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .default('postgres://postgres@127.0.0.1:5432/stridesync'),
  REDIS_URL: z
    .string()
    .trim()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .default('redis://127.0.0.1:6379'),
  /**
   * prefix of every Redis key (BullMQ queues, rate-limit counters, locks); lets deployments and test files
   * share one Redis. Default: `stridesync-<database name>` (defaultRedisPrefix), so two deployments on
   * different databases never consume each other's jobs.
   */
  REDIS_PREFIX: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]*$/, 'letters, digits, _ and - only')
    .optional()
    .transform((v) => (v === '' ? undefined : v)),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** defaults to http://localhost:<PORT> */
  PUBLIC_URL: z
    .string()
    .trim()
    .url()
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** `true` lets a production PUBLIC_URL be plain http (other than localhost); see docs/operations.md */
  ALLOW_INSECURE_PUBLIC_URL: z
    .enum(['true', 'false', ''])
    .default('false')
    .transform((v) => v === 'true'),
  /**
   * which proxies in front of the API are trusted to name the client's address (X-Forwarded-For), used
   * by the rate limits and logs: `loopback` (default), a hop count, `false`, or a comma list of
   * addresses, CIDRs and the names loopback, linklocal, uniquelocal (docs/operations.md)
   */
  TRUST_PROXY: z
    .string()
    .trim()
    .default('loopback')
    .transform((v, ctx) => {
      const parsed = parseTrustProxy(v);
      if (typeof parsed === 'string' && parsed.startsWith('!')) {
        ctx.addIssue({ code: 'custom', message: parsed.slice(1) });
        return z.NEVER;
      }
      return parsed as TrustProxy;
    }),
  ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  API_KEYS: optionalString,
  TOKEN_ENCRYPTION_KEY: base64Key32.optional().or(z.literal('').transform(() => undefined)),
  /** request body limits */
  JSON_BODY_LIMIT: z.string().default('1mb'),
  UPLOAD_BODY_LIMIT: z
    .string()
    .regex(/^\s*\d+(\.\d+)?\s*(b|kb|mb|gb)?\s*$/i, 'a size like 64mb')
    .default('64mb'),
  /** zip archives (bulk history) are streamed to a temporary file, not memory; this caps their size */
  UPLOAD_ZIP_LIMIT: z
    .string()
    .regex(/^\s*\d+(\.\d+)?\s*(b|kb|mb|gb)?\s*$/i, 'a size like 4gb')
    .default('4gb'),
  /** caps on one zip archive: records in it, bytes its FIT files inflate to in total, inflated ÷ compressed per entry */
  ZIP_MAX_ENTRIES: z.coerce.number().int().min(1).default(20_000),
  ZIP_MAX_UNCOMPRESSED_BYTES: z
    .string()
    .regex(/^\s*\d+(\.\d+)?\s*(b|kb|mb|gb)?\s*$/i, 'a size like 4gb')
    .default('4gb')
    .transform(byteSize),
  ZIP_MAX_RATIO: z.coerce.number().min(1).default(100),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** bearer token for GET /metrics besides the API keys (give Prometheus this, not an API key) */
  METRICS_TOKEN: optionalString,
  /** how often the recovery sweep runs (re-queues work whose job was lost); see docs/reliability.md */
  SWEEP_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(24 * 3600_000)
    .default(30_000),
  /** pending work older than this with no live job is reclaimed by the sweep */
  STALE_AFTER_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(7 * 24 * 3600_000)
    .default(60_000),
  /** a producer gives up on Redis after this and leaves the work to the sweep (webhooks must answer within 2 s) */
  ENQUEUE_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(800),
  /** delay before a job that hit an unreachable Postgres runs again (no attempt is spent) */
  OUTAGE_RETRY_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  /** a running job's lock; a worker that died mid-job (SIGKILL, OOM) has its jobs taken over after about this */
  JOB_LOCK_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),

  STRAVA_CLIENT_ID: optionalString,
  STRAVA_CLIENT_SECRET: optionalString,
  STRAVA_VERIFY_TOKEN: optionalString,
  STRAVA_SUBSCRIPTION_ID: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .or(z.literal('').transform(() => undefined)),
  STRAVA_API_URL: url('https://www.strava.com/api/v3'),
  STRAVA_OAUTH_URL: url('https://www.strava.com/oauth'),

  GARMIN_CLIENT_ID: optionalString,
  GARMIN_CLIENT_SECRET: optionalString,
  GARMIN_WEBHOOK_SECRET: optionalString,
  GARMIN_API_URL: url('https://apis.garmin.com'),
  GARMIN_OAUTH_URL: url('https://connect.garmin.com'),
  /** OAuth 2 token endpoint (code exchange and refresh) */
  GARMIN_TOKEN_URL: url('https://diauth.garmin.com/di-oauth2-service/oauth/token'),
  GARMIN_CALLBACK_HOSTS: z.string().default('apis.garmin.com'),

  NOTIFY_WEBHOOK_URL: z
    .string()
    .trim()
    .url()
    .optional()
    .or(z.literal('').transform(() => undefined)),
  NOTIFY_WEBHOOK_SECRET: optionalString,

  /** days a deleted activity stays recoverable before the retention purge removes it (docs/security.md) */
  DELETED_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
  /** days a processed or ignored webhook event is kept in the inbox */
  WEBHOOK_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** how long each source's activity data is kept: Strava's API Policy allows a 7-day cache (docs/platforms.md) */
  STRAVA_RETENTION: retention('cache:7d'),
  GARMIN_RETENTION: retention('indefinite'),
  UPLOAD_RETENTION: retention('indefinite'),
  /** minutes a runner's page session may go unused before it ends, besides its 30-day lifetime (docs/pages.md) */
  SESSION_IDLE_TIMEOUT_MIN: z.coerce
    .number({ error: 'must be a number of minutes' })
    .int('must be a whole number of minutes')
    .min(15, 'must be at least 15 minutes')
    .max(43_200, 'must be at most 43200 minutes (30 days, the session lifetime)')
    .default(10_080),
  /** where the runner's data exports (zip files) are written; default: stridesync-exports under the OS temp dir */
  EXPORT_DIR: z
    .string()
    .trim()
    .min(1, 'a directory path')
    .refine((v) => !v.includes('\u0000'), 'a directory path')
    .default(join(tmpdir(), 'stridesync-exports')),
  /** hours an export's download link works once the export is ready (it also works only once) */
  EXPORT_LINK_TTL_HOURS: z.coerce.number().int('whole hours').min(1, 'at least 1').max(720, 'at most 720 (30 days)').default(24),
  /** minutes an export's file is kept after its one download before the retention purge deletes it */
  EXPORT_DOWNLOAD_GRACE_MINUTES: z.coerce.number().int('whole minutes').min(0).max(10_080, 'at most 10080 (7 days)').default(60),
  /** per-IP limits per minute (0 turns that limit off): webhooks, connect starts and links, wrong API keys */
  RATE_LIMIT_WEBHOOKS_PER_MIN: z.coerce.number().int().min(0).default(600),
  RATE_LIMIT_CONNECT_PER_MIN: z.coerce.number().int().min(0).default(30),
  RATE_LIMIT_AUTH_FAILURES_PER_MIN: z.coerce.number().int().min(0).default(20),
  /** e-mail of pain prompts: smtp://user:pass@host:port (or smtps://); off when unset */
  SMTP_URL: z
    .string()
    .trim()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  MAIL_FROM: z.string().trim().default('stridesync <no-reply@localhost>'),
  /** Web Push (VAPID) keys, base64url; generated in development, push off in production without them */
  VAPID_PUBLIC_KEY: optionalString,
  VAPID_PRIVATE_KEY: optionalString,
  /**
   * Web Push endpoints may only be on these hosts (comma-separated; `*.domain` is any name under
   * domain): the browsers' push services. Endpoints elsewhere are refused (docs/security.md).
   */
  PUSH_ALLOWED_HOSTS: z
    .string()
    .default('*.push.services.mozilla.com,fcm.googleapis.com,*.push.apple.com,*.notify.windows.com')
    .transform((v) =>
      v
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(
          z.string().regex(/^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'host names or *.domain patterns, comma-separated (e.g. fcm.googleapis.com,*.push.apple.com)'),
        )
        .min(1, 'at least one host'),
    ),
  /** push subscriptions kept per runner; a new one past this replaces the runner's oldest */
  PUSH_MAX_SUBSCRIPTIONS_PER_RUNNER: z.coerce.number().int().min(1).max(100).default(10),
  /** contact of the push sender: mailto: or https: URL */
  VAPID_SUBJECT: z
    .string()
    .trim()
    .regex(/^(mailto:|https:\/\/)/, 'must be a mailto: or https:// URL')
    .default('mailto:push@stridesync.invalid'),
});

export type RawEnv = z.infer<typeof EnvSchema>;

export interface Env extends Omit<RawEnv, 'API_KEYS' | 'TOKEN_ENCRYPTION_KEY' | 'PUBLIC_URL' | 'REDIS_PREFIX'> {
  PUBLIC_URL: string;
  /** REDIS_PREFIX as configured, else derived from the database name */
  REDIS_PREFIX: string;
  apiKeys: string[];
  tokenEncryptionKey: Buffer;
  strava: { clientId: string; clientSecret: string; verifyToken: string } | null;
  garmin: { clientId: string; clientSecret: string; webhookSecret: string } | null;
  /** keys and secrets generated because none were configured (development only); printed once at start */
  generated: { apiKey?: string; tokenEncryptionKey?: string; vapidPublicKey?: string; vapidPrivateKey?: string };
  /** Web Push keys; null when push is off */
  vapid: { publicKey: string; privateKey: string; subject: string } | null;
}

/**
 * The default Redis key prefix: `stridesync-` followed by the database name of DATABASE_URL, with
 * characters other than letters, digits, `_` and `-` replaced by `_`. Two deployments sharing one
 * Redis (production and staging, or a CLI pointed at another database) then use separate queues.
 */
export function defaultRedisPrefix(databaseUrl: string): string {
  let name = 'stridesync';
  try {
    name = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, '')) || name;
  } catch {
    // validated as a postgres:// URL before this is called; keep the plain name otherwise
  }
  return `stridesync-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parse and validate the environment. Throws ConfigError whose message names each bad variable. */
export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${lines.join('; ')}`);
  }
  const raw = parsed.data;
  const generated: Env['generated'] = {};
  const production = raw.NODE_ENV === 'production';

  let apiKeys = (raw.API_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  if (apiKeys.length === 0) {
    if (production) throw new ConfigError('invalid configuration: API_KEYS: required in production');
    generated.apiKey = randomBytes(24).toString('base64url');
    apiKeys = [generated.apiKey];
  }

  let tokenEncryptionKey: Buffer;
  if (raw.TOKEN_ENCRYPTION_KEY) {
    tokenEncryptionKey = Buffer.from(raw.TOKEN_ENCRYPTION_KEY, 'base64');
  } else {
    if (production) throw new ConfigError('invalid configuration: TOKEN_ENCRYPTION_KEY: required in production');
    tokenEncryptionKey = randomBytes(32);
    generated.tokenEncryptionKey = tokenEncryptionKey.toString('base64');
  }

  const strava =
    raw.STRAVA_CLIENT_ID && raw.STRAVA_CLIENT_SECRET && raw.STRAVA_VERIFY_TOKEN
      ? { clientId: raw.STRAVA_CLIENT_ID, clientSecret: raw.STRAVA_CLIENT_SECRET, verifyToken: raw.STRAVA_VERIFY_TOKEN }
      : null;
  const garmin =
    raw.GARMIN_CLIENT_ID && raw.GARMIN_CLIENT_SECRET && raw.GARMIN_WEBHOOK_SECRET
      ? { clientId: raw.GARMIN_CLIENT_ID, clientSecret: raw.GARMIN_CLIENT_SECRET, webhookSecret: raw.GARMIN_WEBHOOK_SECRET }
      : null;

  // Pushes carry runners' pain and load data: never send them unsigned.
  if (raw.NOTIFY_WEBHOOK_URL && !raw.NOTIFY_WEBHOOK_SECRET) {
    throw new ConfigError('invalid configuration: NOTIFY_WEBHOOK_SECRET: required when NOTIFY_WEBHOOK_URL is set (pushes are HMAC-signed)');
  }
  if (raw.NOTIFY_WEBHOOK_SECRET) {
    try {
      webhookSecretKey(raw.NOTIFY_WEBHOOK_SECRET);
    } catch (err) {
      throw new ConfigError(`invalid configuration: NOTIFY_WEBHOOK_SECRET: ${(err as Error).message}`);
    }
  }

  // Sessions, sign-in links and answer links travel in PUBLIC_URL: production serves them over https.
  const publicUrl = (raw.PUBLIC_URL ?? `http://localhost:${raw.PORT}`).replace(/\/$/, '');
  if (production && new URL(publicUrl).protocol === 'http:' && !isLocalHttpUrl(new URL(publicUrl)) && !raw.ALLOW_INSECURE_PUBLIC_URL) {
    throw new ConfigError(
      `invalid configuration: PUBLIC_URL: must be https:// in production (got ${publicUrl}); set ALLOW_INSECURE_PUBLIC_URL=true to serve runners' links over plain http anyway`,
    );
  }

  const vapid = vapidKeys(raw, production, generated);

  const { API_KEYS: _a, TOKEN_ENCRYPTION_KEY: _t, PUBLIC_URL: _p, REDIS_PREFIX, ...rest } = raw;
  return {
    ...rest,
    REDIS_PREFIX: REDIS_PREFIX ?? defaultRedisPrefix(raw.DATABASE_URL),
    PUBLIC_URL: publicUrl,
    apiKeys,
    tokenEncryptionKey,
    strava,
    garmin,
    generated,
    vapid,
  };
}

/** VAPID keys from the environment; generated in development when both are missing (push stays off in production and tests without them). */
function vapidKeys(raw: RawEnv, production: boolean, generated: Env['generated']): Env['vapid'] {
  if (raw.VAPID_PUBLIC_KEY && raw.VAPID_PRIVATE_KEY) return { publicKey: raw.VAPID_PUBLIC_KEY, privateKey: raw.VAPID_PRIVATE_KEY, subject: raw.VAPID_SUBJECT };
  if (raw.VAPID_PUBLIC_KEY || raw.VAPID_PRIVATE_KEY) throw new ConfigError('invalid configuration: VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY: set both or neither');
  if (production || raw.NODE_ENV === 'test') return null;
  const keys = webpush.generateVAPIDKeys();
  generated.vapidPublicKey = keys.publicKey;
  generated.vapidPrivateKey = keys.privateKey;
  return { ...keys, subject: raw.VAPID_SUBJECT };
}
