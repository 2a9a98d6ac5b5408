// Which Kafka partition each asset tracked here reads from, so that a revoked partition's assets
// can be handed on. It holds only assets the aligner accepted (refused and unknown ids never enter)
// and forgets them with the aligner, so it is bounded by `ingest.maxAssets` like the aligner.

export interface AssetPartitions {
  /** The asset's readings came from `partition` and the aligner accepted them. */
  note(assetId: string, partition: number): void;
  /** The aligner forgot these assets (idle eviction, a move to another instance). */
  forget(assetIds: Iterable<string>): void;
  /** Removes and returns the assets of partitions this instance no longer reads. */
  takeRevoked(partitions: readonly number[]): string[];
  readonly size: number;
}

export function createAssetPartitions(): AssetPartitions {
  const partitionOf = new Map<string, number>();
  return {
    note(assetId, partition) {
      if (partitionOf.get(assetId) !== partition) partitionOf.set(assetId, partition);
    },
    forget(assetIds) {
      for (const id of assetIds) partitionOf.delete(id);
    },
    takeRevoked(partitions) {
      const revoked = new Set(partitions);
      const assetIds: string[] = [];
      for (const [id, partition] of partitionOf) if (revoked.has(partition)) assetIds.push(id);
      for (const id of assetIds) partitionOf.delete(id);
      return assetIds;
    },
    get size() {
      return partitionOf.size;
    },
  };
}
