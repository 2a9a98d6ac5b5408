// State that follows its Kafka partition: after each local commit the touched
// assets' state (progress, detector state, the readings that rebuild their
// open cells and window rings) goes to the state changelog, and the delivery
// is acknowledged only after that; when a partition is gained, its assets'
// newest state is read back and replaces whatever this instance held for them
// (a partition that returns starts from the state its last owner wrote, not
// from what it left here).
import { type Logger, systemClock } from '../../core/index.js';
import type { Ingest } from '../ingest-pipeline.js';
import type { SensorReading } from '../reading.js';
import type { DeliveryOrigin } from '../source.js';
import type { ChangelogReading, StateChangelog } from './state-changelog.js';

/** The parts of the service's pipeline a restoration sets; each asset's state is opaque here. */
export interface PartitionStatePipeline<AssetState> {
  adoptAssets(states: ReadonlyMap<string, AssetState>): void;
  setReplaying(isReplaying: boolean): void;
  forgetAssets(assetIds: readonly string[]): void;
}

/** The local store: the journal the rings start from, and where restored state is kept. */
export interface PartitionStateStore {
  readJournal(): readonly ChangelogReading[];
  /** Keeps restored asset states (JSON text) locally, so a restart of this instance begins from them. */
  keepAssetState(assetState: ReadonlyMap<string, string>): void;
}

/** What a delivery committed locally: its origin, its readings and the touched assets' state. */
export interface CommittedDelivery {
  origin: DeliveryOrigin;
  /** The delivery's readings, all received at `receivedAtMs`. */
  journal: { readings: readonly SensorReading[]; receivedAtMs: number };
  assetState: ReadonlyMap<string, string>;
}

export interface PartitionStateDeps<AssetState> {
  changelog: StateChangelog;
  pipeline: () => PartitionStatePipeline<AssetState>;
  ingest: () => Pick<Ingest, 'adoptAssets'>;
  store: PartitionStateStore;
  logger: Logger;
  /** How far back, from an asset's newest reading, its readings rebuild its windows. */
  journalKeepMs: number;
  /** Delay between attempts to read the changelog when Kafka refuses. */
  retryDelayMs?: number;
}

export interface PartitionState {
  /** IngestDeps.onPartitionsGained. */
  gained(partitions: readonly number[]): Promise<void>;
  /** IngestDeps.onPartitionsRevoked. */
  revoked(assetIds: readonly string[]): void;
  /** IngestDeps.onAssetsEvicted: their readings leave memory here too (the pipeline forgets them itself). */
  evicted(assetIds: readonly string[]): void;
  /** Assets whose readings are kept for the changelog (bounded by the assets ingest tracks). */
  readonly keptAssets: number;
  /** After each local commit (the pipeline's afterCommit). */
  afterCommit(committed: CommittedDelivery): Promise<void>;
  /**
   * Ends the restorations still running or queued (called once the source stopped, before the store
   * closes): nothing of their partitions will be read here, and the next owner restores them.
   */
  stop(): Promise<void>;
}

export function createPartitionState<AssetState>(deps: PartitionStateDeps<AssetState>): PartitionState {
  const log = deps.logger.child({ component: 'partition-state' });
  const { changelog, journalKeepMs } = deps;
  /** Per asset, its readings within journalKeepMs of its newest (oldest first) and that newest time. */
  const rings = new Map<string, { readings: ChangelogReading[]; newestMs: number }>();
  /** Per asset, the input partition its readings come from (the changelog partition of its state). */
  const partitionOf = new Map<string, number>();
  const remember = (r: ChangelogReading) => {
    let ring = rings.get(r.assetId);
    if (ring === undefined) {
      ring = { readings: [], newestMs: Number.NEGATIVE_INFINITY };
      rings.set(r.assetId, ring);
    }
    ring.readings.push(r);
    ring.newestMs = Math.max(ring.newestMs, r.timestampMs);
    let drop = 0;
    while (drop < ring.readings.length && ring.readings[drop]!.timestampMs < ring.newestMs - journalKeepMs)
      drop++;
    if (drop > 0) ring.readings.splice(0, drop);
  };
  const forget = (assetIds: readonly string[]) => {
    for (const id of assetIds) {
      rings.delete(id);
      partitionOf.delete(id);
    }
  };
  for (const r of deps.store.readJournal()) remember(r);
  let isStopped = false;

  const restoreOne = async (partition: number): Promise<void> => {
    for (let attempt = 1; !isStopped; attempt++) {
      try {
        const startMs = systemClock.nowMs();
        const entries = await changelog.restore(partition);
        if (isStopped) return;
        const states = new Map<string, AssetState>();
        const readings: ChangelogReading[] = [];
        const assetState = new Map<string, string>();
        for (const entry of entries) {
          states.set(entry.assetId, JSON.parse(entry.state) as AssetState);
          assetState.set(entry.assetId, entry.state);
          rings.set(entry.assetId, {
            readings: [...entry.journal],
            newestMs: entry.journal.reduce((m, x) => Math.max(m, x.timestampMs), Number.NEGATIVE_INFINITY),
          });
          partitionOf.set(entry.assetId, entry.partition);
          readings.push(...entry.journal);
        }
        if (entries.length > 0) {
          const pipeline = deps.pipeline();
          readings.sort((a, b) => a.timestampMs - b.timestampMs);
          pipeline.adoptAssets(states);
          pipeline.setReplaying(true);
          try {
            deps.ingest().adoptAssets([...states.keys()], readings, partition);
          } finally {
            pipeline.setReplaying(false);
          }
          deps.store.keepAssetState(assetState);
        }
        log.info(
          { partition, assets: entries.length, readings: readings.length, ms: systemClock.nowMs() - startMs },
          'Restored the state of a gained partition from the changelog.',
        );
        return;
      } catch (err) {
        if (isStopped) return;
        log.warn({ err, partition, attempt }, 'Could not restore a gained partition; retrying.');
        await new Promise((r) => setTimeout(r, deps.retryDelayMs ?? 1_000));
      }
    }
  };

  // One restoration at a time: each replaces the aligner and detector state of its assets in one go.
  let chain: Promise<void> = Promise.resolve();
  return {
    gained(partitions) {
      const run = chain.then(async () => {
        for (const p of partitions) await restoreOne(p);
      });
      chain = run;
      return run;
    },
    revoked(assetIds) {
      forget(assetIds);
      deps.pipeline().forgetAssets(assetIds);
    },
    evicted: forget,
    get keptAssets() {
      return rings.size;
    },
    async stop() {
      isStopped = true;
      await chain;
    },
    afterCommit({ origin, journal, assetState }) {
      for (const r of journal.readings) {
        // Kept in the asset's ring for the changelog, so copied with the reception time here.
        remember({ ...r, receivedAtMs: journal.receivedAtMs });
        if (origin.partition !== undefined) partitionOf.set(r.assetId, origin.partition);
      }
      if (origin.transport !== 'kafka') return Promise.resolve();
      // An asset touched by the idle flush rides on any delivery: it goes to its own partition.
      const entries = [];
      for (const [assetId, state] of assetState) {
        const partition = partitionOf.get(assetId);
        if (partition === undefined) continue;
        entries.push({ assetId, partition, state, journal: rings.get(assetId)?.readings ?? [] });
      }
      return changelog.write(entries);
    },
  };
}
