// One GRU step for a batch, PyTorch's equations (torch.nn.GRU docs), forward and backward side by side:
//   r = σ(gi_r + W_hr h + b_hr), z = σ(gi_z + W_hz h + b_hz), n = tanh(gi_n + r ⊙ (W_hn h + b_hn)),
//   h' = (1 − z) ⊙ n + z ⊙ h, where gi = W_ih x + b_ih is projected for all steps at once by the layer.
// The cache keeps per row r | z | n | (W_hn h + b_hn): exactly what backward needs.
import type { FloatArray } from './dims.js';
import { matmulAddAB, matmulBt, wasmKernelsFor } from './matmul.js';

/**
 * hOut (B, H) at hOff = GRU step from hPrev (B, H) at hpOff and gi (B, 3H) at giOff.
 * cache (B, 4H) at cOff receives r, z, n, ghn. gh (B, 3H) is scratch.
 */
export function gruCellForward(
  hOut: FloatArray,
  hOff: number,
  cache: FloatArray,
  cOff: number,
  gi: FloatArray,
  giOff: number,
  hPrev: FloatArray,
  hpOff: number,
  wHh: FloatArray, // (3H, H)
  bHh: FloatArray, // (3H)
  gh: FloatArray, // (B, 3H) scratch
  B: number,
  H: number,
  wHhT: FloatArray | null = null, // (H, 3H) when the caller keeps W_hh transposed for the SIMD kernels
): void {
  matmulBt(gh, 0, hPrev, hpOff, B, H, wHh, 0, 3 * H, bHh, false, wHhT);
  const wasm = (H & 3) === 0 ? wasmKernelsFor(hOut, cache, gi, hPrev, gh) : undefined;
  if (wasm !== undefined) {
    wasm.gruCell(
      hOut.byteOffset + 4 * hOff,
      cache.byteOffset + 4 * cOff,
      gi.byteOffset + 4 * giOff,
      hPrev.byteOffset + 4 * hpOff,
      gh.byteOffset,
      B,
      H,
    );
    return;
  }
  const H3 = 3 * H;
  const H4 = 4 * H;
  for (let b = 0; b < B; b++) {
    const gib = giOff + b * H3;
    const ghb = b * H3;
    const cb = cOff + b * H4;
    const hb = hOff + b * H;
    const hpb = hpOff + b * H;
    for (let j = 0; j < H; j++) {
      const r = 1 / (1 + Math.exp(-(gi[gib + j] + gh[ghb + j])));
      const z = 1 / (1 + Math.exp(-(gi[gib + H + j] + gh[ghb + H + j])));
      const ghn = gh[ghb + 2 * H + j];
      const n = Math.tanh(gi[gib + 2 * H + j] + r * ghn);
      hOut[hb + j] = (1 - z) * n + z * hPrev[hpb + j];
      cache[cb + j] = r;
      cache[cb + H + j] = z;
      cache[cb + 2 * H + j] = n;
      cache[cb + 3 * H + j] = ghn;
    }
  }
}

/**
 * From dh (B, H) = ∂L/∂h', writes the pre-activation gradients dgi (B, 3H) at dgiOff (= ∂L/∂gi) and
 * dgh (B, 3H) at dghOff (= ∂L/∂(W_hh h + b_hh)), and overwrites dhPrev (B, H) with ∂L/∂h.
 * Parameter gradients are linear in dgi and dgh; the layer accumulates them over all steps at once.
 */
export function gruCellBackward(
  dgi: FloatArray,
  dgiOff: number,
  dgh: FloatArray,
  dghOff: number,
  dhPrev: FloatArray,
  dh: FloatArray,
  cache: FloatArray,
  cOff: number,
  hPrev: FloatArray,
  hpOff: number,
  wHh: FloatArray, // (3H, H)
  B: number,
  H: number,
): void {
  const wasm = (H & 3) === 0 ? wasmKernelsFor(dgi, dgh, dhPrev, dh, cache, hPrev) : undefined;
  if (wasm !== undefined) {
    wasm.gruCellBack(
      dgi.byteOffset + 4 * dgiOff,
      dgh.byteOffset + 4 * dghOff,
      dhPrev.byteOffset,
      dh.byteOffset,
      cache.byteOffset + 4 * cOff,
      hPrev.byteOffset + 4 * hpOff,
      B,
      H,
    );
    matmulAddAB(dhPrev, 0, dgh, dghOff, B, 3 * H, wHh, 0, H);
    return;
  }
  const H3 = 3 * H;
  const H4 = 4 * H;
  for (let b = 0; b < B; b++) {
    const cb = cOff + b * H4;
    const gb = dgiOff + b * H3;
    const hb = dghOff + b * H3;
    const db = b * H;
    const hpb = hpOff + b * H;
    for (let j = 0; j < H; j++) {
      const r = cache[cb + j];
      const z = cache[cb + H + j];
      const n = cache[cb + 2 * H + j];
      const ghn = cache[cb + 3 * H + j];
      const g = dh[db + j];
      const dan = g * (1 - z) * (1 - n * n);
      const daz = g * (hPrev[hpb + j] - n) * z * (1 - z);
      const dar = dan * ghn * r * (1 - r);
      dgi[gb + j] = dar;
      dgi[gb + H + j] = daz;
      dgi[gb + 2 * H + j] = dan;
      dgh[hb + j] = dar;
      dgh[hb + H + j] = daz;
      dgh[hb + 2 * H + j] = dan * r;
      dhPrev[db + j] = g * z;
    }
  }
  matmulAddAB(dhPrev, 0, dgh, dghOff, B, H3, wHh, 0, H);
}
