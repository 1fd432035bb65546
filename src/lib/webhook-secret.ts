/**
 * The HMAC key of an outbound webhook secret (NOTIFY_WEBHOOK_SECRET). `whsec_<base64>` is decoded as
 * Standard Webhooks defines it; any other string is used as its UTF-8 bytes. Throws on a `whsec_`
 * secret whose rest is not canonical, padded base64 of at least one byte (the config check calls this
 * at start, so a sender never meets a secret it cannot use).
 */
export const WHSEC_PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function webhookSecretKey(secret: string): Buffer {
  if (!secret) throw new Error('must not be empty');
  if (!secret.startsWith(WHSEC_PREFIX)) return Buffer.from(secret, 'utf8');
  const b64 = secret.slice(WHSEC_PREFIX.length);
  if (!b64 || !BASE64.test(b64)) throw new Error('a whsec_ secret must be followed by its key in base64 (whsec_<base64>)');
  return Buffer.from(b64, 'base64');
}
