// The store's room on /metrics: free bytes of its file system, the floor
// (`store.minFreeBytes`), database and WAL sizes, and whether it is full, read
// at each scrape so an operator can alert before `/readyz` says "store full".
import { Gauge, type Registry } from 'prom-client';

/** What the gauges read of the store's space (the store's `space()` gives it). */
export interface StoreSpaceReading {
  isFull: boolean;
  freeBytes: number;
  minFreeBytes: number;
  dbBytes: number;
  walBytes: number;
}

const gauges: readonly { name: string; help: string; value: (space: StoreSpaceReading) => number }[] = [
  {
    name: 'store_free_bytes',
    help: 'Free bytes on the file system of the local store (NaN where the file system reports none).',
    value: (space) => (Number.isFinite(space.freeBytes) ? space.freeBytes : Number.NaN),
  },
  {
    name: 'store_min_free_bytes',
    help: 'store.minFreeBytes: under this much free space the store is full and intake pauses.',
    value: (space) => space.minFreeBytes,
  },
  {
    name: 'store_database_bytes',
    help: 'Size of the local store database file.',
    value: (space) => space.dbBytes,
  },
  {
    name: 'store_wal_bytes',
    help: 'Size of the write-ahead log of the local store.',
    value: (space) => space.walBytes,
  },
  {
    name: 'store_is_full',
    help: '1 while the store is full (free space under the floor, or SQLITE_FULL) and intake is paused, else 0.',
    value: (space) => (space.isFull ? 1 : 0),
  },
];

/** Registers the store-space gauges in `registry`; `read` is called at each scrape (the store caches
 *  its file-system figures for a second, so the gauges of one scrape agree). */
export function registerStoreSpaceGauges(registry: Registry, read: () => StoreSpaceReading): void {
  for (const { name, help, value } of gauges) {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(value(read()));
      },
    });
  }
}
