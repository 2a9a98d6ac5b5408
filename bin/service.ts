// `gruwatch run`: the composition of ingest → model → detector → sinks into
// one service. Start-up order matters for "nothing lost": open the local
// store, restore detector state and replay the reading journal (rebuilding
// open cells and window rings exactly as they were at the last commit), start
// the sink drainers, serve HTTP, and only then connect the sources.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { type Clock, type Logger, type ModelKind, PipelineError } from '../core/index.js';
import {
  createModelViews,
  createRunningServiceApi,
  createServiceMetrics,
  registerStoreSpaceGauges,
  type ServiceMetrics,
  serveHttp,
} from '../dashboards/api/index.js';
import {
  type AssetMonitor,
  assetStatusSchema,
  createAssetMonitor,
  createChannelSilenceTracker,
  createModelChanges,
  createServedModels,
  createSilenceRegistry,
  type ModelChanges,
  reconstructFrames,
  type ServedModel,
} from '../detector/index.js';
import { createPipeline, type Pipeline, restoreAssetStates } from '../detector/pipeline/index.js';
import { createRetrainer, type Retrainer, type RetrainerDeps } from '../detector/retraining/index.js';
import {
  alertEventSource,
  createLocalStore,
  createSinkDrainers,
  createSinkRoutes,
  type LocalStore,
  type OutboxDrainer,
  sinkQueueName,
  undeliveredBySink,
} from '../detector/sinks/index.js';
import {
  createIngest,
  createPartitionState,
  type DeliveryOrigin,
  type Ingest,
  type PartitionState,
  type SensorReading,
  startIngestInBackground,
} from '../ingest/index.js';
import { type Config, storePathOf } from './config.js';
import { createLiveHub } from './live-hub.js';
import { modelKindsFor } from './model-kinds.js';
import { openModelRegistry } from './open-model-registry.js';
import { retrainerSettingsOf } from './retrainer-settings.js';
import { retrainJobsInChild } from './run-retrain-in-child.js';
import { storeReadiness } from './store-readiness.js';
import { gruwatchVersion } from './version.js';

export interface ServiceDeps {
  logger: Logger;
  clock: Clock;
  /** Directory of the built live page; omitted = no page. */
  webRoot?: string;
  /**
   * Called when a delivery cannot be committed to the local store. The in-memory state has then
   * moved past what is durable, so the process must restart from the last commit: `gruwatch run`
   * exits; tests observe it. The delivery is not acknowledged either way.
   */
  onCommitFailure?: (err: unknown) => void;
  /** The model kinds stored models may be of; default: those the configuration builds (the GRU autoencoder). */
  modelKinds?: readonly ModelKind[];
  /** Runs a retraining job; default: in a child process at low priority that knows the configured kinds. */
  runRetrainJob?: RetrainerDeps['runJob'];
}

export interface RunningService {
  readonly url: string;
  readonly metrics: ServiceMetrics;
  readonly store: LocalStore;
  /** Stops intake, waits for deliveries in progress, flushes the sinks within a deadline, closes. */
  stop(): Promise<void>;
}

export async function startService(config: Config, deps: ServiceDeps): Promise<RunningService> {
  const { logger, clock } = deps;
  const log = logger.child({ component: 'service' });
  const metrics = createServiceMetrics({ assetStatuses: assetStatusSchema.options });
  const live = createLiveHub();
  mkdirSync(resolve(config.dataDir), { recursive: true });

  const registry = openModelRegistry(config);
  const storePath = storePathOf(config);
  const startupFailures: unknown[] = [];
  // Before the store is open, a failed load stops start-up and is not stored as an event.
  let modelChanges: ModelChanges | undefined;
  const models = createServedModels(config, {
    registry,
    kinds: deps.modelKinds ?? modelKindsFor(config.model),
    logger: log,
    onLoadFailed: (name, version, err) => {
      startupFailures.push(err);
      modelChanges?.record({
        atMs: clock.nowMs(),
        model: name,
        event: 'load_failed',
        version,
        reason: err instanceof Error ? err.message : String(err),
      });
    },
  });
  // At start a model that cannot be served stops start-up with the reason; later, the
  // previous model keeps serving and the failure is an event.
  for (const change of await models.refresh())
    log.info({ model: change.name, modelVersion: change.toVersion }, 'Model loaded.');
  if (startupFailures.length > 0) throw startupFailures[0];
  for (const slot of models.slots) {
    if (slot.served === undefined && slot.needsNewModel === undefined)
      log.warn(
        { model: slot.name, match: slot.match },
        'No model yet for this asset group; storing frames only. Train one with `gruwatch train --from-store` or enable retraining.',
      );
  }
  const servedOf = (assetId: string): ServedModel | undefined => models.slotOf(assetId)?.served;
  // One series per model (its current version), read at scrape time, so retrains add none.
  metrics.trackModelVersions(() =>
    models.slots.flatMap((slot) =>
      slot.served === undefined ? [] : [{ model: slot.name, version: slot.served.version }],
    ),
  );

  // The journal rebuilds open cells and window rings: per asset, the T frames before its newest
  // reading (twice over, for readings that arrive out of order), the lateness and the hold.
  const { align, window } = config.ingest;
  const journalKeepMs = 2 * window.T * align.periodMs + align.latenessMs + align.maxHoldMs;
  const store = createLocalStore(
    { ...config.store, path: storePath, journalKeepMs },
    {
      clock,
      logger,
      telemetry: metrics,
      routes: createSinkRoutes(config.sinks, {
        source: alertEventSource({
          instance: config.instance ?? hostname(),
          consumerGroup: config.ingest.kafka?.groupId,
        }),
      }),
    },
  );

  // Restore the detector and progress state of every asset from the last commit.
  const restored = restoreAssetStates(store.readAssetStates());
  const progress = restored.progress;
  const monitor: AssetMonitor = createAssetMonitor({
    config: config.detector,
    calibrationFor: (assetId) => {
      const served = servedOf(assetId);
      if (served === undefined)
        throw new PipelineError('DETECTOR_INPUT_INVALID', `no model serves asset ${assetId}`);
      return served.calibration;
    },
    modelOf: (assetId) => models.slotOf(assetId)?.name,
    restore: restored.monitor,
  });
  const silences = createSilenceRegistry({ monitor, store, clock, newId: randomUUID });
  if (silences.restored > 0) log.info({ silences: silences.restored }, 'Restored silences.');

  metrics.trackAssetStatuses(() => monitor.assets());

  // The retrainer comes after the journal replay (it must not see replayed windows); the views
  // and the pipeline reach it through this binding.
  let retrainer: Retrainer | undefined;
  const modelViews = createModelViews({
    slots: () => models.slots,
    retraining: (name) => retrainer?.status(name) ?? null,
    history: (name) => store.queryModelEvents({ model: name, limit: 50, newestFirst: true }),
  });
  const publishModel = (name: string) => live.publish({ type: 'model', data: modelViews.view(name) });
  modelChanges = createModelChanges({ models, store, metrics, clock, logger: log, onChange: publishModel });

  let partitionState: PartitionState | undefined;
  const pipeline: Pipeline<DeliveryOrigin> = createPipeline<DeliveryOrigin>({
    modelFor: servedOf,
    monitor,
    store,
    metrics,
    live,
    logger,
    clock,
    progress,
    channelSilence: createChannelSilenceTracker({ silentAfterMs: config.detector.channelSilentAfterMs }),
    onJudged: (window, result, modelName) => retrainer?.observe(window, result, modelName),
    afterCommit: (committed) => partitionState?.afterCommit(committed) ?? Promise.resolve(),
  });

  const ingest: Ingest = createIngest(config.ingest, {
    logger,
    clock,
    instance: config.instance ?? hostname(),
    onPartitionsGained: (partitions) => partitionState?.gained(partitions) ?? Promise.resolve(),
    onPartitionsRevoked: (assetIds) => partitionState?.revoked(assetIds),
    telemetry: metrics,
    onFrame: (frame) => pipeline.onFrame(frame),
    onWindow: (window) => pipeline.onWindow(window),
    onAssetsEvicted: (assetIds) => {
      pipeline.evictAssets(assetIds);
      models.forgetAssets(assetIds);
      partitionState?.evicted(assetIds);
    },
    beforeDelivery: () => store.waitForCapacity(),
    afterDelivery: (delivery) =>
      pipeline.commitDelivery(delivery).catch((err: unknown) => {
        // Stopping on a full disk: the delivery stays unacknowledged for the next start.
        if (stopping !== undefined) throw err;
        log.error(
          { err },
          'Could not commit to the local store; stopping so a restart resumes from the last commit.',
        );
        deps.onCommitFailure?.(err);
        throw err;
      }),
  });

  if (ingest.changelog !== undefined)
    partitionState = createPartitionState({
      changelog: ingest.changelog,
      pipeline: () => pipeline,
      ingest: () => ingest,
      store: {
        readJournal: () => store.readJournal(),
        keepAssetState: (assetState) => store.commit({ scores: [], alerts: [], frames: [] }, { assetState }),
      },
      logger,
      journalKeepMs,
    });
  // Rebuild open cells and window rings from the journal; outputs already committed are skipped.
  const journal: SensorReading[] = store.readJournal();
  if (journal.length > 0) {
    pipeline.setReplaying(true);
    ingest.replay(journal);
    pipeline.setReplaying(false);
    log.info({ readings: journal.length, assets: progress.size }, 'Replayed the reading journal.');
  }

  const drainers: OutboxDrainer[] = createSinkDrainers(config.sinks, store, {
    clock,
    logger,
    telemetry: metrics,
    version: gruwatchVersion(),
  });
  for (const drainer of drainers) drainer.start();
  const sinkNames = config.sinks.map(sinkQueueName);
  const deliveries = () => undeliveredBySink(store.outbox, sinkNames, clock.nowMs());
  metrics.trackUndelivered(deliveries);
  registerStoreSpaceGauges(metrics.registry, () => store.space());

  retrainer = createRetrainer({
    settings: retrainerSettingsOf(config),
    models,
    registry,
    storePath,
    clock,
    logger,
    metrics,
    labels: () => store.listLabels(),
    silences: () => store.listSilencePeriods({ fromMs: 0, toMs: Number.MAX_SAFE_INTEGER }),
    recordEvent: modelChanges.record,
    refreshModels: modelChanges.refresh,
    onStatus: publishModel,
    runJob: deps.runRetrainJob ?? retrainJobsInChild(config.model, registry),
  });
  const api = createRunningServiceApi({
    clock,
    logger,
    newId: randomUUID,
    readiness: () => [storeReadiness(store.space(), storePath), ...ingestStart.readiness()],
    assets: () => monitor.assets(),
    store,
    silences,
    models: modelViews,
    retraining: retrainer,
    frames: (q) =>
      reconstructFrames(store.queryFrames({ ...q, latest: true }), servedOf(q.assetId), {
        hop: config.ingest.window.hop,
        periodMs: config.ingest.align.periodMs,
      }),
    deliveries,
    subscribe: (listener) => live.subscribe(listener),
  });
  const { http, url: address } = await serveHttp(config.http, {
    api,
    registry: metrics.registry,
    logger,
    clock,
    ...(deps.webRoot ? { webRoot: deps.webRoot } : {}),
  });

  retrainer.start();
  // Promotions and rollbacks from outside (the CLI) move the registry pointer; look for them.
  const stopWatchingModels = modelChanges.watch(config.retraining.checkIntervalMs);
  const ingestStart = startIngestInBackground(ingest, log);

  let stopping: Promise<void> | undefined;
  return {
    url: address,
    metrics,
    store,
    stop() {
      stopping ??= (async () => {
        log.info('Stopping: intake first, then sinks.');
        stopWatchingModels();
        pipeline.stopWaiting();
        await retrainer?.stop();
        await ingest.stop();
        await ingestStart.settled;
        await partitionState?.stop();
        await Promise.allSettled(drainers.map((d) => d.close({ timeoutMs: 5_000 })));
        await http.close();
        store.close();
        log.info('Stopped.');
      })();
      return stopping;
    },
  };
}
