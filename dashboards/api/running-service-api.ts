// The API of `gruwatch run` over ports into the other rooms: the store's
// queries, the silence registry, the model views and the retraining. What it
// adds is the API's own policy: default time ranges, newest-first lists, ids
// for new labels, model actions answered at once, and the API's error codes.
import { isPipelineError, type Logger, PipelineError } from '../../core/index.js';
import type {
  AlertEventView,
  AssetSnapshot,
  FramesView,
  LabelInput,
  LabelView,
  ModelEventView,
  ReadinessCheck,
  RetrainingView,
  ScorePoint,
  SilenceView,
  SinkDelivery,
} from './api-types.js';
import type { ModelViews } from './model-view.js';
import type { LiveEvent, ServiceApi, SilenceInput } from './service-api.js';

/** How far back the frames of an asset reach when the request names no start. */
const defaultFramesSpanMs = 3_600_000;

/** The store's reads and writes the API uses. */
export interface ApiStore {
  queryScores(query: {
    assetId: string;
    fromMs: number;
    toMs: number;
    limit: number;
    latest: boolean;
  }): ScorePoint[];
  queryAlerts(query: { assetId?: string; limit: number; newestFirst: boolean }): AlertEventView[];
  queryModelEvents(query: { model?: string; limit: number; newestFirst: boolean }): ModelEventView[];
  listLabels(query: { assetId?: string; fromMs?: number; toMs?: number }): LabelView[];
  saveLabel(label: LabelView): void;
  deleteLabel(id: string): boolean;
}

/** The retraining of the served models, when the service runs it. */
export interface ApiRetraining {
  /** Null for a model no asset group is scored with. */
  status(model: string): RetrainingView | null;
  /** Runs a retraining now; settles when the run ends. */
  retrainNow(model: string): Promise<unknown>;
  promote(model: string, version: string): Promise<void>;
  rollback(model: string): Promise<{ from: string; to: string }>;
}

export interface RunningServiceApiDeps {
  clock: { nowMs(): number };
  logger: Logger;
  newId(): string;
  readiness(): ReadinessCheck[];
  assets(): AssetSnapshot[];
  store: ApiStore;
  silences: {
    list(): SilenceView[];
    add(input: SilenceInput): SilenceView;
    remove(idOrPattern: string): boolean;
  };
  models: ModelViews;
  retraining: ApiRetraining;
  /** Stored frames of one asset in [fromMs, toMs) with the model's reconstruction. */
  frames(query: { assetId: string; fromMs: number; toMs: number; limit: number }): FramesView;
  deliveries(): SinkDelivery[];
  subscribe(listener: (event: LiveEvent) => void): () => void;
}

/**
 * The model actions' failures as the API's codes: a model, version or earlier version the
 * registry does not have is API_NOT_FOUND; a version that cannot be served is API_CONFLICT.
 */
function asApiError(err: unknown, model: string): unknown {
  if (!isPipelineError(err)) return err;
  const details = { ...err.details, model };
  if (err.code === 'CLI_USAGE')
    return new PipelineError('API_NOT_FOUND', err.message, { details, cause: err });
  if (
    err.code === 'MODEL_ARTIFACT_INVALID' ||
    err.code === 'MODEL_ARTIFACT_INCOMPATIBLE' ||
    err.code === 'MODEL_TRAINING_FAILED'
  )
    return new PipelineError('API_CONFLICT', err.message, { details, cause: err });
  return err;
}

export function createRunningServiceApi(deps: RunningServiceApiDeps): ServiceApi {
  const { clock, store, models, retraining } = deps;
  const log = deps.logger.child({ component: 'api' });
  const knownModel = (model: string): void => {
    if (retraining.status(model) === null)
      throw new PipelineError('API_NOT_FOUND', `no asset group is scored with model "${model}"`, {
        details: { model },
      });
  };
  const modelAction = async <T>(model: string, action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (err) {
      throw asApiError(err, model);
    }
  };

  return {
    readiness: () => deps.readiness(),
    assets: () => deps.assets(),
    scores: (q) =>
      store.queryScores({
        assetId: q.assetId,
        fromMs: q.fromMs ?? 0,
        toMs: q.toMs ?? clock.nowMs() + 1,
        limit: q.limit,
        latest: true,
      }),
    alerts: (q) =>
      store.queryAlerts({ limit: q.limit, newestFirst: true, ...(q.assetId ? { assetId: q.assetId } : {}) }),
    silences: () => deps.silences.list(),
    addSilence: (input) => deps.silences.add(input),
    removeSilence: (idOrPattern) => deps.silences.remove(idOrPattern),
    models: () => models.names().map(models.view),
    modelEvents: (q) =>
      store.queryModelEvents({ limit: q.limit, newestFirst: true, ...(q.model ? { model: q.model } : {}) }),
    labels: (q) => store.listLabels(q),
    addLabel(input: LabelInput) {
      const label = { id: deps.newId(), ...input, createdAtMs: clock.nowMs() };
      store.saveLabel(label);
      log.info({ label }, 'Operator label added.');
      return label;
    },
    removeLabel: (id) => store.deleteLabel(id),
    retrainNow: (model) =>
      modelAction(model, async () => {
        knownModel(model);
        // Answered at once (202): the run takes minutes; its progress and outcome arrive as
        // model events and on the page.
        retraining
          .retrainNow(model)
          .catch((err: unknown) => log.error({ err, model }, 'Requested retraining failed.'));
        return { model, queued: true as const, retraining: retraining.status(model) };
      }),
    promoteModel: (model, version) =>
      modelAction(model, async () => {
        await retraining.promote(model, version);
        return models.view(model);
      }),
    rollbackModel: (model) =>
      modelAction(model, async () => {
        const moved = await retraining.rollback(model);
        return { ...moved, model: models.view(model) };
      }),
    frames(q) {
      const toMs = q.toMs ?? clock.nowMs() + 1;
      const fromMs = q.fromMs ?? toMs - defaultFramesSpanMs;
      return deps.frames({ assetId: q.assetId, fromMs, toMs, limit: q.limit });
    },
    deliveries: () => deps.deliveries(),
    subscribe: (listener) => deps.subscribe(listener),
  };
}
