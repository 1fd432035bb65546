import { stdSerializers } from 'pino';

/**
 * What the logs must never carry, removed before a line is written: request paths that hold a
 * secret (sign-in links, share links, answer links, export download links, the Garmin webhook secret), query strings (OAuth
 * codes and state, connect links, the Strava verify token), cookie values in `Set-Cookie`, redirect
 * targets' tokens, and the parameter values of a failed database query (names, e-mails, notes).
 */

export const REDACTED = '[redacted]';

/** Path prefixes whose next segment is a bearer secret (express matches routes case-insensitively, so does this). */
const SECRET_SEGMENT = /^(\/(?:login|s|p|exports)\/|\/webhooks\/garmin\/)[^/?#]+/i;

/** The request path without its query string, with any secret path segment masked. */
export function redactUrl(url: string): string {
  const path = url.split(/[?#]/)[0] ?? '';
  return path.replace(SECRET_SEGMENT, `$1${REDACTED}`);
}

/** A redirect target as it may be logged: its origin (when absolute) and its masked path, no query. */
export function redactLocation(location: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(location)) {
    try {
      const u = new URL(location);
      return `${u.origin}${redactUrl(u.pathname)}`;
    } catch {
      return REDACTED;
    }
  }
  return redactUrl(location);
}

/** `name=value; Path=/; …` → `name=[redacted]; Path=/; …` (the cookie's name and attributes stay). */
export function redactSetCookie(cookie: string): string {
  const i = cookie.indexOf('=');
  if (i < 0) return REDACTED;
  const end = cookie.indexOf(';', i);
  return `${cookie.slice(0, i)}=${REDACTED}${end < 0 ? '' : cookie.slice(end)}`;
}

/** Response headers as they may be logged: cookie values and redirect targets' secrets removed. */
export function redactResponseHeaders(headers: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    const name = k.toLowerCase();
    if (name === 'set-cookie') out[k] = (Array.isArray(v) ? v : [v]).map((c) => redactSetCookie(String(c)));
    else if (name === 'location') out[k] = redactLocation(String(v));
    else out[k] = v;
  }
  return out;
}

/**
 * Keys of an error that carry the values a statement or a mail was sent with: drizzle's `params`,
 * Postgres' `detail` ("Key (email)=(ana@example.org) already exists"), nodemailer's recipients.
 */
const VALUE_KEYS = new Set(['params', 'parameters', 'detail', 'rejected', 'accepted', 'envelope', 'rejectedErrors']);

/**
 * The `params: …` part of drizzle's message (`Failed query: <sql>\nparams: <values>`) when the error
 * carrying the `params` field is not at hand (its message copied into another error's): everything
 * from the `params:` line to the stack's first frame or the end of the text.
 */
const PARAMS_LINE = /(^|\n)params: (?!\[redacted\])[\s\S]*?(?=\n\s+at |$)/g;
/**
 * A Postgres detail's values inside a text: `Key (email)=(…) already exists.`, `… conflicts with
 * existing key (…)=(…).`, `Failing row contains (…).`; the column names stay.
 */
const DETAIL_VALUES =
  /(\b[Kk]ey \((?:[^()\n]|\([^()\n]*\))*\)=)\([\s\S]*?\)(?= already exists| is not present in table| is still referenced from table| conflicts with|\.(?:\s|$)|$)/g;
const FAILING_ROW = /(Failing row contains )\([\s\S]*?\)(?=\.(?:\s|$)|$)/g;
/** Postgres quotes the refused value in some messages: `invalid input syntax for type uuid: "…"`. */
const QUOTED_INPUT = /(invalid input (?:syntax|value) for [^:\n]*: )".*"/g;
/** An e-mail address, e.g. echoed by an SMTP server refusing a recipient (`550 5.1.1 <ana@example.org>: …`). */
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

/** The literal texts a failed query put into its message (`params: a,b,c`), for every error in the cause chain. */
function paramTexts(err: unknown, out: string[] = [], depth = 0): string[] {
  if (!err || typeof err !== 'object' || depth > 8) return out;
  const e = err as { params?: unknown; cause?: unknown; errors?: unknown };
  if (Array.isArray(e.params) && e.params.length) out.push(`params: ${String(e.params)}`);
  paramTexts(e.cause, out, depth + 1);
  if (Array.isArray(e.errors)) for (const x of e.errors) paramTexts(x, out, depth + 1);
  return out;
}

function scrubText(text: string, literals: string[]): string {
  let t = text;
  for (const l of literals) t = t.split(l).join(`params: ${REDACTED}`);
  return maskDetailValues(t.replace(PARAMS_LINE, `$1params: ${REDACTED}`))
    .replace(QUOTED_INPUT, `$1"${REDACTED}"`)
    .replace(EMAIL, REDACTED);
}

function maskDetailValues(text: string): string {
  return text.replace(DETAIL_VALUES, `$1(${REDACTED})`).replace(FAILING_ROW, `$1(${REDACTED})`);
}

function scrub(value: unknown, literals: string[], depth: number): unknown {
  if (typeof value === 'string') return scrubText(value, literals);
  if (!value || typeof value !== 'object' || depth > 8 || value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, literals, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = VALUE_KEYS.has(key) ? (key === 'detail' && typeof v === 'string' ? redactDetail(v) : REDACTED) : scrub(v, literals, depth + 1);
  }
  return out;
}

/** `Key (runner_id, email)=(…, …) already exists.` keeps the column names and drops the values; any other detail is dropped. */
function redactDetail(detail: string): string {
  const masked = maskDetailValues(detail);
  return masked === detail ? REDACTED : masked;
}

/**
 * pino's error serializer (type, message and stack with their causes, the error's own fields) with
 * the values of failed statements and mails removed from every field, the message and the stack, and
 * any e-mail address in them masked.
 */
export function redactingErrSerializer(err: unknown): unknown {
  return scrub(stdSerializers.err(err as Error), paramTexts(err), 0);
}

/**
 * An error's message as it may be stored where it outlives the logs (a row's `error` or `last_error`,
 * a delivery's attempts, BullMQ's `failedReason`): the same masking as the log serializer — drizzle's
 * `params: …` becomes `params: [redacted]` while the statement stays, a Postgres detail keeps its
 * column names only, a value Postgres quotes is masked, and so is any e-mail address.
 */
export function safeErrorMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : String(err);
  return scrubText(message, paramTexts(err));
}

/**
 * The error to rethrow where its message and stack are kept outside the logs (a failed BullMQ job's
 * `failedReason` and `stacktrace`): the same object when there is nothing to mask, otherwise a copy
 * of the same class with the same fields (`code`, `status`, `isRetryable`, `cause`, …) whose message
 * and stack are masked as safeErrorMessage does.
 */
export function withSafeMessage<E>(err: E): E {
  if (!(err instanceof Error)) return err;
  const literals = paramTexts(err);
  const message = scrubText(err.message, literals);
  const stack = err.stack === undefined ? undefined : scrubText(err.stack, literals);
  if (message === err.message && stack === err.stack) return err;
  let copy: Error;
  try {
    copy = Object.assign(Object.create(Object.getPrototypeOf(err) as object) as Error, err);
  } catch {
    // fields that cannot be copied (a throwing setter): the masked text matters more than the class
    copy = new Error(message);
  }
  Object.defineProperty(copy, 'message', { value: message, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(copy, 'stack', { value: stack, writable: true, configurable: true, enumerable: false });
  if (err.cause !== undefined && !Object.hasOwn(copy, 'cause'))
    Object.defineProperty(copy, 'cause', { value: err.cause, writable: true, configurable: true, enumerable: false });
  return copy as E;
}
