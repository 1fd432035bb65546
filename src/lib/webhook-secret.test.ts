import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { webhookSigner } from '../services/notify.js';
import { webhookSecretKey } from './webhook-secret.js';

describe('webhook secret key', () => {
  it('decodes a whsec_ secret as base64 and uses any other string as its UTF-8 bytes', () => {
    const key = Buffer.alloc(24, 0xab);
    expect(webhookSecretKey(`whsec_${key.toString('base64')}`).equals(key)).toBe(true);
    expect(webhookSecretKey('knee-secret ✓').equals(Buffer.from('knee-secret ✓', 'utf8'))).toBe(true);
    expect(() => webhookSecretKey('whsec_***')).toThrow(/base64/);
    expect(() => webhookSecretKey('')).toThrow(/empty/);
  });

  it('signs with either form what the standardwebhooks library verifies with the same key', () => {
    const at = new Date();
    const body = JSON.stringify({ type: 'pain_prompt.due' });
    const headers = (secret: string) => ({
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': webhookSigner(secret).sign('msg_1', at, body),
    });
    const whsec = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    expect(new Webhook(whsec).verify(body, headers(whsec))).toEqual({ type: 'pain_prompt.due' });
    const plain = 'knee-secret ✓';
    expect(new Webhook(Buffer.from(plain, 'utf8'), { format: 'raw' }).verify(body, headers(plain))).toEqual({ type: 'pain_prompt.due' });
    expect(new Webhook(`whsec_${Buffer.from(plain, 'utf8').toString('base64')}`).verify(body, headers(plain))).toEqual({ type: 'pain_prompt.due' });
    expect(() => new Webhook(whsec).verify(body, headers(plain))).toThrow();
  });
});
