// Whether the local store has room to write: free space of its file system
// against `store.minFreeBytes` (fs.statfs), and SQLITE_FULL seen by a write.
// A full store refuses commits instead of crashing; it becomes writable again
// only once the free space is back above the floor plus a margin, so it does
// not flap on the edge.
import { statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Clock, PipelineError } from '../../core/index.js';

export interface StoreSpace {
  isFull: boolean;
  /** Why the store is full: free space under the floor, or SQLite found the disk full. */
  reason?: 'below_floor' | 'disk_full';
  freeBytes: number;
  minFreeBytes: number;
  /** Free space at which a full store writes again. */
  resumeBytes: number;
  dbBytes: number;
  walBytes: number;
}

export interface SpaceWatch {
  /** The state, re-read from the file system at most once per second unless `isFresh`. */
  check(isFresh?: boolean): StoreSpace;
  /** A write failed with SQLITE_FULL: the store is full until the space is back. */
  noteDiskFull(): StoreSpace;
}

const checkIntervalMs = 1_000;
const minResumeMarginBytes = 1024 * 1024;

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export function createSpaceWatch(path: string, minFreeBytes: number, clock: Clock): SpaceWatch {
  const resumeBytes = minFreeBytes + Math.max(Math.round(minFreeBytes / 10), minResumeMarginBytes);
  let reason: StoreSpace['reason'];
  let lastCheckMs = Number.NEGATIVE_INFINITY;
  let last: StoreSpace | undefined;

  const read = (): StoreSpace => {
    let freeBytes = Number.POSITIVE_INFINITY;
    try {
      const fs = statfsSync(dirname(path));
      freeBytes = fs.bavail * fs.bsize;
    } catch {
      // No statfs (an unusual file system): SQLITE_FULL alone tells.
    }
    if (reason === undefined && freeBytes < minFreeBytes) reason = 'below_floor';
    else if (reason !== undefined && freeBytes >= resumeBytes) reason = undefined;
    lastCheckMs = clock.monotonicMs();
    last = {
      isFull: reason !== undefined,
      ...(reason === undefined ? {} : { reason }),
      freeBytes,
      minFreeBytes,
      resumeBytes,
      dbBytes: sizeOf(path),
      walBytes: sizeOf(`${path}-wal`),
    };
    return last;
  };

  return {
    check(isFresh = false) {
      if (!isFresh && last !== undefined && clock.monotonicMs() - lastCheckMs < checkIntervalMs) return last;
      return read();
    },
    noteDiskFull() {
      reason = 'disk_full';
      return read();
    },
  };
}

/** SQLite's "database or disk is full" (and its I/O variants when the device has no space left). */
export function isDiskFullError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE' || code === 'ENOSPC';
}

const mib = (bytes: number): string =>
  Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : 'unknown';

/** The sentence `/readyz` and the STORE_FULL error give for a full store. */
export function describeStoreFull(space: StoreSpace, path: string): string {
  const why =
    space.reason === 'disk_full'
      ? 'SQLite found the disk full'
      : `free space is under store.minFreeBytes (${mib(space.minFreeBytes)})`;
  return `store full: ${why}; ${mib(space.freeBytes)} free on the file system of ${path} (database ${mib(space.dbBytes)}, WAL ${mib(space.walBytes)}); input is held back unacknowledged and resumes by itself at ${mib(space.resumeBytes)} free`;
}

export function storeFullError(space: StoreSpace, path: string, cause?: unknown): PipelineError {
  return new PipelineError('STORE_FULL', describeStoreFull(space, path), {
    retriable: true,
    ...(cause === undefined ? {} : { cause }),
    details: {
      path,
      reason: space.reason,
      freeBytes: space.freeBytes,
      minFreeBytes: space.minFreeBytes,
      dbBytes: space.dbBytes,
      walBytes: space.walBytes,
    },
  });
}
