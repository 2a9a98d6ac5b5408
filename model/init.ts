// Seeded initialisation with PyTorch's defaults for nn.GRU and nn.Linear(H → C):
// every entry uniform in ±1/√H (GRU: 1/√hidden_size; Linear: 1/√fan_in with fan_in = H).

import { createRng } from '../core/rng.js';
import type { FloatArray, ModelDims } from './dims.js';

export function initParams(data: FloatArray, dims: ModelDims, seed: number): void {
  const rng = createRng(seed, { algorithm: 'xoshiro128**' });
  const bound = 1 / Math.sqrt(dims.H);
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-bound, bound);
}
