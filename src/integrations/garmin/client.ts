import { z } from 'zod';

/**
 * Garmin Wellness API calls with a user's OAuth 2 access token (docs/platforms.md):
 * the stable user id, the user's permissions, and the Activity File download from a ping's
 * callbackURL. The callbackURL comes from a webhook body, so it is fetched only when it is HTTPS
 * on a host in GARMIN_CALLBACK_HOSTS (SSRF guard): the user's bearer token never goes anywhere else.
 */

const REQUEST_TIMEOUT_MS = 15_000;
const DOWNLOAD_TIMEOUT_MS = 60_000;

export class GarminApiError extends Error {
  override name = 'GarminApiError';
  constructor(
    /** HTTP status; 0 = network failure / timeout */
    readonly status: number,
    message: string,
    readonly body?: string,
  ) {
    super(message);
  }

  /** network failures, 5xx and 429 are worth retrying; other 4xx are not (a job fails at once) */
  get isRetryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/** The callbackURL's host is not one we trust with a user's token. */
export class CallbackHostRefusedError extends Error {
  override name = 'CallbackHostRefusedError';
}

/** "apis.garmin.com, other.host" → lower-cased host names (a port, if given, must match too). */
export function parseCallbackHosts(list: string): string[] {
  return list
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
}

/** The URL, parsed, when it is safe to send a user's token to; otherwise CallbackHostRefusedError. */
export function checkCallbackUrl(raw: string, allowedHosts: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CallbackHostRefusedError('callbackURL is not a valid URL');
  }
  if (url.protocol !== 'https:') throw new CallbackHostRefusedError(`callbackURL must be https (got ${url.protocol})`);
  if (url.username || url.password) throw new CallbackHostRefusedError('callbackURL must not carry credentials');
  const host = url.host.toLowerCase();
  if (!allowedHosts.includes(host) && !allowedHosts.includes(url.hostname.toLowerCase())) {
    throw new CallbackHostRefusedError(`callbackURL host ${url.hostname} is not in GARMIN_CALLBACK_HOSTS`);
  }
  return url;
}

export const GarminUserId = z.looseObject({ userId: z.string().min(1) });
export const GarminPermissions = z.array(z.string());

export interface GarminClientConfig {
  apiUrl: string;
  callbackHosts: readonly string[];
}

export class GarminClient {
  constructor(
    private readonly cfg: GarminClientConfig,
    private readonly fetchFn: typeof fetch,
    private readonly accessToken: string,
  ) {}

  private async request(url: string, timeoutMs: number): Promise<Response> {
    let res: Response;
    try {
      res = await this.fetchFn(url, { headers: { Authorization: `Bearer ${this.accessToken}` }, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    } catch (err) {
      throw new GarminApiError(0, `Garmin unreachable: ${(err as Error).message}`);
    }
    if (!res.ok) {
      const body = (await res.text().catch(() => '')).slice(0, 500);
      throw new GarminApiError(res.status, `Garmin ${new URL(url).pathname} → ${res.status}`, body);
    }
    return res;
  }

  private async getJson<T>(path: string, schema: z.ZodType<T>): Promise<T> {
    const url = `${this.cfg.apiUrl.replace(/\/+$/, '')}${path}`;
    const res = await this.request(url, REQUEST_TIMEOUT_MS);
    let json: unknown;
    try {
      json = await res.json();
    } catch {
      throw new GarminApiError(502, `Garmin ${path} answered non-JSON`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new GarminApiError(502, `Garmin ${path} answered an unexpected shape: ${parsed.error.issues[0]?.message ?? ''}`);
    return parsed.data;
  }

  /** The stable Garmin user id (the key notifications arrive with). */
  async getUserId(): Promise<string> {
    return (await this.getJson('/wellness-api/rest/user/id', GarminUserId)).userId;
  }

  async getPermissions(): Promise<string[]> {
    return this.getJson('/wellness-api/rest/user/permissions', GarminPermissions);
  }

  /** Delete the user's registration (required when a runner disconnects): Garmin answers 204. */
  async deleteRegistration(): Promise<void> {
    const url = `${this.cfg.apiUrl.replace(/\/+$/, '')}/wellness-api/rest/user/registration`;
    let res: Response;
    try {
      res = await this.fetchFn(url, {
        method: 'DELETE',
        headers: { Authorization: `Bearer ${this.accessToken}` },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        redirect: 'manual',
      });
    } catch (err) {
      throw new GarminApiError(0, `Garmin unreachable: ${(err as Error).message}`);
    }
    if (!res.ok) throw new GarminApiError(res.status, `Garmin DELETE /user/registration → ${res.status}`);
  }

  /**
   * Ask Garmin to re-send a window of activities (≤ 30 days) through the normal notifications;
   * 202 accepted, 409 = that window was requested before (both fine).
   */
  async requestActivityBackfill(fromS: number, toS: number): Promise<'accepted' | 'already_requested'> {
    const url = `${this.cfg.apiUrl.replace(/\/+$/, '')}/wellness-api/rest/backfill/activities?summaryStartTimeInSeconds=${fromS}&summaryEndTimeInSeconds=${toS}`;
    try {
      await this.request(url, REQUEST_TIMEOUT_MS);
      return 'accepted';
    } catch (err) {
      if (err instanceof GarminApiError && err.status === 409) return 'already_requested';
      throw err;
    }
  }

  /**
   * GET the callbackURL unchanged (one download per URL; a second one is 410 Gone). Refuses a host
   * outside the allowlist before any request, and bodies over `maxBytes`.
   */
  async downloadFile(callbackURL: string, maxBytes: number): Promise<Buffer> {
    const url = checkCallbackUrl(callbackURL, this.cfg.callbackHosts);
    const res = await this.request(url.toString(), DOWNLOAD_TIMEOUT_MS);
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > maxBytes) throw new GarminApiError(413, `Garmin file is ${declared} bytes, over the ${maxBytes} limit`);
    const bytes = Buffer.from(await res.arrayBuffer());
    if (bytes.length > maxBytes) throw new GarminApiError(413, `Garmin file is ${bytes.length} bytes, over the ${maxBytes} limit`);
    return bytes;
  }
}

/** FIT files carry ".FIT" at byte 8 of their header, whatever the ping's fileType says. */
export function looksLikeFit(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && bytes[8] === 0x2e && bytes[9] === 0x46 && bytes[10] === 0x49 && bytes[11] === 0x54;
}
