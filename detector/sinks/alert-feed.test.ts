import { describe, expect, it } from 'vitest';
import { createAlertFeed, formatAlertLine } from './alert-feed.js';
import type { AlertEventRecord } from './records.js';

function event(n: number): AlertEventRecord {
  return {
    id: `pump-${n % 7}-${n}`,
    assetId: `pump-${n % 7}`,
    type: n % 2 === 0 ? 'opened' : 'resolved',
    severity: 'warning',
    ratio: 2,
    peakRatio: 3,
    topChannels: ['flow_m3h'],
    atMs: 1_000 * n,
    openedAtMs: 1_000 * n,
    modelVersion: 'v1',
  };
}

/** A store that keeps every event and answers newest first, as the local store does. */
function growingStore() {
  const events: AlertEventRecord[] = [];
  let rowsRead = 0;
  return {
    add: (e: AlertEventRecord) => events.push(e),
    get rowsRead() {
      return rowsRead;
    },
    queryAlerts({ limit }: { newestFirst?: boolean; limit?: number }) {
      const page = events.slice(-(limit ?? events.length)).reverse();
      rowsRead += page.length;
      return page;
    },
  };
}

describe('alert feed', () => {
  it('reports every new event once, oldest first, and none stored before it began', () => {
    const store = growingStore();
    for (let n = 0; n < 30; n++) store.add(event(n));
    const feed = createAlertFeed(store, 10);
    const reported: AlertEventRecord[] = [];
    let n = 30;
    // A simulated month of polls with up to a page of new events between them.
    for (let poll = 0; poll < 5_000; poll++) {
      const fresh = poll % 3;
      for (let i = 0; i < fresh; i++) store.add(event(n++));
      reported.push(...feed.poll());
    }
    expect(reported.map((e) => e.atMs)).toEqual(Array.from({ length: n - 30 }, (_, i) => 1_000 * (30 + i)));
    // Each poll reads one page, however many events the store holds.
    expect(store.rowsRead).toBeLessThanOrEqual(10 * 5_001);
  });

  it('reports an event once even when the same page is polled again and again', () => {
    const store = growingStore();
    const feed = createAlertFeed(store, 5);
    store.add(event(1));
    expect(feed.poll()).toHaveLength(1);
    for (let i = 0; i < 100; i++) expect(feed.poll()).toEqual([]);
  });

  it('formats one line per event with the ratio that matters for its kind', () => {
    expect(formatAlertLine(event(2))).toBe(
      '00:00:02 opened   pump-2 warning  score 2.0× threshold  top: flow_m3h',
    );
    expect(formatAlertLine(event(3))).toBe(
      '00:00:03 resolved pump-3 warning  peak 3.0× threshold  top: flow_m3h',
    );
  });
});
