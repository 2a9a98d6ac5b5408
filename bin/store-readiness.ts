// The store's line of `/readyz`: not ready while the disk is full, with the
// figures an operator needs (free space, the floor, database and log sizes).

import type { ReadinessCheck } from '../dashboards/api/index.js';
import { describeStoreFull, type StoreSpace } from '../detector/sinks/index.js';

export function storeReadiness(space: StoreSpace, path: string): ReadinessCheck {
  const figures: Record<string, number> = {
    minFreeBytes: space.minFreeBytes,
    dbBytes: space.dbBytes,
    walBytes: space.walBytes,
  };
  // JSON has no Infinity: a file system without statfs reports no free-space figure.
  if (Number.isFinite(space.freeBytes)) figures.freeBytes = space.freeBytes;
  return {
    name: 'store',
    ready: !space.isFull,
    ...(space.isFull ? { detail: describeStoreFull(space, path) } : {}),
    figures,
  };
}
