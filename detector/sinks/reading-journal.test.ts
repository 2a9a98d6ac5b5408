// The reading journal: a prune pass looks at the assets journaled since the previous pass only,
// prunes each behind its own newest reading, and a pass whose transaction rolled back is run again.
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createReadingJournal, type JournalDelivery, type JournalReading } from './reading-journal.js';
import { migrateStore } from './store-schema.js';

let db: Database.Database;
beforeEach(() => {
  db = new Database(':memory:');
  migrateStore(db, ':memory:');
});
afterEach(() => db.close());

const at = (assetId: string, timestampMs: number): Omit<JournalReading, 'receivedAtMs'> => ({
  assetId,
  channel: 'c',
  timestampMs,
  value: 1,
});
const delivery = (readings: JournalDelivery['readings']): JournalDelivery => ({ readings, receivedAtMs: 0 });

describe('reading journal', () => {
  it('looks only at the assets journaled since the previous pass, not at every asset ever journaled', () => {
    const journal = createReadingJournal(db, { keepMs: 1_000, passEveryCommits: 10 });
    const fleet = Array.from({ length: 1_000 }, (_, i) => at(`gone-${i}`, 0));
    const looked: number[] = [];
    const commit = (readings: JournalDelivery['readings']) => {
      looked.push(journal.append([delivery(readings)]));
      journal.committed();
    };
    commit(fleet);
    for (let i = 1; i < 20; i++) commit([at('a', i * 100)]);
    // The first pass sees the fleet and `a`; the second only `a`.
    expect(looked.filter((n) => n > 0)).toEqual([1_001, 1]);
    expect(journal.read().filter((r) => r.assetId === 'a')[0]!.timestampMs).toBe(1_900 - 1_000);
    expect(journal.read().filter((r) => r.assetId.startsWith('gone-'))).toHaveLength(1_000);
  });

  it('prunes each asset behind its own newest reading, also one that only got late readings since', () => {
    const journal = createReadingJournal(db, { keepMs: 1_000, passEveryCommits: 2 });
    journal.append([delivery([at('a', 0), at('a', 500), at('a', 5_000), at('b', 3_000)])]);
    journal.append([delivery([at('a', 100), at('b', 1_000)])]);
    expect(journal.read().map((r) => `${r.assetId}@${r.timestampMs}`)).toEqual(['a@5000', 'b@3000']);
  });

  it('looks at the assets of a previous process once, at the first pass', () => {
    createReadingJournal(db, { keepMs: 1_000 }).append([delivery([at('old', 0), at('old', 5_000)])]);
    const journal = createReadingJournal(db, { keepMs: 1_000, passEveryCommits: 1 });
    expect(journal.append([delivery([at('new', 0)])])).toBe(2);
    expect(journal.read().map((r) => r.timestampMs)).toEqual([5_000, 0]);
  });

  it('runs a pass again when its transaction rolled back', () => {
    const journal = createReadingJournal(db, { keepMs: 1_000, passEveryCommits: 2 });
    journal.append([delivery([at('a', 0), at('a', 5_000)])]);
    journal.committed();
    const failing = db.transaction(() => {
      expect(journal.append([delivery([at('b', 0)])])).toBe(2);
      throw new Error('a later insert failed');
    });
    expect(() => failing()).toThrow(/later insert/);
    journal.append([delivery([at('c', 0)])]);
    journal.committed();
    expect(journal.append([delivery([at('c', 1)])])).toBe(3);
    expect(journal.read().map((r) => `${r.assetId}@${r.timestampMs}`)).toEqual(['a@5000', 'c@0', 'c@1']);
  });

  it('keeps each delivery of a group commit with its own reception time, and counts the commit once', () => {
    const journal = createReadingJournal(db, { keepMs: 1_000, passEveryCommits: 2 });
    const first = journal.append([
      { readings: [at('a', 0), at('b', 0)], receivedAtMs: 10 },
      { readings: [at('a', 1_000)], receivedAtMs: 1_010 },
    ]);
    expect(first).toBe(0);
    expect(journal.read().map((r) => `${r.assetId}@${r.timestampMs}/${r.receivedAtMs}`)).toEqual([
      'a@0/10',
      'b@0/10',
      'a@1000/1010',
    ]);
    // The second commit with readings is the pass.
    expect(journal.append([{ readings: [at('a', 1_500)], receivedAtMs: 1_510 }])).toBe(2);
  });

  it('passes as often as the rows written call for: a few large group commits keep the journal near its keep', () => {
    const journal = createReadingJournal(db, { keepMs: 1_000 });
    const assets = 10;
    const perAssetPerCommit = 1_000;
    const count = () => db.prepare('SELECT count(*) FROM journal').pluck().get() as number;
    let largest = 0;
    // 50 commits, far fewer than the commits between two passes, of 10,000 readings each (a full
    // window of messages with many readings each): one reading per asset and millisecond.
    for (let commit = 0; commit < 50; commit++) {
      const readings = [];
      for (let a = 0; a < assets; a++)
        for (let i = 0; i < perAssetPerCommit; i++)
          readings.push(at(`a${a}`, commit * perAssetPerCommit + i));
      journal.append([delivery(readings)]);
      journal.committed();
      largest = Math.max(largest, count());
    }
    // Each asset keeps its last second (1,001 readings) plus what came since the last pass.
    expect(largest).toBeLessThanOrEqual(assets * (1_001 + perAssetPerCommit));
  });
});
