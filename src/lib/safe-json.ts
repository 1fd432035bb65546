import { BadRequestError } from './errors.js';

/**
 * JSON from outside (webhooks, API bodies, Strava's answers) read with three guards JSON.parse
 * lacks:
 * - nesting deeper than `maxDepth` is refused (400 `json_too_deep`) before anything recursive
 *   (validation, JSON.stringify for jsonb) could overflow the stack;
 * - a NUL character (`\u0000`) inside a string is refused (400 `nul_byte`): Postgres text and jsonb
 *   cannot store it, so it would otherwise surface as a database error;
 * - integers too large for a double (Strava ids above 2^53) can be kept as decimal strings instead of
 *   being silently rounded.
 * One pass over the text, no recursion.
 */

export const DEFAULT_MAX_JSON_DEPTH = 64;

export interface JsonGuards {
  maxDepth?: number;
  /** integers outside ±2^53 become strings holding their exact decimal digits */
  bigIntsAsStrings?: boolean;
}

export class JsonGuardError extends BadRequestError {}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isNumberChar(c: number): boolean {
  // 0-9 - + . e E
  return (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45;
}

/**
 * Check `text` against the guards; returns the text to hand to JSON.parse (the same string unless
 * big integers were quoted). Malformed JSON is left for JSON.parse to report.
 */
export function guardJsonText(text: string, guards: JsonGuards = {}): string {
  const maxDepth = guards.maxDepth ?? DEFAULT_MAX_JSON_DEPTH;
  let depth = 0;
  let inString = false;
  let out: string[] | null = null;
  let copiedUpTo = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) {
        const next = text.charCodeAt(i + 1);
        if (next === 0x75 /* u */ && text.startsWith('0000', i + 2)) throw new JsonGuardError('strings must not contain NUL characters (\\u0000)', 'nul_byte');
        i += 1;
      } else if (c === QUOTE) {
        inString = false;
      } else if (c === 0) {
        throw new JsonGuardError('strings must not contain NUL characters', 'nul_byte');
      }
      continue;
    }
    if (c === QUOTE) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > maxDepth) throw new JsonGuardError(`JSON nested deeper than ${maxDepth} levels`, 'json_too_deep');
    } else if (c === 0x7d || c === 0x5d) {
      depth -= 1;
    } else if (guards.bigIntsAsStrings && (c === 0x2d || (c >= 0x30 && c <= 0x39))) {
      let j = i + 1;
      while (j < n && isNumberChar(text.charCodeAt(j))) j++;
      const token = text.slice(i, j);
      if (/^-?\d{16,}$/.test(token) && !Number.isSafeInteger(Number(token))) {
        out ??= [];
        out.push(text.slice(copiedUpTo, i), `"${token}"`);
        copiedUpTo = j;
      }
      i = j - 1;
    }
  }
  if (!out) return text;
  out.push(text.slice(copiedUpTo));
  return out.join('');
}

/** JSON.parse behind the guards; malformed JSON → 400 `invalid_json`. */
export function parseJsonGuarded(text: string, guards: JsonGuards = {}): unknown {
  const safe = guardJsonText(text, guards);
  try {
    return JSON.parse(safe);
  } catch (err) {
    throw new BadRequestError(`request body is not valid JSON: ${(err as Error).message}`, 'invalid_json');
  }
}

/**
 * `verify` hook for express.json(): runs the depth and NUL guards on the raw body before it is
 * parsed. The thrown error keeps its 400 status through body-parser.
 */
export function jsonVerify(guards: Omit<JsonGuards, 'bigIntsAsStrings'> = {}) {
  return (_req: unknown, _res: unknown, buf: Buffer, encoding: string): void => {
    guardJsonText(buf.toString((encoding as BufferEncoding) || 'utf8'), guards);
  };
}
