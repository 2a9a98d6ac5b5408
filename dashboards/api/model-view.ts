// The page's view of a model (`GET /api/models` items, `model` stream events):
// the version an asset group is served with, its training summary and
// threshold, and where its retraining stands. Built from ports, so the served
// models, the retraining and the store stay in their rooms.
import type { ModelEventView, ModelView, RetrainingView } from './api-types.js';

/** What the view reads of an asset group and the model it is served with. */
export interface ModelSlotPort {
  readonly name: string;
  readonly channels: readonly string[];
  readonly needsNewModel?: string | undefined;
  readonly served:
    | {
        readonly version: string;
        readonly channels: readonly string[];
        readonly calibration: ModelView['calibration'] & object;
        readonly manifest: {
          readonly createdAt: string | null;
          readonly dims: NonNullable<ModelView['dims']>;
          readonly training: ModelView['training'];
        };
      }
    | undefined;
}

export interface ModelViewDeps {
  /** The asset groups in configuration order; several may share one model. */
  slots(): readonly ModelSlotPort[];
  /** Where the model's retraining stands; null without retraining. */
  retraining(name: string): RetrainingView | null;
  /** The model's newest events, newest first. */
  history(name: string): ModelEventView[];
}

export interface ModelViews {
  /** The model names, each once, in configuration order. */
  names(): string[];
  view(name: string): ModelView;
}

export function createModelViews(deps: ModelViewDeps): ModelViews {
  return {
    names: () => [...new Set(deps.slots().map((s) => s.name))],
    view(name) {
      const slot = deps.slots().find((s) => s.name === name);
      const served = slot?.served;
      return {
        name,
        version: served?.version ?? null,
        createdAt: served?.manifest.createdAt ?? null,
        channels: served?.channels ?? slot?.channels ?? [],
        dims: served?.manifest.dims ?? null,
        threshold: served?.calibration.value ?? null,
        calibration: served?.calibration ?? null,
        training: served?.manifest.training ?? null,
        needsNewModel: slot?.needsNewModel ?? null,
        retraining: deps.retraining(name),
        retrainHistory: deps.history(name),
      };
    },
  };
}
