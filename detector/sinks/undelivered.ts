// What each sink has not delivered yet: rows waiting in its outbox queue and
// the age of the oldest, for the API, the page's badge and the metrics.
import type { Outbox } from './outbox.js';

export interface SinkBacklog {
  sink: string;
  queuedRows: number;
  /** Null when nothing waits. */
  oldestUndeliveredAgeMs: number | null;
}

export function undeliveredBySink(
  outbox: Pick<Outbox, 'depth' | 'oldestUndeliveredMs'>,
  sinks: readonly string[],
  nowMs: number,
): SinkBacklog[] {
  return sinks.map((sink) => {
    const oldestMs = outbox.oldestUndeliveredMs(sink);
    return {
      sink,
      queuedRows: outbox.depth(sink).rows,
      oldestUndeliveredAgeMs: oldestMs === undefined ? null : Math.max(0, nowMs - oldestMs),
    };
  });
}
