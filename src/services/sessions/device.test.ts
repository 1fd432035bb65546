import { describe, expect, it } from 'vitest';
import { deviceSummary } from './device.js';

describe('deviceSummary', () => {
  it('names the browser and the system of common user agents', () => {
    const cases: Array<[string, string]> = [
      ['Mozilla/5.0 (Android 14; Mobile; rv:126.0) Gecko/126.0 Firefox/126.0', 'Firefox on Android'],
      [
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
        'Safari on iPhone',
      ],
      ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0', 'Edge on Windows'],
      ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36', 'Chrome on macOS'],
      ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36', 'Chrome on Linux'],
      [
        'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36',
        'Samsung Internet on Android',
      ],
    ];
    for (const [ua, want] of cases) expect(deviceSummary(ua), ua).toBe(want);
  });

  it('says so when it cannot tell', () => {
    expect(deviceSummary(undefined)).toBe('an unknown browser');
    expect(deviceSummary('curl/8.5.0')).toBe('an unknown browser');
    expect(deviceSummary('Something (Windows NT 10.0)')).toBe('a browser on Windows');
  });
});
