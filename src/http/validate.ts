import type { z } from 'zod';
import { ValidationError } from '../lib/errors.js';

/** Parse a request part with zod; failures become 422 naming each bad field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params' = 'body'): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: [where, ...i.path].join('.'), message: i.message }));
  const first = issues[0]!;
  throw new ValidationError(`${first.path}: ${first.message}`, { issues });
}
