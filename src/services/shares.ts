import type { Db } from '../db/client.js';
import {
  findRunnerShare,
  findShareByTokenHash,
  insertShare,
  listSharesOf,
  openLiveShare,
  revokeShareRow,
  type ShareRow,
  type ShareWithOrigin,
} from '../db/queries/shares.js';
import { NotFoundError, ValidationError } from '../lib/errors.js';
import { isUuid } from '../lib/ids.js';
import { requireRunner } from './runners.js';
import { hashToken, newToken } from './sessions/index.js';

/**
 * Read-only share links for someone the runner names (e.g. their physiotherapist). Created only with
 * the runner's explicit consent to show that person the listed sections; expiring and revocable.
 * Only the token's SHA-256 is stored.
 */

export const SHARE_SECTIONS = ['diary', 'weeks', 'warnings', 'pain', 'cadence'] as const;
export type ShareSection = (typeof SHARE_SECTIONS)[number];

export const SECTION_WORDS: Record<ShareSection, string> = {
  diary: 'your running diary: every run with its distance, time, descent, cadence and your knee-pain answers and notes',
  weeks: 'your weekly totals (distance, time, descent, runs) and how they changed week to week',
  warnings: 'the warnings stridesync gave you (load jumps, several changes at once, unusually long runs, pain)',
  pain: 'your pain report: which run variables went together with knee flare-ups',
  cadence: 'your cadence report: your cadence goal, baseline, target and per-run cadence chart',
};

export const SHARE_DEFAULT_DAYS = 30;
export const SHARE_MAX_DAYS = 90;

type Deps = { db: Db; now: () => Date; env: { PUBLIC_URL: string } };

export interface ShareView {
  id: string;
  recipient: string;
  sections: ShareSection[];
  consentedAt: string;
  expiresAt: string;
  revokedAt: string | null;
  lastOpenedAt: string | null;
  createdAt: string;
  status: 'active' | 'expired' | 'revoked';
  /** the page session the link was created from (its device and sign-in time); null when made through the API */
  createdFrom: { sessionId: string; device: string | null; signedInAt: string | null } | null;
}

/** The session a share was created from, as far as it is known. */
type Origin = Partial<Pick<ShareWithOrigin, 'createdByDevice' | 'createdBySessionAt'>>;

function view(row: ShareRow & Origin, now: Date): ShareView {
  return {
    id: row.id,
    recipient: row.recipient,
    sections: row.sections as ShareSection[],
    consentedAt: row.consentedAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
    lastOpenedAt: row.lastOpenedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    status: row.revokedAt ? 'revoked' : row.expiresAt <= now ? 'expired' : 'active',
    createdFrom: row.createdBySession
      ? { sessionId: row.createdBySession, device: row.createdByDevice ?? null, signedInAt: row.createdBySessionAt?.toISOString() ?? null }
      : null,
  };
}

export async function createShare(
  deps: Deps,
  runnerId: string,
  input: { recipient: string; sections: readonly ShareSection[]; expiresInDays?: number; consent: boolean },
  /** the page session creating it (null or omitted through the API) */
  createdBy: { id: string; device: string | null; signedInAt: Date } | null = null,
): Promise<ShareView & { url: string }> {
  const runner = await requireRunner(deps, runnerId);
  if (input.consent !== true) throw new ValidationError('the runner must consent to sharing with this recipient', { field: 'consent' });
  const recipient = input.recipient.trim();
  if (!recipient) throw new ValidationError('recipient: required', { field: 'recipient' });
  const sections = SHARE_SECTIONS.filter((s) => input.sections.includes(s));
  if (!sections.length) throw new ValidationError('sections: choose at least one', { field: 'sections' });
  const days = input.expiresInDays ?? SHARE_DEFAULT_DAYS;
  const now = deps.now();
  const token = newToken();
  const row = await insertShare(deps.db, {
    runnerId: runner.id,
    tokenHash: hashToken(token),
    recipient,
    sections: [...sections],
    consentedAt: now,
    expiresAt: new Date(now.getTime() + days * 86_400_000),
    createdBySession: createdBy?.id ?? null,
  });
  return {
    ...view({ ...row, createdByDevice: createdBy?.device ?? null, createdBySessionAt: createdBy?.signedInAt ?? null }, now),
    url: `${deps.env.PUBLIC_URL}/s/${token}`,
  };
}

export async function listShares(deps: Omit<Deps, 'env'>, runnerId: string): Promise<ShareView[]> {
  await requireRunner(deps, runnerId);
  const rows = await listSharesOf(deps.db, runnerId);
  const now = deps.now();
  return rows.map((r) => view(r, now));
}

export async function revokeShare(deps: Omit<Deps, 'env'>, runnerId: string, shareId: string): Promise<ShareView> {
  // a malformed id (36 dashes, a NUL byte) is an unknown share, never a database error
  const row = isUuid(shareId) ? await findRunnerShare(deps.db, runnerId, shareId) : undefined;
  if (!row) throw new NotFoundError(`share ${shareId} not found`, 'share_not_found');
  if (row.revokedAt) return view(row, deps.now());
  const updated = await revokeShareRow(deps.db, row.id, deps.now());
  return view({ ...updated!, createdByDevice: row.createdByDevice, createdBySessionAt: row.createdBySessionAt }, deps.now());
}

/** What a share token opens: the live share, or why it no longer works (null: no such token). */
export type OpenedShare = { status: 'active'; runnerId: string; share: ShareView } | { status: 'expired' | 'revoked'; share: ShareView } | null;

/** The share behind a token: the live one (its opening is recorded), or an expired or revoked one; null when unknown. */
export async function openShare(deps: Omit<Deps, 'env'>, token: string): Promise<OpenedShare> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  const now = deps.now();
  const hash = hashToken(token);
  const row = await openLiveShare(deps.db, hash, now);
  if (row) return { status: 'active', runnerId: row.runnerId, share: view(row, now) };
  const dead = await findShareByTokenHash(deps.db, hash);
  if (!dead) return null;
  const v = view(dead, now);
  return { status: v.status === 'revoked' ? 'revoked' : 'expired', share: v };
}
