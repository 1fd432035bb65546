import type { RequestHandler } from 'express';
import helmet from 'helmet';
import type { Env } from '../../config/env.js';

/**
 * Security headers (helmet) for every answer. Two variants:
 * - `api` (the app-wide default, JSON answers): `Content-Security-Policy: default-src 'none';
 *   frame-ancestors 'none'` — nothing may load, nothing may frame it;
 * - `page` (server-rendered HTML for a person: connect results, future runner pages): same-origin
 *   styles, images and form posts, inline `style` attributes (the pages use no scripts), still no
 *   framing. Mount it on a page route after the app-wide default; it replaces the CSP.
 * - `dashboard`: the operator's queue dashboard, which runs its own same-origin scripts.
 * All: `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer` (links in pages carry
 * tokens), `X-Frame-Options: DENY`, and `Strict-Transport-Security` when PUBLIC_URL is https.
 */

export type HeaderVariant = 'api' | 'page' | 'dashboard';

const CSP: Record<HeaderVariant, Record<string, string[]>> = {
  api: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  page: {
    defaultSrc: ["'none'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    formAction: ["'self'"],
    baseUri: ["'none'"],
    frameAncestors: ["'none'"],
  },
  // The operator's queue dashboard (bull-board) is a single-page app with its own scripts and styles.
  dashboard: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'", "'unsafe-inline'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    baseUri: ["'self'"],
    frameAncestors: ["'none'"],
  },
};

export function securityHeaders(env: Pick<Env, 'PUBLIC_URL'>, variant: HeaderVariant = 'api'): RequestHandler {
  const https = env.PUBLIC_URL.startsWith('https:');
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: CSP[variant] },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    xFrameOptions: { action: 'deny' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
}
