// The undelivered-events badge text: shown for the sink waiting longest, past a minute only.
import { describe, expect, it } from 'vitest';
import { describeUndelivered } from './delivery-badge.js';

describe('describeUndelivered', () => {
  it('names the sink whose oldest event has waited longest, once past a minute', () => {
    expect(describeUndelivered([])).toBeNull();
    expect(
      describeUndelivered([{ sink: 'webhook:ops', queuedRows: 2, oldestUndeliveredAgeMs: 30_000 }]),
    ).toBeNull();
    const text = describeUndelivered([
      { sink: 'influxdb:influxdb', queuedRows: 0, oldestUndeliveredAgeMs: null },
      { sink: 'webhook:ops', queuedRows: 12, oldestUndeliveredAgeMs: 2 * 3_600_000 },
      { sink: 'webhook:pager', queuedRows: 1, oldestUndeliveredAgeMs: 120_000 },
    ]);
    expect(text).toMatch(/^webhook:ops: 12 undelivered, oldest /);
  });
});
