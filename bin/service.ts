// `gruwatch run`: the composition of ingest → model → detector → sinks into
// one service. Start-up order matters for "nothing lost": open the local
// store, restore detector state and replay the reading journal (rebuilding
// open cells and window rings exactly as they were at the last commit), start
// the sink drainers, serve HTTP, and only then connect the sources.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type Clock, type Logger, PipelineError } from '../core/index.js';
import {
  type AssetMonitor,
  type Calibration,
  calibrationSchema,
  createAssetMonitor,
  type MonitorState,
  matchesAssetPattern,
  type Silence,
} from '../detector/index.js';
import {
  createLocalStore,
  createSinkDrainers,
  createSinkRoutes,
  type LocalStore,
  type OutboxDrainer,
} from '../detector/sinks/index.js';
import { createIngest, type Ingest, type SensorReading } from '../ingest/index.js';
import { type ArtifactManifest, createScorer } from '../model/index.js';
import { createModelRegistry } from '../model/node/index.js';
import type { Config } from './config.js';
import { createHttpServer, type ServiceApi } from './http-server.js';
import { createLiveHub } from './live-hub.js';
import { createServiceMetrics, type ServiceMetrics } from './metrics.js';
import {
  type ActiveModel,
  type AssetProgress,
  createPipeline,
  type PersistedAssetState,
} from './pipeline.js';
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
}

export interface RunningService {
  readonly url: string;
  readonly metrics: ServiceMetrics;
  readonly store: LocalStore;
  /** Stops intake, waits for deliveries in progress, flushes the sinks within a deadline, closes. */
  stop(): Promise<void>;
}

interface AssetGroupModel {
  /** The asset group's `match` glob. */
  match: string;
  model: ActiveModel;
  calibration: Calibration;
  manifest: ArtifactManifest;
}

async function loadModels(config: Config, logger: Logger): Promise<AssetGroupModel[]> {
  const registry = createModelRegistry(resolve(config.model.registryDir ?? join(config.dataDir, 'models')));
  const groups: AssetGroupModel[] = [];
  for (const group of config.ingest.assets) {
    if ((await registry.current(group.model)) === undefined) {
      // A new plant starts without a model: frames are stored, windows are not scored yet.
      logger.warn(
        { model: group.model, match: group.match },
        'No model yet for this asset group; storing frames only. Train one with `gruwatch train --from-store`.',
      );
      continue;
    }
    const loaded = await registry.load(group.model, undefined, { channels: [...group.channels] });
    const calibration = calibrationSchema.safeParse(loaded.manifest.calibration);
    if (!calibration.success) {
      throw new PipelineError(
        'MODEL_ARTIFACT_INCOMPATIBLE',
        `model "${group.model}" version ${loaded.version} carries no threshold calibration; retrain it with \`gruwatch train\``,
        { details: { model: group.model, version: loaded.version } },
      );
    }
    if (loaded.manifest.window.lengthSteps !== config.ingest.window.T) {
      throw new PipelineError(
        'MODEL_ARTIFACT_INCOMPATIBLE',
        `model "${group.model}" reconstructs windows of ${loaded.manifest.window.lengthSteps} steps but ingest.window.T is ${config.ingest.window.T}; set ingest.window.T to ${loaded.manifest.window.lengthSteps} or retrain`,
        { details: { model: group.model } },
      );
    }
    const normalizer = loaded.manifest.normalizer;
    groups.push({
      match: group.match,
      calibration: calibration.data,
      manifest: loaded.manifest,
      model: {
        name: group.model,
        version: loaded.version,
        channels: loaded.manifest.channels,
        T: loaded.manifest.dims.T,
        scorer: createScorer(loaded.model, {
          normalizer: { center: normalizer.center, scale: normalizer.scale },
        }),
      },
    });
    logger.info({ model: group.model, modelVersion: loaded.version, match: group.match }, 'Model loaded.');
  }
  return groups;
}

/**
 * The stored frames of an asset with the model's reconstruction, for the asset view: the windows
 * the live service scored (T frames ending on every hop-th cell) are reconstructed again, and each
 * one's newest hop steps are shown, in sensor units.
 */
function reconstructFrames(
  q: { assetId: string; fromMs?: number; toMs?: number; limit: number },
  group: AssetGroupModel | undefined,
  store: LocalStore,
  hop: number,
  nowMs: number,
) {
  const toMs = q.toMs ?? nowMs + 1;
  const fromMs = q.fromMs ?? toMs - 3_600_000;
  const frames = store.queryFrames({ assetId: q.assetId, fromMs, toMs }).slice(-q.limit);
  const channels = group?.model.channels ?? frames[0]?.channels ?? [];
  const points = frames.map((f) => ({
    atMs: f.atMs,
    values: channels.map((c) => {
      const v = f.values[f.channels.indexOf(c)];
      return v === undefined || !Number.isFinite(v) ? null : v;
    }),
    reconstruction: null as (number | null)[] | null,
  }));
  if (group === undefined || frames.length === 0) return { channels, points };
  const { T, scorer } = group.model;
  const { center, scale } = group.manifest.normalizer;
  const C = channels.length;
  const periodMs = frames.length > 1 ? frames[1]!.atMs - frames[0]!.atMs : 1_000;
  const window = new Float32Array(T * C);
  for (let i = T - 1; i < points.length; i++) {
    if ((Math.round(points[i]!.atMs / periodMs) + 1) % hop !== 0) continue;
    if (points[i]!.atMs - points[i - T + 1]!.atMs !== (T - 1) * periodMs) continue; // not contiguous
    const rows = points.slice(i - T + 1, i + 1);
    if (rows.some((r) => r.values.some((v) => v === null))) continue;
    for (const [t, r] of rows.entries()) window.set(r.values as number[], t * C);
    const reconstruction = scorer.score(window).reconstruction;
    for (let t = Math.max(0, T - hop); t < T; t++) {
      rows[t]!.reconstruction = channels.map((_, c) => reconstruction[t * C + c]! * scale[c]! + center[c]!);
    }
  }
  return { channels, points };
}

export async function startService(config: Config, deps: ServiceDeps): Promise<RunningService> {
  const { logger, clock } = deps;
  const log = logger.child({ component: 'service' });
  const metrics = createServiceMetrics();
  const live = createLiveHub();
  mkdirSync(resolve(config.dataDir), { recursive: true });

  const groups = await loadModels(config, log);
  const groupFor = new Map<string, AssetGroupModel | undefined>();
  const groupOf = (assetId: string): AssetGroupModel | undefined => {
    if (!groupFor.has(assetId))
      groupFor.set(
        assetId,
        groups.find((g) => matchesAssetPattern(g.match, assetId)),
      );
    return groupFor.get(assetId);
  };
  for (const g of groups)
    metrics.gauge('detector_model_info', 1, { model: g.model.name, version: g.model.version });

  const store = createLocalStore(
    { ...config.store, path: resolve(config.store.path ?? join(config.dataDir, 'gruwatch.db')) },
    {
      clock,
      logger,
      telemetry: metrics.sinkTelemetry,
      routes: createSinkRoutes(config.sinks, { instance: config.instance ?? hostname() }),
    },
  );

  // Restore the detector and progress state of every asset from the last commit.
  const restored: MonitorState = { version: 1, alerts: {}, ewma: {}, thresholdHistory: {} };
  const progress = new Map<string, AssetProgress>();
  for (const [assetId, text] of store.readAssetStates()) {
    const state = JSON.parse(text) as PersistedAssetState;
    progress.set(assetId, state.progress);
    Object.assign(restored.alerts, state.monitor.alerts);
    Object.assign(restored.ewma, state.monitor.ewma);
    Object.assign(restored.thresholdHistory, state.monitor.thresholdHistory);
  }
  const monitor: AssetMonitor = createAssetMonitor({
    config: config.detector,
    calibrationFor: (assetId) => {
      const group = groupOf(assetId);
      if (group === undefined)
        throw new PipelineError('DETECTOR_INPUT_INVALID', `no model serves asset ${assetId}`);
      return group.calibration;
    },
    restore: restored,
  });
  // Silences added through the API live in the store with a stable id and come back at start;
  // silences from the configuration have no id and come back from the configuration itself.
  const silenceIds = new Map<string, Silence>();
  const idOfSilence = new WeakMap<Silence, string>();
  const trackSilence = (stored: ReturnType<LocalStore['readSilences']>[number]) => {
    const silence: Silence = {
      assetPattern: stored.assetPattern,
      untilMs: stored.untilMs,
      reason: stored.reason,
      createdBy: stored.createdBy,
    };
    silenceIds.set(stored.id, silence);
    idOfSilence.set(silence, stored.id);
    monitor.addSilence(silence);
  };
  for (const stored of store.readSilences(clock.nowMs())) trackSilence(stored);
  if (silenceIds.size > 0) log.info({ silences: silenceIds.size }, 'Restored silences.');
  const pruneSilences = (): void => {
    const nowMs = clock.nowMs();
    const live = new Set(store.readSilences(nowMs).map((s) => s.id));
    for (const [id, silence] of silenceIds) if (!live.has(id)) monitor.removeSilence((s) => s === silence);
    for (const id of silenceIds.keys()) if (!live.has(id)) silenceIds.delete(id);
    monitor.removeSilence((s) => s.untilMs <= nowMs);
  };
  const silenceView = (silence: Silence) => {
    const id = idOfSilence.get(silence);
    return { id: id ?? null, source: id === undefined ? 'config' : 'api', ...silence };
  };

  metrics.trackAssetStatuses(() => monitor.assets());

  const pipeline = createPipeline({
    modelFor: (assetId) => groupOf(assetId)?.model,
    monitor,
    store,
    metrics,
    live,
    logger,
    progress,
  });

  let isIngestReady = false;
  let ingestFailure: string | undefined;
  const ingest: Ingest = createIngest(config.ingest, {
    logger,
    clock,
    telemetry: metrics,
    onFrame: (frame) => pipeline.onFrame(frame),
    onWindow: (window) => pipeline.onWindow(window),
    beforeDelivery: () => store.waitForCapacity(),
    afterDelivery: (delivery) => {
      try {
        pipeline.commitDelivery(delivery);
      } catch (err) {
        log.error(
          { err },
          'Could not commit to the local store; stopping so a restart resumes from the last commit.',
        );
        deps.onCommitFailure?.(err);
        throw err;
      }
    },
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
    telemetry: metrics.sinkTelemetry,
    version: gruwatchVersion(),
  });
  for (const drainer of drainers) drainer.start();

  const api: ServiceApi = {
    readiness: () => [
      { name: 'store', ready: true },
      {
        name: 'ingest',
        ready: isIngestReady,
        ...(isIngestReady
          ? {}
          : {
              detail:
                ingestFailure === undefined
                  ? 'connecting to the sources (retrying with back-off)'
                  : `a source failed permanently: ${ingestFailure}; fix the configuration and restart`,
            }),
      },
    ],
    assets: () => monitor.assets(),
    scores: (q) =>
      store.queryScores({
        assetId: q.assetId,
        fromMs: q.fromMs ?? 0,
        toMs: q.toMs ?? clock.nowMs() + 1,
        limit: q.limit,
      }),
    alerts: (q) => store.queryAlerts({ assetId: q.assetId, limit: q.limit, newestFirst: true }),
    silences: () => {
      pruneSilences();
      return monitor.silences().map(silenceView);
    },
    addSilence: (input) => {
      pruneSilences();
      const stored = { id: randomUUID(), ...input, createdAtMs: clock.nowMs() };
      store.saveSilence(stored);
      trackSilence(stored);
      return { ...stored, source: 'api' };
    },
    removeSilence: (idOrPattern) => {
      const byId = silenceIds.get(idOrPattern);
      if (byId !== undefined) {
        store.deleteSilence(idOrPattern);
        silenceIds.delete(idOrPattern);
        return monitor.removeSilence((s) => s === byId) > 0;
      }
      // Older pages remove by asset pattern: every silence with exactly that pattern goes.
      for (const [id, silence] of silenceIds) {
        if (silence.assetPattern !== idOrPattern) continue;
        store.deleteSilence(id);
        silenceIds.delete(id);
      }
      return monitor.removeSilence((s) => s.assetPattern === idOrPattern) > 0;
    },
    models: () =>
      groups.map((g) => ({
        name: g.model.name,
        version: g.model.version,
        createdAt: g.manifest.createdAt,
        channels: g.model.channels,
        dims: g.manifest.dims,
        threshold: g.calibration.value,
        calibration: g.calibration,
        training: g.manifest.training,
        retrainHistory: [],
      })),
    frames: (q) => reconstructFrames(q, groupOf(q.assetId), store, config.ingest.window.hop, clock.nowMs()),
    subscribe: (listener) => live.subscribe(listener),
  };
  const http: FastifyInstance = await createHttpServer({
    api,
    registry: metrics.registry,
    logger,
    now: () => clock.nowMs(),
    ...(config.http.apiToken ? { apiToken: config.http.apiToken } : {}),
    ...(deps.webRoot ? { webRoot: deps.webRoot } : {}),
  });
  const address = await http.listen({ host: config.http.host, port: config.http.port });
  log.info({ url: address }, 'HTTP server listening.');

  const started = ingest.start().then(
    () => {
      isIngestReady = true;
      log.info('Sources connected; gruwatch is ready.');
    },
    (err: unknown) => {
      ingestFailure = err instanceof Error ? err.message : String(err);
      log.error({ err }, 'A source failed permanently; fix the configuration and restart.');
    },
  );

  let stopping: Promise<void> | undefined;
  return {
    url: address,
    metrics,
    store,
    stop() {
      stopping ??= (async () => {
        log.info('Stopping: intake first, then sinks.');
        await ingest.stop();
        await started;
        await Promise.allSettled(drainers.map((d) => d.close({ timeoutMs: 5_000 })));
        await http.close();
        store.close();
        log.info('Stopped.');
      })();
      return stopping;
    },
  };
}
