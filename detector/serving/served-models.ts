// The model each asset group is scored with, and the swap to another one.
// The registry's `current` pointer is the single source of truth: a promotion
// by the retrainer, by `gruwatch models promote|rollback` or by the page moves
// the pointer, and `refresh` (called on a timer and after in-process
// promotions) loads the new version and swaps it in. The swap is one
// assignment between two windows on the event loop, so every window is scored
// by exactly one model: none is dropped, none is scored twice.
import {
  type ChannelScaling,
  isPipelineError,
  type Logger,
  type ModelKind,
  matchesAssetPattern,
  modelKindOf,
  PipelineError,
  type StoredModel,
  type WindowReconstructor,
} from '../../core/index.js';
import { type Calibration, calibrationSchema } from '../threshold/calibrate-threshold.js';

/** A stored model as the registry reads it back: its name and version, manifest and weights. */
export interface LoadedStoredModel extends StoredModel {
  name: string;
  version: string;
}

/** What serving asks of the model registry. */
export interface ServingRegistry<Loaded extends LoadedStoredModel> {
  load(name: string, version?: string, expect?: { channels?: string[] }): Promise<Loaded>;
  current(name: string): Promise<string | undefined>;
}

/** The parts of the configuration serving reads: the asset groups and the window length. */
export interface ServingConfig {
  ingest: {
    assets: readonly { match: string; model: string; channels: readonly string[] }[];
    window: { T: number };
  };
}

/** A loaded model with what the detector and the page need besides the reconstructor. */
export interface ServedModel<Loaded extends LoadedStoredModel = LoadedStoredModel> {
  name: string;
  version: string;
  channels: readonly string[];
  T: number;
  reconstructor: WindowReconstructor;
  calibration: Calibration;
  manifest: Loaded['manifest'];
  normalizer: ChannelScaling;
  /** The model's kind and sizes in one line, for logs. */
  description: string;
  loaded: Loaded;
}

/** One asset group of the configuration and the model it is scored with (none yet: frames only). */
export interface ModelSlot<Loaded extends LoadedStoredModel = LoadedStoredModel> {
  match: string;
  /** The registry name of the group's model. */
  name: string;
  channels: readonly string[];
  served: ServedModel<Loaded> | undefined;
  /**
   * Set when the registry's current model was trained for other channels than the group lists (a
   * sensor added or removed): the group stores frames unscored until a model for its channels is
   * trained. Says which channels and what to do.
   */
  needsNewModel?: string;
}

export interface ModelChange {
  name: string;
  fromVersion: string | undefined;
  toVersion: string;
  /** A version older than the one it replaces (versions sort by creation time). */
  isRollback: boolean;
}

export interface ServedModels<Loaded extends LoadedStoredModel = LoadedStoredModel> {
  readonly slots: readonly ModelSlot<Loaded>[];
  slotOf(assetId: string): ModelSlot<Loaded> | undefined;
  /** Drops the cached slot of assets no longer tracked. */
  forgetAssets(assetIds: Iterable<string>): void;
  /** Loads and checks a version as it would be served, without serving it. */
  prepare(name: string, version?: string): Promise<ServedModel<Loaded>>;
  /**
   * Serves the registry's current version of every model whose pointer moved. A version that
   * cannot be loaded is reported through `onLoadFailed` and the slot keeps its model.
   */
  refresh(): Promise<ModelChange[]>;
}

export interface ServedModelsDeps<Loaded extends LoadedStoredModel> {
  registry: ServingRegistry<Loaded>;
  /** The kinds stored models may be of; a model is served by the kind its manifest names. */
  kinds: readonly ModelKind[];
  logger: Logger;
  onLoadFailed?: (name: string, version: string, err: unknown) => void;
}

const maxCachedAssets = 100_000;

function incompatible(message: string, details: Record<string, unknown>): PipelineError {
  return new PipelineError('MODEL_ARTIFACT_INCOMPATIBLE', message, { details });
}

export function createServedModels<Loaded extends LoadedStoredModel>(
  config: ServingConfig,
  deps: ServedModelsDeps<Loaded>,
): ServedModels<Loaded> {
  const { registry } = deps;
  const slots: ModelSlot<Loaded>[] = config.ingest.assets.map((g) => ({
    match: g.match,
    name: g.model,
    channels: [...g.channels],
    served: undefined,
  }));
  const isChannelMismatch = (err: unknown): boolean =>
    isPipelineError(err, 'MODEL_ARTIFACT_INCOMPATIBLE') && err.details.field === 'channels';
  const slotByAsset = new Map<string, ModelSlot<Loaded> | undefined>();
  const failedVersions = new Set<string>();

  const prepare = async (name: string, version?: string): Promise<ServedModel<Loaded>> => {
    const slot = slots.find((s) => s.name === name);
    if (slot === undefined)
      throw new PipelineError('CLI_USAGE', `no asset group is scored with model "${name}"`, {
        details: { model: name },
      });
    const loaded = await registry.load(name, version, { channels: [...slot.channels] });
    const calibration = calibrationSchema.safeParse(loaded.manifest.calibration);
    if (!calibration.success)
      throw incompatible(
        `model "${name}" version ${loaded.version} carries no threshold calibration; retrain it with \`gruwatch train\``,
        { model: name, version: loaded.version },
      );
    if (loaded.manifest.window.lengthSteps !== config.ingest.window.T)
      throw incompatible(
        `model "${name}" reconstructs windows of ${loaded.manifest.window.lengthSteps} steps but ingest.window.T is ${config.ingest.window.T}; set ingest.window.T to ${loaded.manifest.window.lengthSteps} or retrain`,
        { model: name, version: loaded.version },
      );
    const normalizer = { center: loaded.manifest.normalizer.center, scale: loaded.manifest.normalizer.scale };
    const kind = modelKindOf(deps.kinds, loaded.manifest);
    return {
      name,
      version: loaded.version,
      channels: loaded.manifest.channels,
      T: loaded.manifest.dims.T,
      reconstructor: kind.createReconstructor(loaded),
      calibration: calibration.data,
      manifest: loaded.manifest,
      normalizer,
      loaded,
      description: kind.describe(loaded.manifest),
    };
  };

  return {
    slots,
    slotOf(assetId) {
      if (!slotByAsset.has(assetId)) {
        // A memo only: cleared when ids from outside (API queries, untracked assets) fill it.
        if (slotByAsset.size >= maxCachedAssets) slotByAsset.clear();
        slotByAsset.set(
          assetId,
          slots.find((s) => matchesAssetPattern(s.match, assetId)),
        );
      }
      return slotByAsset.get(assetId);
    },
    forgetAssets(assetIds) {
      for (const id of assetIds) slotByAsset.delete(id);
    },
    prepare,
    async refresh() {
      const changes: ModelChange[] = [];
      for (const name of new Set(slots.map((s) => s.name))) {
        const current = await registry.current(name);
        const serving = slots.filter((s) => s.name === name);
        if (current === undefined || serving.every((s) => s.served?.version === current)) continue;
        if (failedVersions.has(`${name}/${current}`)) continue; // reported once; waits for another promotion
        let served: ServedModel<Loaded>;
        try {
          served = await prepare(name, current);
        } catch (err) {
          failedVersions.add(`${name}/${current}`);
          if (isChannelMismatch(err) && serving.every((s) => s.served === undefined)) {
            // The group's channels changed (a sensor added or removed): keep running and storing
            // frames; say that the group needs a model trained for its channels.
            const reason = `${(err as Error).message}; until then the group's frames are stored but not scored (gruwatch train --from-store, or retraining)`;
            for (const slot of serving) slot.needsNewModel = reason;
            deps.logger.warn(
              { model: name, modelVersion: current, channels: serving[0]?.channels },
              'The asset group needs a new model: its current model was trained for other channels. Storing frames only.',
            );
            continue;
          }
          deps.logger.error(
            { err, model: name, modelVersion: current },
            'The current model version cannot be served; the previous model keeps serving.',
          );
          deps.onLoadFailed?.(name, current, err);
          continue;
        }
        const fromVersion = serving.find((s) => s.served !== undefined)?.served?.version;
        // The swap: from the next window on, the group is scored with the new model.
        for (const slot of serving) {
          slot.served = served;
          delete slot.needsNewModel;
        }
        const isRollback = fromVersion !== undefined && current < fromVersion;
        changes.push({ name, fromVersion, toVersion: current, isRollback });
        deps.logger.info(
          {
            model: name,
            modelVersion: current,
            previousVersion: fromVersion ?? null,
            modelKind: served.description,
          },
          isRollback ? 'Rolled back to an earlier model version.' : 'Now scoring with a new model version.',
        );
      }
      return changes;
    },
  };
}
