import { z } from 'zod';
import { safeEqual } from '../../lib/crypto.js';

/**
 * Strava push subscription: the GET handshake and the POST event body (docs/platforms.md).
 * Events are not signed; only their ids are trusted, the content is re-fetched with the athlete's
 * token.
 */

/**
 * Ids arrive as JSON numbers, as numeric strings (`"subscription_id":"1"` has been seen), or, above
 * 2^53, as digit strings produced by the guarded JSON reader: all are accepted and kept as exact
 * decimal strings.
 */
const StravaIdField = z
  .union([
    z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    z
      .string()
      .trim()
      .regex(/^[1-9]\d{0,19}$/, 'a positive integer'),
  ])
  .transform((v) => String(v));

/** Epoch seconds, as a number or a numeric string. */
const EpochSeconds = z
  .union([
    z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    z
      .string()
      .trim()
      .regex(/^[1-9]\d{0,15}$/, 'a positive integer'),
  ])
  .transform((v) => Number(v));

/**
 * `updates` values are documented as strings ("true"/"false"); booleans and numbers are accepted
 * and turned into the same strings rather than refused — a refused event is retried by Strava three
 * times and then lost, which is worse than a tolerant parse.
 */
const UpdateValue = z.union([z.string().max(1000), z.boolean(), z.number()]).transform((v) => String(v));

export const StravaEvent = z.object({
  object_type: z.enum(['activity', 'athlete']),
  object_id: StravaIdField,
  aspect_type: z.enum(['create', 'update', 'delete']),
  updates: z
    .record(z.string(), UpdateValue)
    .nullish()
    .transform((u) => u ?? {}),
  owner_id: StravaIdField,
  subscription_id: StravaIdField,
  event_time: EpochSeconds,
});
export type StravaEvent = z.infer<typeof StravaEvent>;

/** Inbox dedupe key: a redelivery of the same event maps to the same key. */
export function stravaEventDedupeKey(e: Pick<StravaEvent, 'object_type' | 'aspect_type' | 'object_id' | 'event_time'>): string {
  return `strava:${e.object_type}:${e.aspect_type}:${e.object_id}:${e.event_time}`;
}

/** An athlete event saying the athlete withdrew stridesync's access. */
export function isDeauthorization(e: StravaEvent): boolean {
  return e.object_type === 'athlete' && e.updates.authorized === 'false';
}

export type HandshakeResult = { ok: true; challenge: string } | { ok: false; reason: 'bad_verify_token' | 'bad_request' };

/**
 * GET /webhooks/strava?hub.mode=subscribe&hub.challenge=…&hub.verify_token=… — the challenge is
 * echoed only when the verify token matches (constant-time compare).
 */
export function checkHandshake(query: Record<string, unknown>, verifyToken: string): HandshakeResult {
  const mode = query['hub.mode'];
  const challenge = query['hub.challenge'];
  const token = query['hub.verify_token'];
  if (typeof challenge !== 'string' || challenge.length === 0 || challenge.length > 512 || (mode !== undefined && mode !== 'subscribe')) {
    return { ok: false, reason: 'bad_request' };
  }
  if (typeof token !== 'string' || !safeEqual(token, verifyToken)) return { ok: false, reason: 'bad_verify_token' };
  return { ok: true, challenge };
}
