// Back-off schedule, jitter bounds, last attempt and Retry-After parsing.
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, isLastAttempt, parseRetryAfterMs, retryPolicySchema } from './retry-policy.js';

const policy = retryPolicySchema.parse({
  initialDelayMs: 100,
  multiplier: 3,
  maxDelayMs: 5_000,
  jitter: 0.5,
  maxAttempts: 4,
});

describe('backoffDelayMs', () => {
  it('grows exponentially from the initial delay when jitter draws the middle', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(policy, n, () => 0.5))).toEqual([100, 300, 900, 2700]);
  });

  it('stays within ±jitter of the nominal delay over many draws', () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 16807) % 2147483647;
      return (seed - 1) / 2147483646;
    };
    const delays = Array.from({ length: 2000 }, () => backoffDelayMs(policy, 3, random));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(450);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1350);
    // The draws actually spread: not all delays are the nominal one.
    expect(new Set(delays).size).toBeGreaterThan(100);
  });

  it('reaches the bounds at the extremes of the random draw', () => {
    expect(backoffDelayMs(policy, 2, () => 0)).toBe(150);
    expect(backoffDelayMs(policy, 2, () => 0.999999)).toBe(450);
  });

  it('never exceeds maxDelayMs, jitter included', () => {
    expect(backoffDelayMs(policy, 30, () => 0.999999)).toBe(5_000);
    expect(backoffDelayMs(policy, 30, () => 0)).toBe(2_500);
  });
});

describe('isLastAttempt', () => {
  it('is true from maxAttempts on, and never without maxAttempts', () => {
    expect([3, 4, 5].map((n) => isLastAttempt(policy, n))).toEqual([false, true, true]);
    const forever = retryPolicySchema.parse({});
    expect(isLastAttempt(forever, 1_000_000)).toBe(false);
  });
});

describe('parseRetryAfterMs', () => {
  it('reads delay seconds and HTTP dates', () => {
    const nowMs = Date.UTC(2026, 0, 1, 0, 0, 0);
    expect(parseRetryAfterMs('7', nowMs)).toBe(7_000);
    expect(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', nowMs)).toBe(30_000);
    expect(parseRetryAfterMs('soon', nowMs)).toBeUndefined();
    expect(parseRetryAfterMs(null, nowMs)).toBeUndefined();
  });
});
