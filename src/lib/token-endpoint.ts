import type { z } from 'zod';

/**
 * POST a form to an OAuth token endpoint and validate the JSON answer. Both platforms speak the same
 * dialect; `fail` builds the platform's own error (status 0 = unreachable, 502 = unusable answer).
 */
export async function postTokenForm<T>(
  req: { url: string; form: Record<string, string>; fetch: typeof fetch; timeoutMs: number; label: string },
  schema: z.ZodType<T>,
  fail: (status: number, message: string, res?: { headers: Record<string, string>; body: string }) => Error,
): Promise<T> {
  let res: Response;
  try {
    res = await req.fetch(req.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams(req.form).toString(),
      signal: AbortSignal.timeout(req.timeoutMs),
    });
  } catch (err) {
    throw fail(0, `${req.label} token endpoint unreachable: ${(err as Error).message}`);
  }
  const text = await res.text();
  if (!res.ok)
    throw fail(res.status, `${req.label} token endpoint → ${res.status}`, { headers: Object.fromEntries(res.headers.entries()), body: text.slice(0, 500) });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw fail(502, `${req.label} token endpoint answered non-JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw fail(502, `${req.label} token response has an unexpected shape: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}
