// Webhook signatures: round trip, tampering, other keys, stale timestamps, key rotation.
import { describe, expect, it } from 'vitest';
import { Secret } from '../../core/index.js';
import { signWebhook, verifyWebhookSignature } from './webhook-signature.js';

const key = new Secret('whsec-test-key');
const nowMs = Date.UTC(2026, 0, 1, 12, 0, 0);
const nowSecs = nowMs / 1000;
const body = '{"specversion":"1.0","id":"abc"}';

function headersFor(timestampSecs: number, signedBody: string, signingKey: Secret | string = key) {
  return {
    'webhook-id': 'abc',
    'webhook-timestamp': String(timestampSecs),
    'webhook-signature': signWebhook(signingKey, timestampSecs, signedBody),
  };
}

describe('webhook signature', () => {
  it('verifies a signature it made, with a Headers object or a plain record', () => {
    const headers = headersFor(nowSecs, body);
    expect(verifyWebhookSignature(key, headers, body, 300, nowMs)).toEqual({
      ok: true,
      id: 'abc',
      timestampSecs: nowSecs,
    });
    expect(verifyWebhookSignature(key, new Headers(headers), Buffer.from(body), 300, nowMs).ok).toBe(true);
  });

  it('is HMAC-SHA256 over "<timestamp>.<body>" in hex, prefixed v1=', () => {
    // Independent reference value computed with: printf '1767268800.{}' | openssl dgst -sha256 -hmac k
    expect(signWebhook('k', 1767268800, '{}')).toBe(
      'v1=c3ff044f8d70d602191f6036f9bdd8e8f41dd60c35749d8b9066693f517bd0b0',
    );
    expect(signWebhook('k', 1767268800, '{}')).not.toBe(signWebhook('k', 1767268801, '{}'));
  });

  it('rejects a tampered body', () => {
    const result = verifyWebhookSignature(
      key,
      headersFor(nowSecs, body),
      body.replace('abc', 'abd'),
      300,
      nowMs,
    );
    expect(result).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('rejects another key', () => {
    const result = verifyWebhookSignature(key, headersFor(nowSecs, body, 'other'), body, 300, nowMs);
    expect(result).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('rejects a stale timestamp even with a valid signature, and accepts one within tolerance', () => {
    expect(verifyWebhookSignature(key, headersFor(nowSecs - 301, body), body, 300, nowMs)).toMatchObject({
      ok: false,
      reason: 'stale_timestamp',
    });
    expect(verifyWebhookSignature(key, headersFor(nowSecs - 299, body), body, 300, nowMs).ok).toBe(true);
  });

  it('rejects a timestamp changed after signing', () => {
    const headers = { ...headersFor(nowSecs - 10, body), 'webhook-timestamp': String(nowSecs) };
    expect(verifyWebhookSignature(key, headers, body, 300, nowMs)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('names missing headers', () => {
    expect(verifyWebhookSignature(key, {}, body, 300, nowMs)).toMatchObject({
      ok: false,
      reason: 'missing_header',
    });
  });

  it('accepts any one of several space-separated signatures (key rotation)', () => {
    const headers = headersFor(nowSecs, body);
    headers['webhook-signature'] = `${signWebhook('old-key', nowSecs, body)} ${headers['webhook-signature']}`;
    expect(verifyWebhookSignature(key, headers, body, 300, nowMs).ok).toBe(true);
  });
});
