// Adam over the flat parameter buffer (torch.optim.Adam without weight decay), plus clipping by
// global norm (torch.nn.utils.clip_grad_norm_): both are single loops thanks to the shared layout.
import type { FloatArray } from './dims.js';

export interface AdamState<A extends FloatArray = FloatArray> {
  m: A; // same layout as the parameters
  v: A;
  step: number;
}

export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

export function createAdamState<A extends FloatArray>(params: A): AdamState<A> {
  const ctor = params.constructor as new (n: number) => A;
  return { m: new ctor(params.length), v: new ctor(params.length), step: 0 };
}

/** One update: p ← p − lr · m̂ / (√v̂ + eps), with PyTorch's bias-correction arrangement. */
export function adamStep(params: FloatArray, grads: FloatArray, state: AdamState, opts: AdamOptions): void {
  const b1 = opts.beta1 ?? 0.9;
  const b2 = opts.beta2 ?? 0.999;
  const eps = opts.eps ?? 1e-8;
  state.step += 1;
  const bc1 = 1 - b1 ** state.step;
  const bc2Sqrt = Math.sqrt(1 - b2 ** state.step);
  const stepSize = opts.learningRate / bc1;
  const { m, v } = state;
  for (let i = 0; i < params.length; i++) {
    const g = grads[i];
    const mi = b1 * m[i] + (1 - b1) * g;
    const vi = b2 * v[i] + (1 - b2) * g * g;
    m[i] = mi;
    v[i] = vi;
    params[i] -= (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + eps);
  }
}

/** Scales grads so their global L2 norm is at most maxNorm; returns the norm before clipping. */
export function clipGradNorm(grads: FloatArray, maxNorm: number): number {
  let s = 0;
  for (let i = 0; i < grads.length; i++) s += grads[i] * grads[i];
  const norm = Math.sqrt(s);
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) for (let i = 0; i < grads.length; i++) grads[i] *= coef;
  return norm;
}
