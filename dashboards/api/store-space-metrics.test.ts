import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerStoreSpaceGauges, type StoreSpaceReading } from './store-space-metrics.js';

const space = (over: Partial<StoreSpaceReading> = {}): StoreSpaceReading => ({
  isFull: false,
  freeBytes: 900_000_000,
  minFreeBytes: 64 * 1024 * 1024,
  dbBytes: 12_345_678,
  walBytes: 4_096,
  ...over,
});

const sampleOf = (text: string, name: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
};

describe('store space gauges', () => {
  it('show the free bytes, the floor and the sizes the store reads at each scrape', async () => {
    const registry = new Registry();
    let current = space();
    registerStoreSpaceGauges(registry, () => current);
    let text = await registry.metrics();
    expect(sampleOf(text, 'store_free_bytes')).toBe(900_000_000);
    expect(sampleOf(text, 'store_min_free_bytes')).toBe(64 * 1024 * 1024);
    expect(sampleOf(text, 'store_database_bytes')).toBe(12_345_678);
    expect(sampleOf(text, 'store_wal_bytes')).toBe(4_096);
    expect(sampleOf(text, 'store_is_full')).toBe(0);

    current = space({ isFull: true, freeBytes: 1_000_000 });
    text = await registry.metrics();
    expect(sampleOf(text, 'store_free_bytes')).toBe(1_000_000);
    expect(sampleOf(text, 'store_is_full')).toBe(1);
  });

  it('say NaN, not +Inf, for the free bytes of a file system that reports none', async () => {
    const registry = new Registry();
    registerStoreSpaceGauges(registry, () => space({ freeBytes: Number.POSITIVE_INFINITY }));
    const text = await registry.metrics();
    expect(sampleOf(text, 'store_free_bytes')).toBeNaN();
    expect(sampleOf(text, 'store_database_bytes')).toBe(12_345_678);
  });
});
