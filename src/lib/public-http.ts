import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isLoopbackAddress, isPublicAddress } from './net-address.js';

/**
 * Outbound requests to hosts a third party chose (Web Push endpoints come from browsers): the host
 * name is resolved once, every address it resolves to must be public (net-address.ts), and the
 * connection goes to the address that was checked (a pinned `lookup`), so a second DNS answer — a
 * rebind to 127.0.0.1 between the check and the connect — cannot change where the request goes.
 * Redirects are never followed: a 3xx is just the answer's status.
 */

export type ResolveAll = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

/** The system resolver, every address (A and AAAA) in the order it gives them. */
export const systemResolve: ResolveAll = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** How outbound requests of this kind may reach the network; AppDeps carries it for tests. */
export interface OutboundNetOptions {
  /**
   * Tests only: also accept loopback addresses (127/8, ::1) and http:// URLs, so a test can run a local
   * receiver. Ignored when NODE_ENV is production.
   */
  allowLoopback?: boolean;
  /** the resolver (tests inject one that answers what they need); default: the system's */
  resolve?: ResolveAll;
}

export class RefusedDestinationError extends Error {
  override name = 'RefusedDestinationError';
}

/** The IP address a URL's host name is written as (IPv6 brackets removed), or null for a name. */
export function literalAddress(hostname: string): string | null {
  const h = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(h) ? h : null;
}

function allowedAddress(ip: string, allowLoopback: boolean): boolean {
  return isPublicAddress(ip) || (allowLoopback && isLoopbackAddress(ip));
}

/**
 * The address to connect to for `hostname`: the literal itself, or the first of all the addresses the
 * resolver gives. Throws RefusedDestinationError when the name does not resolve or when any address is
 * not public (a name that answers with one internal address among public ones is refused as a whole).
 */
export async function resolvePublicAddress(
  hostname: string,
  opts: { allowLoopback: boolean; resolve: ResolveAll },
): Promise<{ address: string; family: 4 | 6 }> {
  const literal = literalAddress(hostname);
  if (literal) {
    if (!allowedAddress(literal, opts.allowLoopback)) throw new RefusedDestinationError(`${literal} is not a public address`);
    return { address: literal, family: isIP(literal) as 4 | 6 };
  }
  let answers: Array<{ address: string; family: number }>;
  try {
    answers = await opts.resolve(hostname);
  } catch (err) {
    throw new RefusedDestinationError(`${hostname} does not resolve (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (answers.length === 0) throw new RefusedDestinationError(`${hostname} does not resolve`);
  const refused = answers.find((a) => !allowedAddress(a.address, opts.allowLoopback));
  if (refused) throw new RefusedDestinationError(`${hostname} resolves to ${refused.address}, which is not a public address`);
  const first = answers[0]!;
  return { address: first.address, family: isIP(first.address) as 4 | 6 };
}

/** A `lookup` that answers every question with the one checked address (net may ask for all addresses). */
function pinnedLookup(target: { address: string; family: 4 | 6 }): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [target]);
    else callback(null, target.address, target.family);
  };
}

/**
 * Send one request to `url` connected to `target` (from resolvePublicAddress): TLS still checks the
 * certificate against the URL's host name. Resolves with the answer's status (the body is read and
 * dropped); redirects are not followed. Rejects on a network error, or when the whole exchange takes
 * longer than `timeoutMs`.
 */
export function requestPinned(
  url: URL,
  target: { address: string; family: 4 | 6 },
  req: { method: string; headers: Record<string, string>; body: Buffer | null; timeoutMs: number },
): Promise<number> {
  const client = url.protocol === 'https:' ? https : http;
  const headers: Record<string, string> = { ...req.headers, 'content-length': String(req.body?.length ?? 0) };
  for (const k of Object.keys(headers)) if (k !== 'content-length' && k.toLowerCase() === 'content-length') delete headers[k];
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => r.destroy(new Error(`no answer within ${req.timeoutMs} ms`)), req.timeoutMs);
    const done = (err: Error | null, status?: number) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(status ?? 0);
    };
    const r = client.request(
      {
        protocol: url.protocol,
        hostname: literalAddress(url.hostname) ?? url.hostname,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: req.method,
        headers,
        lookup: pinnedLookup(target),
        agent: false,
      },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => done(null, res.statusCode ?? 0));
        res.on('error', (err) => done(err));
      },
    );
    r.on('error', (err) => done(err));
    r.end(req.body ?? undefined);
  });
}
