import { describe, expect, it } from 'vitest';
import { embeddedIPv4, hostMatches, isLoopbackAddress, isPublicAddress } from './net-address.js';

describe('public addresses', () => {
  it('refuses every non-public IPv4 class', () => {
    for (const ip of [
      '0.0.0.0',
      '10.0.0.1',
      '10.255.255.255',
      '100.64.0.1',
      '127.0.0.1',
      '127.8.9.10',
      '169.254.169.254',
      '172.16.0.1',
      '172.31.255.254',
      '192.0.0.8',
      '192.0.2.1',
      '192.168.1.1',
      '198.18.0.1',
      '198.51.100.7',
      '203.0.113.9',
      '224.0.0.1',
      '239.255.255.250',
      '240.0.0.1',
      '255.255.255.255',
    ])
      expect(isPublicAddress(ip), ip).toBe(false);
    for (const ip of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '34.117.65.55']) expect(isPublicAddress(ip), ip).toBe(true);
  });

  it('refuses every non-public IPv6 class, and judges an IPv6 address carrying an IPv4 one by that address', () => {
    for (const ip of [
      '::',
      '::1',
      'fe80::1',
      'fe80::1%eth0',
      'fc00::1',
      'fd12:3456::1',
      'fec0::1',
      'ff02::1',
      '2001:db8::1',
      '2001::1',
      '100::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:10.0.0.1',
      '::ffff:169.254.169.254',
      '::127.0.0.1',
      '64:ff9b::a9fe:a9fe',
      '2002:7f00:1::1',
      '2002:c0a8:101::1',
    ])
      expect(isPublicAddress(ip), ip).toBe(false);
    for (const ip of ['2606:4700:4700::1111', '2a00:1450:4001:82a::200a', '::ffff:8.8.8.8', '64:ff9b::808:808']) expect(isPublicAddress(ip), ip).toBe(true);
    expect(embeddedIPv4('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(embeddedIPv4('2606:4700::1')).toBeNull();
  });

  it('is false for anything that is not an address', () => {
    for (const v of ['', 'localhost', '127.1', '0x7f000001', '[::1]', '1.2.3.4.5']) expect(isPublicAddress(v), v).toBe(false);
  });

  it('knows loopback in both families', () => {
    for (const ip of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(ip), ip).toBe(true);
    for (const ip of ['10.0.0.1', '::', '::2', '8.8.8.8']) expect(isLoopbackAddress(ip), ip).toBe(false);
  });

  it('matches host names exactly or under a *.domain pattern', () => {
    const list = ['*.push.services.mozilla.com', 'fcm.googleapis.com'];
    expect(hostMatches('updates.push.services.mozilla.com', list)).toBe(true);
    expect(hostMatches('FCM.googleapis.com.', list)).toBe(true);
    expect(hostMatches('push.services.mozilla.com', list)).toBe(false);
    expect(hostMatches('evilpush.services.mozilla.com', list)).toBe(false);
    expect(hostMatches('fcm.googleapis.com.evil.example', list)).toBe(false);
    expect(hostMatches('x.fcm.googleapis.com', list)).toBe(false);
  });
});
