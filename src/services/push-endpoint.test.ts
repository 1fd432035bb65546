import { describe, expect, it } from 'vitest';
import { loadEnv } from '../config/env.js';
import { RefusedDestinationError, resolvePublicAddress } from '../lib/public-http.js';
import { checkPushEndpoint, pushPolicy } from './push.js';

const HOSTS = loadEnv({ NODE_ENV: 'test' }).PUSH_ALLOWED_HOSTS;
const strict = { allowedHosts: HOSTS, allowLoopback: false };
const refusal = (endpoint: string, policy = strict) => {
  const r = checkPushEndpoint(endpoint, policy);
  return 'refused' in r ? r.refused : null;
};

describe('push endpoints', () => {
  it("accepts the browsers' push services by default", () => {
    expect(HOSTS).toEqual(['*.push.services.mozilla.com', 'fcm.googleapis.com', '*.push.apple.com', '*.notify.windows.com']);
    for (const e of [
      'https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk',
      'https://fcm.googleapis.com/fcm/send/dR2x:APA91b',
      'https://web.push.apple.com/QGuQyavXutnMH',
      'https://wns2-par02p.notify.windows.com/w/?token=BQYAAAD',
      'https://fcm.googleapis.com:443/fcm/send/x',
    ])
      expect(refusal(e), e).toBeNull();
  });

  it('refuses literal IP addresses of every non-public class, in IPv4 and IPv6, IPv4-mapped included', () => {
    for (const e of [
      'https://127.0.0.1/push',
      'https://2130706433/push', // 127.0.0.1 written as a number
      'https://0x7f.1/push',
      'https://10.1.2.3/push',
      'https://172.16.5.4/push',
      'https://192.168.0.10/push',
      'https://169.254.169.254/latest/meta-data',
      'https://100.64.0.1/push',
      'https://0.0.0.0/push',
      'https://224.0.0.1/push',
      'https://[::1]/push',
      'https://[::]/push',
      'https://[fe80::1]/push',
      'https://[fd00::1]/push',
      'https://[fc00::1]/push',
      'https://[::ffff:127.0.0.1]/push',
      'https://[::ffff:169.254.169.254]/push',
      'https://[64:ff9b::a9fe:a9fe]/push',
    ])
      expect(refusal(e), e).toBe('must not point to an internal address');
    expect(refusal('https://8.8.8.8/push')).toBe('must name a push service, not an IP address');
    expect(refusal('https://[2606:4700::1111]/push')).toBe('must name a push service, not an IP address');
  });

  it('refuses other hosts, other schemes, other ports and credentials', () => {
    expect(refusal('https://evil.example/push')).toMatch(/^must be on a known push service/);
    expect(refusal('https://push.services.mozilla.com.evil.example/push')).toMatch(/^must be on a known push service/);
    expect(refusal('https://localhost/push')).toMatch(/^must be on a known push service/);
    expect(refusal('http://updates.push.services.mozilla.com/wpush/v2/x')).toBe('must be an https URL of a push service');
    expect(refusal('ftp://fcm.googleapis.com/x')).toBe('must be an https URL of a push service');
    expect(refusal('https://fcm.googleapis.com:8443/x')).toBe('must use the default https port');
    expect(refusal('https://user:pw@fcm.googleapis.com/x')).toBe('must not carry credentials');
    expect(refusal('not a url')).toBe('not a URL');
  });

  it('accepts a loopback receiver only with the test-only option, and never in production', () => {
    const env = loadEnv({ NODE_ENV: 'test' });
    expect(refusal('http://127.0.0.1:4010/push')).not.toBeNull();
    expect(refusal('http://127.0.0.1:4010/push', { allowedHosts: HOSTS, allowLoopback: true })).toBeNull();
    expect(refusal('http://[::1]:4010/push', { allowedHosts: HOSTS, allowLoopback: true })).toBeNull();
    // the option opens loopback only: other internal addresses stay refused
    expect(refusal('http://10.0.0.1/push', { allowedHosts: HOSTS, allowLoopback: true })).toBe('must not point to an internal address');
    expect(pushPolicy({ env, pushNetwork: { allowLoopback: true } }).allowLoopback).toBe(true);
    expect(pushPolicy({ env }).allowLoopback).toBe(false);
    const production = { ...env, NODE_ENV: 'production' as const };
    expect(pushPolicy({ env: production, pushNetwork: { allowLoopback: true } }).allowLoopback).toBe(false);
  });
});

describe('push addresses after DNS', () => {
  const resolveTo =
    (...addresses: string[]) =>
    async () =>
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it('refuses a name that resolves to any non-public address, and uses the checked address otherwise', async () => {
    for (const answer of [['127.0.0.1'], ['10.0.0.7'], ['169.254.169.254'], ['::1'], ['::ffff:127.0.0.1'], ['fd00::5'], ['34.117.65.55', '10.0.0.7']])
      await expect(
        resolvePublicAddress('updates.push.services.mozilla.com', { allowLoopback: false, resolve: resolveTo(...answer) }),
        answer.join(),
      ).rejects.toThrow(RefusedDestinationError);
    await expect(resolvePublicAddress('updates.push.services.mozilla.com', { allowLoopback: false, resolve: resolveTo('127.0.0.1') })).rejects.toThrow(
      'updates.push.services.mozilla.com resolves to 127.0.0.1, which is not a public address',
    );
    await expect(
      resolvePublicAddress('fcm.googleapis.com', { allowLoopback: false, resolve: resolveTo('2a00:1450:4001::5f', '142.250.1.95') }),
    ).resolves.toEqual({
      address: '2a00:1450:4001::5f',
      family: 6,
    });
    await expect(resolvePublicAddress('gone.push.apple.com', { allowLoopback: false, resolve: resolveTo() })).rejects.toThrow(/does not resolve/);
    const failing = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    await expect(resolvePublicAddress('gone.push.apple.com', { allowLoopback: false, resolve: failing })).rejects.toThrow(/does not resolve \(ENOTFOUND\)/);
  });
});
