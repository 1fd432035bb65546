import express, { type RequestHandler } from 'express';
import { BadRequestError } from '../../lib/errors.js';

/**
 * The parser of every urlencoded page form (the answer page, sign-in, diary edit, share, cadence,
 * settings). Before the body is decoded it is refused with 400 `nul_byte` when it holds a NUL
 * character, raw or percent-encoded (`%00`), in any field name or value: Postgres text cannot store
 * one, so it would otherwise surface as a database error (a 500) in whichever handler saved it.
 */
export function formBody(opts: { limit: string; parameterLimit: number }): RequestHandler {
  return express.urlencoded({ extended: false, limit: opts.limit, parameterLimit: opts.parameterLimit, verify: refuseNul });
}

/** body-parser's verify hook: throwing refuses the body with this error's status (400). */
export function refuseNul(_req: unknown, _res: unknown, buf: Buffer): void {
  if (hasNul(buf)) throw new BadRequestError('form fields must not contain NUL characters', 'nul_byte');
}

/** A raw 0x00 byte, or `%00` (any case) which the urlencoded parser would decode to one. */
export function hasNul(buf: Buffer): boolean {
  if (buf.includes(0)) return true;
  for (let i = buf.indexOf(0x25); i !== -1 && i + 2 < buf.length; i = buf.indexOf(0x25, i + 1)) {
    if (buf[i + 1] === 0x30 && buf[i + 2] === 0x30) return true;
  }
  return false;
}
