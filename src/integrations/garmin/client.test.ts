import { describe, expect, it } from 'vitest';
import { CallbackHostRefusedError, checkCallbackUrl, GarminApiError, GarminClient, looksLikeFit, parseCallbackHosts } from './client.js';

const hosts = parseCallbackHosts(' apis.garmin.com, Files.Garmin.test:8443 ,');

describe('callbackURL guard', () => {
  it('parses the allowlist', () => {
    expect(hosts).toEqual(['apis.garmin.com', 'files.garmin.test:8443']);
  });

  it('accepts https URLs on listed hosts only', () => {
    expect(checkCallbackUrl('https://apis.garmin.com/wellness-api/rest/activityFile?id=1&token=t', hosts).hostname).toBe('apis.garmin.com');
    expect(checkCallbackUrl('https://files.garmin.test:8443/f', hosts).port).toBe('8443');
    for (const bad of [
      'http://apis.garmin.com/x',
      'https://evil.example/x',
      'https://apis.garmin.com.evil.example/x',
      'https://user:pw@apis.garmin.com/x',
      'https://files.garmin.test/x',
      'https://169.254.169.254/latest',
      'not a url',
    ]) {
      expect(() => checkCallbackUrl(bad, hosts), bad).toThrow(CallbackHostRefusedError);
    }
  });

  it('refuses a foreign host before making any request', async () => {
    let calls = 0;
    const client = new GarminClient(
      { apiUrl: 'https://apis.garmin.com', callbackHosts: hosts },
      (async () => {
        calls += 1;
        return new Response('x');
      }) as unknown as typeof fetch,
      'tok',
    );
    await expect(client.downloadFile('https://evil.example/f', 1000)).rejects.toThrow(CallbackHostRefusedError);
    expect(calls).toBe(0);
  });

  it('sends the bearer token and reports statuses', async () => {
    const seen: Array<Record<string, string>> = [];
    const mk = (status: number) =>
      new GarminClient(
        { apiUrl: 'https://apis.garmin.com/', callbackHosts: hosts },
        (async (_u: string, init: RequestInit) => {
          seen.push(init.headers as Record<string, string>);
          return new Response(status === 200 ? JSON.stringify({ userId: 'u1' }) : '{"errorMessage":"gone"}', { status });
        }) as unknown as typeof fetch,
        'tok',
      );
    expect(await mk(200).getUserId()).toBe('u1');
    expect(seen[0]!.Authorization).toBe('Bearer tok');
    const err = await mk(410)
      .downloadFile('https://apis.garmin.com/f', 1000)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GarminApiError);
    expect((err as GarminApiError).status).toBe(410);
  });
});

describe('looksLikeFit', () => {
  it('checks ".FIT" at byte 8', () => {
    const fit = Buffer.from([14, 0x10, 0, 0, 0, 0, 0, 0, 0x2e, 0x46, 0x49, 0x54, 0, 0]);
    expect(looksLikeFit(fit)).toBe(true);
    expect(looksLikeFit(Buffer.from('<?xml version="1.0"?><TrainingCenterDatabase/>'))).toBe(false);
    expect(looksLikeFit(fit.subarray(0, 11))).toBe(false);
  });
});
