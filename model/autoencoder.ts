// The GRU autoencoder over a batch of windows: encoder GRU → final state (latent) → decoder GRU
// started from the latent → Linear(H → C) on every decoder state; loss = MSE over the batch.
// Forward fills a workspace cache; backward is BPTT through decoder, then encoder.
import type { FloatArray, FloatArrayConstructor, ModelDims } from './dims.js';
import type {
  GruBackwardBuffers,
  GruLayerBuffers,
  GruTransposed,
  InputShift,
  LayerShape,
} from './gru-layer.js';
import { gruLayerBackward, gruLayerForward } from './gru-layer.js';
import { linearBackward, linearForward } from './linear.js';
import { mseBackward, mseForward } from './mse.js';
import type { ParamViews } from './params.js';

/**
 * How the decoder is fed. 'teacher-forcing': step t reads the true sample x[t − 1] (zeros at t = 0),
 * the PyTorch anchor's model. 'latent-only': the decoder reads zeros at every step, so the
 * reconstruction depends on the window only through the H-dimensional latent.
 */
export type DecoderFeeding = 'teacher-forcing' | 'latent-only';

export function decoderShift(feeding: DecoderFeeding): InputShift {
  return feeding === 'teacher-forcing' ? 1 : 'none';
}

/** Every buffer one forward/backward needs, sized once for a maximum batch. */
export interface AutoencoderWorkspace<A extends FloatArray = FloatArray> {
  readonly dims: ModelDims;
  readonly maxBatch: number;
  readonly isTraining: boolean;
  xT: A; // (T, B, C) the batch, time-major
  enc: GruLayerBuffers<A>;
  dec: GruLayerBuffers<A>;
  y: A; // (T, B, C) reconstruction, time-major
  /**
   * Transposed weight copies for the SIMD kernels (only in a WebAssembly arena, else null).
   * Refreshed at every forward unless `hasFixedWeights` (a scorer transposes its weights once).
   */
  transposed: { enc: GruTransposed<A>; dec: GruTransposed<A>; outWT: A } | null;
  hasFixedWeights: boolean;
  grad: {
    dy: A; // (T, B, C)
    dHd: A; // (T, B, H) ∂L/∂ decoder states
    dLatent: A; // (B, H)
    dxT: A; // (T, B, C)
    layer: GruBackwardBuffers<A>;
  } | null;
}

/** Steps of input projection a workspace holds: all T for small batches, else one (see gru-layer.ts). */
function giSteps(maxBatch: number, T: number): number {
  return maxBatch <= 8 ? T : 1;
}

/** Number of floats createWorkspace allocates (to size an arena). */
export function workspaceSize(dims: ModelDims, maxBatch: number, isTraining: boolean): number {
  const { C, T, H } = dims;
  const B = maxBatch;
  const layer = (T + 1) * B * H + (isTraining ? T : 1) * B * 4 * H + (giSteps(B, T) + 1) * B * 3 * H;
  const transposed = 2 * (3 * H * C + 3 * H * H) + H * C;
  const grad = isTraining ? 2 * T * B * C + T * B * H + B * H + 2 * T * B * 3 * H + 2 * B * H : 0;
  return 2 * T * B * C + 2 * layer + grad + transposed;
}

/** `alloc` places the buffers (e.g. in a WebAssembly arena); by default they are new arrays of ctor. */
export function createWorkspace<A extends FloatArray>(
  ctor: FloatArrayConstructor,
  dims: ModelDims,
  maxBatch: number,
  isTraining: boolean,
  alloc?: (n: number) => A,
): AutoencoderWorkspace<A> {
  const { C, T, H } = dims;
  const B = maxBatch;
  const mk = alloc ?? ((n: number) => new ctor(n) as A);
  const layer = (): GruLayerBuffers<A> => ({
    hs: mk((T + 1) * B * H),
    gates: mk((isTraining ? T : 1) * B * 4 * H),
    gi: mk(giSteps(B, T) * B * 3 * H),
    gh: mk(B * 3 * H),
  });
  return {
    dims,
    maxBatch,
    isTraining,
    xT: mk(T * B * C),
    enc: layer(),
    dec: layer(),
    y: mk(T * B * C),
    transposed:
      alloc === undefined
        ? null
        : {
            enc: { wIhT: mk(3 * H * C), wHhT: mk(3 * H * H) },
            dec: { wIhT: mk(3 * H * C), wHhT: mk(3 * H * H) },
            outWT: mk(H * C),
          },
    hasFixedWeights: false,
    grad: isTraining
      ? {
          dy: mk(T * B * C),
          dHd: mk(T * B * H),
          dLatent: mk(B * H),
          dxT: mk(T * B * C),
          layer: { dgi: mk(T * B * 3 * H), dgh: mk(T * B * 3 * H), dhA: mk(B * H), dhB: mk(B * H) },
        }
      : null,
  };
}

/** xT (T, B, C) ← x (B, T, C) for windows first..first+B of `order` (or in sequence when null). */
export function gatherTimeMajor(
  xT: FloatArray,
  x: FloatArray,
  B: number,
  dims: ModelDims,
  order: Uint32Array | null,
  first: number,
): void {
  const { T, C } = dims;
  const TC = T * C;
  for (let b = 0; b < B; b++) {
    const src = (order === null ? first + b : order[first + b]) * TC;
    for (let t = 0; t < T; t++) {
      const s = src + t * C;
      const d = (t * B + b) * C;
      for (let c = 0; c < C; c++) xT[d + c] = x[s + c];
    }
  }
}

/** dst (K, N) ← src (N, K)ᵀ. */
function transposeInto(dst: FloatArray, src: FloatArray, N: number, K: number): void {
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) dst[k * N + n] = src[n * K + k];
}

/** Copies the current weights into the workspace's transposed buffers (no-op without them). */
export function refreshTransposed(ws: AutoencoderWorkspace, p: ParamViews): void {
  const tw = ws.transposed;
  if (tw === null) return;
  const { C, H } = ws.dims;
  transposeInto(tw.enc.wIhT, p.enc.wIh, 3 * H, C);
  transposeInto(tw.enc.wHhT, p.enc.wHh, 3 * H, H);
  transposeInto(tw.dec.wIhT, p.dec.wIh, 3 * H, C);
  transposeInto(tw.dec.wHhT, p.dec.wHh, 3 * H, H);
  transposeInto(tw.outWT, p.outW, C, H);
}

/**
 * Forward over the batch already gathered in ws.xT; returns the mean squared error over T·B·C.
 * Keeps the gate cache only in a training workspace.
 */
export function autoencoderForward(
  ws: AutoencoderWorkspace,
  p: ParamViews,
  B: number,
  feeding: DecoderFeeding,
): number {
  const { C, T, H } = ws.dims;
  const s: LayerShape = { T, B, C, H };
  const keep = ws.isTraining;
  const tw = ws.transposed;
  if (tw !== null && !ws.hasFixedWeights) refreshTransposed(ws, p);
  ws.enc.hs.fill(0, 0, B * H);
  gruLayerForward(ws.enc, ws.xT, 0, p.enc, s, keep, tw?.enc ?? null);
  ws.dec.hs.set(ws.enc.hs.subarray(T * B * H, (T + 1) * B * H), 0);
  gruLayerForward(ws.dec, ws.xT, decoderShift(feeding), p.dec, s, keep, tw?.dec ?? null);
  linearForward(ws.y, 0, ws.dec.hs, B * H, p.outW, p.outB, T * B, H, C, tw?.outWT ?? null);
  return mseForward(ws.y, ws.xT, T * B * C);
}

/**
 * Backward of the last autoencoderForward: accumulates parameter gradients into g, and when
 * wantInput, leaves ∂L/∂xT (T, B, C) in ws.grad.dxT (encoder input, decoder input and MSE target).
 */
export function autoencoderBackward(
  g: ParamViews,
  ws: AutoencoderWorkspace,
  p: ParamViews,
  B: number,
  feeding: DecoderFeeding,
  truncateSteps: number,
  wantInput: boolean,
): void {
  const grad = ws.grad;
  if (grad === null) throw new Error('autoencoderBackward needs a training workspace');
  const { C, T, H } = ws.dims;
  const s: LayerShape = { T, B, C, H };
  const n = T * B * C;
  grad.dy.fill(0, 0, n);
  const dxT = wantInput ? grad.dxT : null;
  if (dxT !== null) dxT.fill(0, 0, n);
  mseBackward(grad.dy, dxT, ws.y, ws.xT, n);
  grad.dHd.fill(0, 0, T * B * H);
  linearBackward(grad.dHd, 0, g.outW, g.outB, grad.dy, 0, ws.dec.hs, B * H, p.outW, T * B, H, C);
  grad.dLatent.fill(0, 0, B * H);
  const shift = decoderShift(feeding);
  gruLayerBackward(
    g.dec,
    dxT,
    grad.dLatent,
    grad.dHd,
    null,
    ws.dec,
    grad.layer,
    ws.xT,
    shift,
    p.dec,
    s,
    truncateSteps,
  );
  gruLayerBackward(
    g.enc,
    dxT,
    null,
    null,
    grad.dLatent,
    ws.enc,
    grad.layer,
    ws.xT,
    0,
    p.enc,
    s,
    truncateSteps,
  );
}

/** A GRU autoencoder: its dimensions, its decoder feeding and its flat float32 parameters. */
export interface Autoencoder {
  readonly dims: ModelDims;
  readonly feeding: DecoderFeeding;
  /** All parameters in paramLayout order (PyTorch state_dict names and shapes). */
  readonly params: Float32Array;
}
