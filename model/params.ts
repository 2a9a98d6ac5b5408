// One flat parameter buffer with named views (llm.c layout). Gradients and the Adam moments use
// the same layout, so the optimizer is one loop and an artifact is a manifest plus this buffer.
// Tensor shapes and names follow PyTorch's state_dict of the anchor model (enc, dec, out).
import type { FloatArray, ModelDims } from './dims.js';

export interface GruViews<A extends FloatArray = FloatArray> {
  wIh: A; // (3H, C) rows: reset, update, new
  wHh: A; // (3H, H)
  bIh: A; // (3H)
  bHh: A; // (3H)
}

export interface ParamViews<A extends FloatArray = FloatArray> {
  enc: GruViews<A>;
  dec: GruViews<A>;
  outW: A; // (C, H)
  outB: A; // (C)
}

export interface TensorSpec {
  /** PyTorch state_dict name, e.g. `enc.weight_ih_l0`. */
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

/** Tensor order inside the flat buffer; also the order written to an artifact. */
export function paramLayout(dims: ModelDims): TensorSpec[] {
  const { C, H } = dims;
  const shapes: Array<[string, number[]]> = [];
  for (const g of ['enc', 'dec']) {
    shapes.push([`${g}.weight_ih_l0`, [3 * H, C]]);
    shapes.push([`${g}.weight_hh_l0`, [3 * H, H]]);
    shapes.push([`${g}.bias_ih_l0`, [3 * H]]);
    shapes.push([`${g}.bias_hh_l0`, [3 * H]]);
  }
  shapes.push(['out.weight', [C, H]]);
  shapes.push(['out.bias', [C]]);
  let offset = 0;
  return shapes.map(([name, shape]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const spec = { name, shape, offset, size };
    offset += size;
    return spec;
  });
}

export function paramCount(dims: ModelDims): number {
  const { C, H } = dims;
  return 2 * (3 * H * C + 3 * H * H + 6 * H) + C * H + C;
}

/** Named views over `data` (which must have paramCount(dims) entries). */
export function paramViews<A extends FloatArray>(data: A, dims: ModelDims): ParamViews<A> {
  const v = paramLayout(dims).map((s) => data.subarray(s.offset, s.offset + s.size) as A);
  return {
    enc: { wIh: v[0], wHh: v[1], bIh: v[2], bHh: v[3] },
    dec: { wIh: v[4], wHh: v[5], bIh: v[6], bHh: v[7] },
    outW: v[8],
    outB: v[9],
  };
}
