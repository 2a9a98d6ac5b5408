// What the soaks' figures are made of: the options every soak takes, the rows
// per table at the end, the largest deviation from the mean of a figure once
// retention applies (the "flat" criterion: within ±10 %), and how memory is read.
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type Database from 'better-sqlite3';

/** parseArgs options of every soak; each adds its own and sets its defaults for the size. */
export const soakOptions = {
  'webhook-outage-hours': { type: 'string', default: '6' },
  'influxdb-outage-hours': { type: 'string', default: '2' },
  // Where the database goes; on a shared machine a tmpfs keeps other jobs' disk traffic out.
  dir: { type: 'string', default: tmpdir() },
} as const;

export function rowsPerTable(reader: Database.Database): Record<string, number> {
  const rows: Record<string, number> = {};
  for (const { name } of reader
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all() as { name: string }[]) {
    rows[name] = reader.prepare(`SELECT COUNT(*) FROM "${name}"`).pluck().get() as number;
  }
  return rows;
}

/** Largest |x − mean| / mean of `key` over the reports from `fromDay` on; null without such reports. */
export function maxDeviation<K extends string>(
  report: readonly ({ day: number } & Record<K, number>)[],
  key: K,
  fromDay: number,
): number | null {
  const steady = report.filter((d) => d.day >= fromDay);
  if (steady.length === 0) return null;
  const mean = steady.reduce((s, d) => s + d[key], 0) / steady.length;
  return Math.max(...steady.map((d) => Math.abs(d[key] - mean) / mean));
}

/** The parts of this process's RSS on Linux (/proc/self/status): anonymous memory (heaps of V8 and
 *  malloc), mapped files, shared memory (SQLite's WAL index); zeros where /proc is missing. */
export function rssParts(): { rss_anon_bytes: number; rss_file_bytes: number; rss_shmem_bytes: number } {
  let status = '';
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    // not Linux
  }
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss_anon_bytes: kib('RssAnon'), rss_file_bytes: kib('RssFile'), rss_shmem_bytes: kib('RssShmem') };
}

/** A full collection (with --expose-gc; nothing without), then a wait until RSS stops falling: V8
 *  unmaps the pages a collection freed on a background thread, so RSS read right after `gc()`
 *  still counts memory already given up. Resolves with the RSS read right after the collection. */
export async function collectGarbage(): Promise<number> {
  (globalThis as { gc?: () => void }).gc?.();
  let rss = process.memoryUsage.rss();
  const rightAfter = rss;
  if ((globalThis as { gc?: unknown }).gc === undefined) return rightAfter;
  // At least 0.3 s (that thread may wait for a core on a loaded machine), at most three.
  for (let i = 0; i < 30; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = process.memoryUsage.rss();
    if (i >= 2 && now > rss - (1 << 20)) break;
    rss = Math.min(rss, now);
  }
  return rightAfter;
}
