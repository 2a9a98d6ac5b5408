// Repeated warnings (a malformed message every millisecond) must not flood
// the log: at most one line per key per interval, with the number suppressed.
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';

export interface RateLimitedLog {
  warn(key: string, fields: Record<string, unknown>, message: string): void;
}

export function createRateLimitedLog(logger: Logger, clock: Clock, intervalMs = 10_000): RateLimitedLog {
  const lastByKey = new Map<string, { atMs: number; suppressed: number }>();
  return {
    warn(key, fields, message) {
      const now = clock.monotonicMs();
      const last = lastByKey.get(key);
      if (last !== undefined && now - last.atMs < intervalMs) {
        last.suppressed++;
        return;
      }
      const suppressed = last?.suppressed ?? 0;
      lastByKey.set(key, { atMs: now, suppressed: 0 });
      if (lastByKey.size > 10_000) lastByKey.clear(); // bounded: keys come from data
      logger.warn(suppressed > 0 ? { ...fields, suppressed } : fields, message);
    },
  };
}
