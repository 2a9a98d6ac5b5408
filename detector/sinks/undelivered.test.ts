import { describe, expect, it } from 'vitest';
import { undeliveredBySink } from './undelivered.js';

describe('undeliveredBySink', () => {
  it('gives per sink the rows waiting and the age of the oldest, null when nothing waits', () => {
    const outbox = {
      depth: (sink?: string) => ({ rows: sink === 'webhook:ops' ? 3 : 0, bytes: 0 }),
      oldestUndeliveredMs: (sink: string) => (sink === 'webhook:ops' ? 1_000 : undefined),
    };
    expect(undeliveredBySink(outbox, ['webhook:ops', 'influxdb:main'], 61_000)).toEqual([
      { sink: 'webhook:ops', queuedRows: 3, oldestUndeliveredAgeMs: 60_000 },
      { sink: 'influxdb:main', queuedRows: 0, oldestUndeliveredAgeMs: null },
    ]);
  });

  it('never reports a negative age when the clock is behind the oldest row', () => {
    const outbox = { depth: () => ({ rows: 1, bytes: 9 }), oldestUndeliveredMs: () => 5_000 };
    expect(undeliveredBySink(outbox, ['s'], 4_000)[0]!.oldestUndeliveredAgeMs).toBe(0);
  });
});
