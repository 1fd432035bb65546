/**
 * A canonical UUID (8-4-4-4-12 hex digits). Path ids are checked with this before any query, so a
 * malformed id (36 dashes, a NUL byte, 10 kB of text) is a plain 404, never a database error.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
