// Signing and verifying webhook requests: `webhook-signature: v1=<hex>` where
// hex = HMAC-SHA256(signing key, "<webhook-timestamp>.<raw body>"). The
// timestamp is signed too, so a receiver can reject replays of old requests.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Secret } from '../../core/index.js';

export const signatureVersion = 'v1';

function keyOf(key: Secret | string): string {
  return typeof key === 'string' ? key : key.reveal();
}

/** The value of the `webhook-signature` header for `body` sent at `timestampSecs`. */
export function signWebhook(key: Secret | string, timestampSecs: number, body: string): string {
  const mac = createHmac('sha256', keyOf(key)).update(`${timestampSecs}.${body}`).digest('hex');
  return `${signatureVersion}=${mac}`;
}

export type WebhookVerification =
  | { ok: true; id: string | undefined; timestampSecs: number }
  | {
      ok: false;
      reason: 'missing_header' | 'bad_timestamp' | 'stale_timestamp' | 'bad_signature';
      message: string;
    };

type HeaderBag = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Receiver side: checks the signature over the raw body (exactly the bytes
 * received, before any JSON parsing) and that the timestamp is within
 * `toleranceSecs` of now. The signature header may list several
 * space-separated `v1=` values (during key rotation); one match is enough.
 */
export function verifyWebhookSignature(
  key: Secret | string,
  headers: HeaderBag,
  rawBody: string | Buffer,
  toleranceSecs = 300,
  nowMs: number = Date.now(),
): WebhookVerification {
  const timestampText = header(headers, 'webhook-timestamp');
  const signatureText = header(headers, 'webhook-signature');
  if (timestampText === undefined || signatureText === undefined) {
    return {
      ok: false,
      reason: 'missing_header',
      message: 'the webhook-timestamp or webhook-signature header is missing',
    };
  }
  if (!/^\d+$/.test(timestampText)) {
    return {
      ok: false,
      reason: 'bad_timestamp',
      message: `webhook-timestamp "${timestampText}" is not unix seconds`,
    };
  }
  const timestampSecs = Number(timestampText);
  if (Math.abs(nowMs / 1000 - timestampSecs) > toleranceSecs) {
    return {
      ok: false,
      reason: 'stale_timestamp',
      message: `webhook-timestamp ${timestampSecs} is more than ${toleranceSecs} s away from now`,
    };
  }
  const body = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
  const expected = Buffer.from(signWebhook(key, timestampSecs, body));
  const isMatch = signatureText
    .split(' ')
    .filter((s) => s !== '')
    .some((candidate) => {
      const given = Buffer.from(candidate);
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  if (!isMatch) {
    return {
      ok: false,
      reason: 'bad_signature',
      message: 'webhook-signature does not match the body and timestamp',
    };
  }
  return { ok: true, id: header(headers, 'webhook-id'), timestampSecs };
}
