// Factory for a freshly initialised autoencoder (seeded, PyTorch's default initialisation).
import type { Autoencoder, DecoderFeeding } from './autoencoder.js';
import { assertDims, type ModelDims } from './dims.js';
import { initParams } from './init.js';
import { paramCount } from './params.js';

export interface CreateAutoencoderOptions {
  seed: number;
  /** Default 'latent-only': see model/README.md for the detection numbers behind the choice. */
  feeding?: DecoderFeeding;
}

export const defaultFeeding: DecoderFeeding = 'latent-only';

export function createAutoencoder(dims: ModelDims, options: CreateAutoencoderOptions): Autoencoder {
  assertDims(dims);
  const params = new Float32Array(paramCount(dims));
  initParams(params, dims, options.seed);
  return { dims: { C: dims.C, T: dims.T, H: dims.H }, feeding: options.feeding ?? defaultFeeding, params };
}
