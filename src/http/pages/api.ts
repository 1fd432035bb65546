import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { requireRunner } from '../../services/runners.js';
import { createMagicLink, idlePolicyOf, listSessions, revokeMagicLinks, signOutEverywhere } from '../../services/sessions/index.js';
import { sendMagicLinkMail } from '../../services/sessions/mail.js';
import { createShare, listShares, revokeShare, SHARE_MAX_DAYS, SHARE_SECTIONS } from '../../services/shares.js';
import { ErrorBody, type OpenApiRegistry } from '../openapi.js';
import { parseInput } from '../validate.js';

/** API-key routes behind the runner's pages: magic links, sessions and share links (see docs/pages.md). */

export const CreateShareBody = z.object({
  recipient: z.string().trim().min(1, 'required').max(200).describe('who receives the link, e.g. "Kari Nordmann, physiotherapist"'),
  sections: z
    .array(z.enum(SHARE_SECTIONS))
    .min(1)
    .default([...SHARE_SECTIONS]),
  expiresInDays: z.number().int().min(1).max(SHARE_MAX_DAYS).default(30),
  consent: z.literal(true, { error: 'must be true: the runner explicitly agreed to show these sections to this recipient' }),
});

const LinkView = z.object({ url: z.string(), expiresAt: z.string(), emailed: z.boolean() });
const ShareView = z.object({
  id: z.uuid(),
  recipient: z.string(),
  sections: z.array(z.enum(SHARE_SECTIONS)),
  consentedAt: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().nullable(),
  lastOpenedAt: z.string().nullable(),
  createdAt: z.string(),
  status: z.enum(['active', 'expired', 'revoked']),
  createdFrom: z
    .object({
      sessionId: z.uuid(),
      device: z.string().nullable().describe('a short summary of the browser that signed in, e.g. "Firefox on Android"'),
      signedInAt: z.string().nullable(),
    })
    .nullable()
    .describe('the page session the link was created from; null when it was made through the API'),
});

export const SignOutEverywhereBody = z.object({
  withdrawShares: z
    .boolean()
    .default(false)
    .describe('also withdraw the live share links created from the runner’s pages (links made through the API are kept)'),
});

const SessionView = z.object({ id: z.uuid(), device: z.string().nullable(), signedInAt: z.string(), lastSeenAt: z.string(), expiresAt: z.string() });

export function pageApiRoutes(deps: AppDeps, docs: OpenApiRegistry): Router {
  docs.add({
    method: 'post',
    path: '/v1/runners/:runnerId/links',
    summary: "Magic link to the runner's pages (single use, expires after 15 minutes); emailed too when the runner has an address and SMTP is configured",
    tags: ['pages'],
    auth: true,
    responses: { 201: { description: 'the link', schema: LinkView }, 404: { description: 'unknown runner', schema: ErrorBody } },
  });
  docs.add({
    method: 'delete',
    path: '/v1/runners/:runnerId/links',
    summary: 'Revoke every unused magic link of the runner',
    tags: ['pages'],
    auth: true,
    responses: { 200: { description: 'revoked', schema: z.object({ revoked: z.number() }) }, 404: { description: 'unknown runner', schema: ErrorBody } },
  });
  docs.add({
    method: 'post',
    path: '/v1/runners/:runnerId/shares',
    summary: "Read-only share link for a named recipient (e.g. the runner's physiotherapist); requires the runner's explicit consent",
    tags: ['pages'],
    auth: true,
    body: CreateShareBody,
    responses: {
      201: { description: 'the share with its url', schema: ShareView.extend({ url: z.string() }) },
      404: { description: 'unknown runner', schema: ErrorBody },
      422: { description: 'no consent or bad field', schema: ErrorBody },
    },
  });
  docs.add({
    method: 'get',
    path: '/v1/runners/:runnerId/shares',
    summary: 'Share links of the runner (active, expired, revoked)',
    tags: ['pages'],
    auth: true,
    responses: { 200: { description: 'shares', schema: z.object({ shares: z.array(ShareView) }) } },
  });
  docs.add({
    method: 'delete',
    path: '/v1/runners/:runnerId/shares/:shareId',
    summary: 'Revoke a share link',
    tags: ['pages'],
    auth: true,
    responses: { 200: { description: 'revoked', schema: ShareView }, 404: { description: 'unknown runner or share', schema: ErrorBody } },
  });

  docs.add({
    method: 'get',
    path: '/v1/runners/:runnerId/sessions',
    summary: "The runner's signed-in page sessions (not ended, not past their lifetime or idle timeout), most recently used first",
    tags: ['pages'],
    auth: true,
    responses: {
      200: { description: 'sessions', schema: z.object({ sessions: z.array(SessionView) }) },
      404: { description: 'unknown runner', schema: ErrorBody },
    },
  });
  docs.add({
    method: 'post',
    path: '/v1/runners/:runnerId/sessions/revoke',
    summary:
      "Sign the runner out everywhere: every page session ends and unused sign-in links are revoked; optionally withdraw the share links created from the runner's pages",
    tags: ['pages'],
    auth: true,
    body: SignOutEverywhereBody,
    responses: {
      200: {
        description: 'how many live sessions ended, the ids of the withdrawn share links, and how many unused sign-in links were revoked',
        schema: z.object({ sessionsEnded: z.number().int(), sharesWithdrawn: z.array(z.uuid()), linksRevoked: z.number().int() }),
      },
      404: { description: 'unknown runner', schema: ErrorBody },
      422: { description: 'bad field', schema: ErrorBody },
    },
  });

  const idle = idlePolicyOf(deps.env);
  const r = Router();
  r.get('/v1/runners/:runnerId/sessions', async (req, res) => {
    res.json({ sessions: await listSessions(deps, req.params.runnerId, idle) });
  });
  r.post('/v1/runners/:runnerId/sessions/revoke', async (req, res) => {
    const runner = await requireRunner(deps, req.params.runnerId);
    const body = parseInput(SignOutEverywhereBody, req.body ?? {});
    res.json(await signOutEverywhere(deps, runner.id, { withdrawShares: body.withdrawShares, idle }));
  });
  r.post('/v1/runners/:runnerId/links', async (req, res) => {
    const runner = await requireRunner(deps, req.params.runnerId);
    const link = await createMagicLink(deps, runner.id);
    const emailed = await sendMagicLinkMail(deps, runner, link);
    res.status(201).json({ url: link.url, expiresAt: link.expiresAt.toISOString(), emailed });
  });
  r.delete('/v1/runners/:runnerId/links', async (req, res) => {
    res.json({ revoked: await revokeMagicLinks(deps, req.params.runnerId) });
  });
  r.post('/v1/runners/:runnerId/shares', async (req, res) => {
    const runner = await requireRunner(deps, req.params.runnerId);
    const body = parseInput(CreateShareBody, req.body ?? {});
    res.status(201).json(await createShare(deps, runner.id, body));
  });
  r.get('/v1/runners/:runnerId/shares', async (req, res) => {
    res.json({ shares: await listShares(deps, req.params.runnerId) });
  });
  r.delete('/v1/runners/:runnerId/shares/:shareId', async (req, res) => {
    const runner = await requireRunner(deps, req.params.runnerId);
    res.json(await revokeShare(deps, runner.id, req.params.shareId));
  });
  return r;
}
