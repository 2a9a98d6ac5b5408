import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import type { Silence } from './config.js';
import { createSilenceRegistry, type KeptSilence, type SilenceStore } from './silence-registry.js';

/** The monitor's silence list and a store that keeps silences in memory, as the local store does. */
function setup(kept: KeptSilence[] = [], configured: Silence[] = []) {
  const clock = new ManualClock(1_000);
  const inMonitor: Silence[] = [...configured];
  const monitor = {
    addSilence: (s: Silence) => void inMonitor.push(s),
    removeSilence(predicate: (s: Silence) => boolean) {
      const before = inMonitor.length;
      inMonitor.splice(0, inMonitor.length, ...inMonitor.filter((s) => !predicate(s)));
      return before - inMonitor.length;
    },
    silences: () => inMonitor,
  };
  const rows = new Map(kept.map((s) => [s.id, s]));
  const store: SilenceStore = {
    saveSilence: (s) => void rows.set(s.id, s),
    deleteSilence: (id) => rows.delete(id),
    readSilences: (nowMs) => [...rows.values()].filter((s) => s.untilMs > nowMs),
  };
  let n = 0;
  const registry = createSilenceRegistry({ monitor, store, clock, newId: () => `id-${++n}` });
  return { registry, clock, rows, inMonitor };
}

const keptSilence = (id: string, assetPattern: string, untilMs: number): KeptSilence => ({
  id,
  assetPattern,
  untilMs,
  reason: 'valve swap',
  createdBy: 'ops',
  createdAtMs: 500,
});

describe('silence registry', () => {
  it('restores the kept silences in force and lists them with configured ones, by source', () => {
    const { registry } = setup(
      [keptSilence('k1', 'pump-1', 5_000), keptSilence('k2', 'pump-2', 900)],
      [{ assetPattern: 'fan-*', untilMs: 9_000, reason: 'rebuild', createdBy: 'config' }],
    );
    expect(registry.restored).toBe(1);
    expect(registry.list()).toEqual([
      {
        id: null,
        source: 'config',
        assetPattern: 'fan-*',
        untilMs: 9_000,
        reason: 'rebuild',
        createdBy: 'config',
      },
      {
        id: 'k1',
        source: 'api',
        assetPattern: 'pump-1',
        untilMs: 5_000,
        reason: 'valve swap',
        createdBy: 'ops',
      },
    ]);
  });

  it('keeps an added silence in the store with a new id and puts it in force', () => {
    const { registry, rows, inMonitor } = setup();
    const added = registry.add({ assetPattern: 'pump-*', untilMs: 4_000, reason: 'r', createdBy: 'api' });
    expect(added).toEqual({
      id: 'id-1',
      source: 'api',
      assetPattern: 'pump-*',
      untilMs: 4_000,
      reason: 'r',
      createdBy: 'api',
      createdAtMs: 1_000,
    });
    expect([...rows.keys()]).toEqual(['id-1']);
    expect(inMonitor).toHaveLength(1);
  });

  it('removes by id, or every silence with exactly that asset pattern, from the store and the monitor', () => {
    const { registry, rows } = setup([
      keptSilence('k1', 'pump-1', 5_000),
      keptSilence('k2', 'pump-1', 6_000),
      keptSilence('k3', 'pump-2', 6_000),
    ]);
    expect(registry.remove('k3')).toBe(true);
    expect(registry.remove('k3')).toBe(false);
    expect(registry.remove('pump-1')).toBe(true);
    expect([...rows.keys()]).toEqual([]);
    expect(registry.list()).toEqual([]);
  });

  it('drops silences past their end and those ended in the store by someone else', () => {
    const { registry, clock, rows } = setup([
      keptSilence('k1', 'pump-1', 5_000),
      keptSilence('k2', 'pump-2', 9_000),
    ]);
    rows.delete('k2');
    expect(registry.list().map((s) => s.id)).toEqual(['k1']);
    clock.advance(4_000);
    expect(registry.list()).toEqual([]);
  });
});
