// The model kinds this process knows, built from the configuration: the GRU autoencoder, trained in
// a worker thread when asked to train off the calling thread. The first kind trains first models.
// Tests add kinds of their own through the same deps.
import type { ModelKind } from '../core/index.js';
import type { RetrainJobDeps } from '../detector/retraining/index.js';
import { createGruKind, type ModelConfig } from '../model/index.js';
import { type ModelRegistry, trainInWorker } from '../model/node/index.js';
import { gruwatchVersion } from './version.js';

export function modelKindsFor(model: ModelConfig): ModelKind[] {
  return [createGruKind(model, { trainInWorker })];
}

/** What `fitModel` needs from the configuration: the kind that trains first models, the window, the version. */
export function fittingFor(model: ModelConfig): {
  kind: ModelKind;
  window: { lengthSteps: number; hopSteps: number };
  gruwatchVersion: string;
} {
  return {
    kind: modelKindsFor(model)[0]!,
    window: { lengthSteps: model.windowSteps, hopSteps: model.hopSteps },
    gruwatchVersion: gruwatchVersion(),
  };
}

/** What a retraining job needs besides its input: the kinds, the registry it loads the current model from, the version. */
export function retrainJobDepsFor(
  model: ModelConfig,
  registry: Pick<ModelRegistry, 'load'>,
): Pick<RetrainJobDeps, 'kinds' | 'loadModel' | 'gruwatchVersion'> {
  return {
    kinds: modelKindsFor(model),
    loadModel: (name, version) => registry.load(name, version),
    gruwatchVersion: gruwatchVersion(),
  };
}
