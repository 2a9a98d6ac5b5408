// How long a drainer waits before trying a failed outbox row again, in one
// place (STYLE §6): exponential back-off with jitter, capped, a cap on what a
// server's Retry-After may ask for, and a last attempt (by count or by the
// age of the row) after which the row becomes a dead letter.
import { z } from 'zod';

export const retryPolicySchema = z
  .strictObject({
    initialDelayMs: z
      .int()
      .positive()
      .default(500)
      .describe('Delay before the first retry, in milliseconds.'),
    multiplier: z
      .number()
      .gte(1)
      .default(2)
      .describe('Factor by which the delay grows after every failed attempt.'),
    maxDelayMs: z.int().positive().default(60_000).describe('Upper bound of the delay between two attempts.'),
    jitter: z
      .number()
      .gte(0)
      .lte(1)
      .default(0.2)
      .describe(
        'Random spread of each delay as a fraction of it: 0.2 means the delay is drawn uniformly from ±20 % around the nominal value, so many writers do not retry in lockstep.',
      ),
    maxAttempts: z
      .int()
      .positive()
      .optional()
      .describe(
        'Attempts after which a row moves to the dead letters. Leave it out (and `maxRetryMs`) to retry forever (the bounded outbox then holds the backlog and pushes back on the brokers).',
      ),
    maxRetryMs: z
      .int()
      .positive()
      .optional()
      .describe(
        'How long a row is retried, counted from its commit: a row that fails after this long moves to the dead letters (the last attempt is made at this age). Leave it out for no time limit.',
      ),
    maxRetryAfterMs: z
      .int()
      .positive()
      .default(600_000)
      .describe(
        "Longest delay a server's `Retry-After` is honoured for: a longer one (`Retry-After: 86400`) is cut to this, so one answer cannot hold the queue for a day.",
      ),
  })
  .describe('Retry schedule of one sink.');

export type RetryPolicy = z.infer<typeof retryPolicySchema>;

/**
 * Delay before attempt `failedAttempts + 1`, given that `failedAttempts` (≥ 1)
 * attempts failed. `random` returns a number in [0, 1).
 */
export function backoffDelayMs(policy: RetryPolicy, failedAttempts: number, random: () => number): number {
  const nominalMs = Math.min(
    policy.maxDelayMs,
    policy.initialDelayMs * policy.multiplier ** Math.max(0, failedAttempts - 1),
  );
  const spreadMs = nominalMs * policy.jitter;
  const delayMs = nominalMs - spreadMs + 2 * spreadMs * random();
  return Math.max(0, Math.min(policy.maxDelayMs, Math.round(delayMs)));
}

/**
 * True when a row that has failed `failedAttempts` times, `ageMs` after its commit, gets no
 * further attempt.
 */
export function isLastAttempt(policy: RetryPolicy, failedAttempts: number, ageMs = 0): boolean {
  return (
    (policy.maxAttempts !== undefined && failedAttempts >= policy.maxAttempts) ||
    (policy.maxRetryMs !== undefined && ageMs >= policy.maxRetryMs)
  );
}

/**
 * Delay before the next attempt of a row `ageMs` old: the back-off, at least what the server
 * asked for (capped by maxRetryAfterMs), and never past the row's retry deadline, so the last
 * attempt is made at the deadline rather than skipped.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  failedAttempts: number,
  ageMs: number,
  random: () => number,
  retryAfterMs?: number,
): number {
  let delayMs = backoffDelayMs(policy, failedAttempts, random);
  if (retryAfterMs !== undefined) delayMs = Math.max(delayMs, Math.min(retryAfterMs, policy.maxRetryAfterMs));
  if (policy.maxRetryMs !== undefined) delayMs = Math.min(delayMs, Math.max(0, policy.maxRetryMs - ageMs));
  return delayMs;
}

/**
 * The delay an HTTP `Retry-After` header asks for (RFC 9110 §10.2.3: delay in
 * seconds or an HTTP date), or undefined when absent or unreadable.
 */
export function parseRetryAfterMs(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const atMs = Date.parse(trimmed);
  return Number.isNaN(atMs) ? undefined : Math.max(0, atMs - nowMs);
}
