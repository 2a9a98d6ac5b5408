// The ingest room assembled from its config: sources → decoder → aligner →
// window assembler → the caller's onWindow. A delivery is acknowledged once
// its readings are aligned and every window they completed has been handled.

import type { AlignedFrame, AlignedWindow } from '../core/index.js';
import {
  type Clock,
  createRateLimitedLog,
  type Logger,
  noopTelemetry,
  type Telemetry,
} from '../core/index.js';
import { createAligner } from './align/aligner.js';
import { createWindowAssembler } from './align/window-assembler.js';
import type { IngestConfig } from './config.js';
import { createDecoder } from './decode/index.js';
import { createAssetPartitions } from './kafka/asset-partitions.js';
import { createKafkaClient, createKafkaSource } from './kafka/kafka-source.js';
import { createStateChangelog, type StateChangelog } from './kafka/state-changelog.js';
import { createMqttSource } from './mqtt/mqtt-source.js';
import type { SensorReading } from './reading.js';
import type { DeliveryHandler, Source, SourceDelivery } from './source.js';

export interface IngestDeps {
  logger: Logger;
  clock: Clock;
  telemetry?: Telemetry;
  /** Receives every finalized frame before the window assembler does; `frame.values` is reused after the call. */
  onFrame?(frame: AlignedFrame): void;
  /**
   * Receives every window. `window.values` is reused after the call returns: copy what you keep
   * before the first `await`. A returned promise delays the acknowledgement of the message that
   * completed the window until it resolves; a rejection leaves the message unacknowledged.
   */
  onWindow(window: AlignedWindow): void | Promise<void>;
  /** Assets forgotten after `ingest.evictIdleAssetsAfterMs` of silence: drop their downstream state too. */
  onAssetsEvicted?(assetIds: readonly string[]): void;
  /** Awaited before a delivery is aligned (e.g. until a store has room); holding it back is backpressure. */
  beforeDelivery?(): void | Promise<void>;
  /**
   * Called after a delivery's readings are aligned and its windows handled, before the source acknowledges
   * it (e.g. to commit what the delivery produced). A throw or rejection leaves the message unacknowledged.
   */
  afterDelivery?(delivery: SourceDelivery): void | Promise<void>;
  /** This instance's stable identity (the state changelog names its writer with it). */
  instance?: string;
  /** Kafka partitions gained in a rebalance: their records wait until the promise resolves. */
  onPartitionsGained?(partitions: readonly number[]): Promise<void>;
  /** Assets of Kafka partitions moved to another instance (their aligner state is already dropped). */
  onPartitionsRevoked?(assetIds: readonly string[]): void;
}

export interface Ingest {
  /**
   * Feeds readings kept from before a restart (a journal) through the aligner and window assembler, so
   * open cells and window rings are rebuilt; frames and windows go to the callbacks as usual. Call before
   * start(). Replayed readings do not count as arriving now: the idle flush waits for live data.
   */
  replay(readings: readonly (SensorReading & { receivedAtMs?: number })[]): void;
  /** Starts every configured source and the idle-flush tick. */
  start(): Promise<void>;
  /** Stops the sources (waiting for deliveries in progress) and the tick. */
  stop(): Promise<void>;
  /** What keeps connected sources from making progress, each a sentence (see `Source.problems`). */
  problems(): string[];
  /**
   * Forgets the assets silent since `nowMs - ingest.evictIdleAssetsAfterMs` whose frames are all
   * out, tells `onAssetsEvicted`, and returns them. The tick calls it about once a minute.
   */
  evictIdle(nowMs: number): string[];
  /** Assets the aligner tracks now (at most `ingest.maxAssets`). */
  readonly trackedAssets: number;
  /** Assets whose Kafka partition is known, so a revocation can hand them on (bounded like the aligner). */
  readonly assetsWithPartition: number;
  /** The Kafka state changelog (`ingest.kafka.changelogTopic`), if configured. */
  readonly changelog: StateChangelog | undefined;
  /**
   * Replaces the open cells and window rings of these assets with those rebuilt from `readings`
   * (another instance's journal, when their `partition` moved here); frames and windows go to the
   * callbacks as in `replay`.
   */
  adoptAssets(
    assetIds: readonly string[],
    readings: readonly (SensorReading & { receivedAtMs?: number })[],
    partition: number,
  ): void;
}

// How often the tick looks for idle assets: their silence is measured in hours, not periods.
const evictCheckIntervalMs = 60_000;

export function createIngest(config: IngestConfig, deps: IngestDeps): Ingest {
  const log = deps.logger.child({ component: 'ingest' });
  const telemetry = deps.telemetry ?? noopTelemetry;
  const rateLimitedLog = createRateLimitedLog(log, deps.clock);
  let windowWork: Promise<void>[] = [];
  // The idle flush looks often enough to notice a stall (see AlignOptions.tickMs), whatever the period.
  const tickMs = Math.min(config.align.periodMs, 1000);
  // Deliveries held back by beforeDelivery (backpressure): data waiting on our side.
  let heldBack = 0;
  const assembler = createWindowAssembler(config.window, (window) => {
    const result = deps.onWindow(window);
    if (result !== undefined) windowWork.push(result);
  });
  let refusedInDelivery = 0;
  let isReplaying = false;
  const assetPartitions = createAssetPartitions();
  const aligner = createAligner(
    {
      ...config.align,
      tickMs,
      maxGapFrames: config.window.T,
      maxAssets: config.maxAssets,
      assets: config.assets,
    },
    {
      onFrame: deps.onFrame
        ? (frame) => {
            deps.onFrame!(frame);
            assembler.push(frame);
          }
        : (frame) => assembler.push(frame),
      telemetry,
      onDrop: (reason, reading) => {
        // Journaled readings were logged when they arrived, before the restart.
        if (isReplaying) return;
        if (reason === 'asset_limit') {
          refusedInDelivery++;
          rateLimitedLog.warn(
            reason,
            { reason, assetId: reading.assetId, maxAssets: config.maxAssets },
            'Dropped readings of a new asset: ingest.maxAssets assets are already tracked.',
          );
        } else if (reason === 'unknown_asset' || reason === 'unknown_channel') {
          // One key per reason, not per asset id: untrusted ids must not grow the limiter.
          rateLimitedLog.warn(
            reason,
            { reason, assetId: reading.assetId, channel: reading.channel },
            'Dropped readings of an asset or channel that no entry of `ingest.assets` lists.',
          );
        }
      },
    },
  );

  const takeWindowWork = (): Promise<void> | undefined => {
    if (windowWork.length === 0) return undefined;
    const work = windowWork;
    windowWork = [];
    return Promise.all(work).then(() => {});
  };

  const resolved = Promise.resolve();
  const align = (delivery: SourceDelivery): Promise<void> => {
    // Aligning it would bring back the state of assets that now live on another instance.
    if (delivery.isStillOwned?.() === false) return resolved;
    const { receivedAtMs, isRedelivery = false } = delivery.origin;
    for (const signal of delivery.signals) aligner.signal(signal);
    const { readings, origin } = delivery;
    refusedInDelivery = 0;
    for (let i = 0; i < readings.length; i++) aligner.push(readings[i]!, receivedAtMs, isRedelivery);
    // Once per asset of the message, after its readings: also when they were late or duplicates,
    // the asset's state is here all the same.
    if (origin.partition !== undefined) {
      let previous: string | undefined;
      for (const { assetId } of readings) {
        if (assetId === previous) continue;
        previous = assetId;
        if (aligner.isTracking(assetId)) assetPartitions.note(assetId, origin.partition);
      }
    }
    if (readings.length > 0 && refusedInDelivery === readings.length && delivery.deadLetter !== undefined) {
      // Nothing of the message was used: keep it whole, with the reason, before it is acknowledged.
      const kept = delivery.deadLetter({
        reason: 'asset_limit',
        message: `ingest.maxAssets (${config.maxAssets}) assets are tracked; readings of new asset "${readings[0]!.assetId}" are refused until idle assets are forgotten (ingest.evictIdleAssetsAfterMs) or the limit is raised`,
      });
      windowWork.push(kept);
    }
    const windowsDone = takeWindowWork();
    const after = deps.afterDelivery;
    if (after === undefined) return windowsDone ?? resolved;
    if (windowsDone !== undefined) return windowsDone.then(() => after(delivery));
    try {
      return after(delivery) ?? resolved;
    } catch (err) {
      return Promise.reject(err);
    }
  };
  const handler: DeliveryHandler = (delivery) => {
    const wait = deps.beforeDelivery?.();
    if (wait === undefined) return align(delivery);
    heldBack++;
    return wait.then(
      () => {
        heldBack--;
        return align(delivery);
      },
      (err: unknown) => {
        heldBack--;
        throw err;
      },
    );
  };
  const isLive = () => heldBack === 0 && sources.every((s) => s.isLive());

  const dropAssets = (assetIds: readonly string[]) => {
    aligner.dropAssets(assetIds);
    assembler.dropAssets(assetIds);
    assetPartitions.forget(assetIds);
    log.info(
      { assets: assetIds.length },
      'Dropped the state of assets whose partitions moved to another instance.',
    );
  };

  const changelog =
    config.kafka?.changelogTopic === undefined
      ? undefined
      : createStateChangelog({
          kafka: createKafkaClient(config.kafka, deps),
          topic: config.kafka.changelogTopic,
          groupId: config.kafka.groupId,
          instance: deps.instance ?? 'gruwatch',
          logger: deps.logger,
        });
  const sources: Source[] = [];
  if (config.mqtt !== undefined) {
    sources.push(
      createMqttSource(
        { ...config.mqtt, deadLetter: config.deadLetter },
        {
          decoder: createDecoder(config.decoder, { clock: deps.clock }),
          logger: deps.logger,
          clock: deps.clock,
          telemetry,
        },
      ),
    );
  }
  if (config.kafka !== undefined) {
    sources.push(
      createKafkaSource(config.kafka, {
        decoder: createDecoder(config.decoder, { clock: deps.clock }),
        logger: deps.logger,
        clock: deps.clock,
        telemetry,
        onPartitionsRevoked: (partitions) => {
          const assetIds = assetPartitions.takeRevoked(partitions);
          if (assetIds.length === 0) return;
          dropAssets(assetIds);
          deps.onPartitionsRevoked?.(assetIds);
        },
        ...(changelog === undefined ? {} : { changelog }),
        ...(deps.instance === undefined ? {} : { instance: deps.instance }),
        ...(deps.onPartitionsGained === undefined ? {} : { onPartitionsGained: deps.onPartitionsGained }),
      }),
    );
  }

  const evictIdle = (nowMs: number): string[] => {
    const evicted = aligner.evictIdle(nowMs, config.evictIdleAssetsAfterMs);
    if (evicted.length === 0) return evicted;
    assembler.dropAssets(evicted);
    assetPartitions.forget(evicted);
    deps.onAssetsEvicted?.(evicted);
    log.info(
      { assets: evicted.length, idleMs: config.evictIdleAssetsAfterMs },
      'Forgot the in-memory state of assets silent for longer than ingest.evictIdleAssetsAfterMs.',
    );
    return evicted;
  };
  let nextEvictCheckMs = Number.NEGATIVE_INFINITY;

  let tickTimer: NodeJS.Timeout | undefined;
  return {
    evictIdle,
    get trackedAssets() {
      return aligner.assetCount;
    },
    get assetsWithPartition() {
      return assetPartitions.size;
    },
    changelog,
    adoptAssets(assetIds, readings, partition) {
      aligner.dropAssets(assetIds);
      assembler.dropAssets(assetIds);
      this.replay(readings);
      for (const id of assetIds) if (aligner.isTracking(id)) assetPartitions.note(id, partition);
    },
    replay(readings) {
      isReplaying = true;
      try {
        for (const r of readings) aligner.push(r, r.receivedAtMs ?? Number.NEGATIVE_INFINITY);
      } finally {
        isReplaying = false;
      }
      takeWindowWork()?.catch((err: unknown) =>
        log.error({ err }, 'Handling a window rebuilt from the journal failed.'),
      );
    },
    async start() {
      tickTimer = setInterval(() => {
        const nowMs = deps.clock.nowMs();
        aligner.tick(nowMs, isLive());
        if (nowMs >= nextEvictCheckMs) {
          nextEvictCheckMs = nowMs + evictCheckIntervalMs;
          evictIdle(nowMs);
        }
        takeWindowWork()?.catch((err: unknown) =>
          rateLimitedLog.warn('tick-window', { err }, 'Handling a window emitted by the idle flush failed.'),
        );
      }, tickMs);
      tickTimer.unref();
      await Promise.all(sources.map((s) => s.start(handler)));
    },
    problems: () => sources.flatMap((s) => s.problems?.() ?? []),
    async stop() {
      if (tickTimer !== undefined) clearInterval(tickTimer);
      await Promise.allSettled(sources.map((s) => s.stop()));
    },
  };
}
