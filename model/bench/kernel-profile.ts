// Where a forward pass spends its time: each kernel of the SIMD path timed alone at the model's
// shapes (input projection, recurrent product, gate step, output layer), with its GFLOP/s against
// this core's peaks. WebAssembly SIMD is 128-bit without a fused multiply-add, so its ceiling is
// 8 flop/cycle (one 4-lane multiply and one 4-lane add per cycle); native AVX2 code with FMA (what
// OpenBLAS and onnxruntime run) reaches 32.
import { readFileSync } from 'node:fs';
import { createRng } from '../../core/rng.js';
import type { ModelDims } from '../dims.js';
import { matmulBt, wasmKernelsFor } from '../matmul.js';
import { createWasmArena } from '../wasm/arena.js';

export interface KernelTiming {
  ns_per_call: number;
  gflops: number | null;
  /** Share of one forward pass (encoder + decoder over T steps, output layer), from these timings. */
  share_of_forward: number;
}

export function cpuPeak(): {
  cpu: string;
  ghz: number;
  wasm_simd128_gflops: number;
  avx2_fma_gflops: number;
} {
  let cpu = 'unknown';
  let mhz = Number.NaN;
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    cpu = /model name\s*:\s*(.*)/.exec(info)?.[1] ?? cpu;
    mhz = Number(/cpu MHz\s*:\s*([\d.]+)/.exec(info)?.[1]);
  } catch {
    // Not Linux: the peaks stay unknown.
  }
  const ghz = mhz / 1000;
  return { cpu, ghz, wasm_simd128_gflops: 8 * ghz, avx2_fma_gflops: 32 * ghz };
}

function timeNs(fn: () => void, targetMs = 60): number {
  for (let i = 0; i < 20; i++) fn();
  let n = 20;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    const ms = performance.now() - t0;
    if (ms >= targetMs) return (ms * 1e6) / n;
    n *= 2;
  }
}

/** Kernel timings for batch B (teacher-forced decoder: both layers project their input). */
export function profileKernels(dims: ModelDims, B: number): Record<string, KernelTiming> | null {
  const { C, T, H } = dims;
  const H3 = 3 * H;
  const sizes = {
    x: B * C,
    h: B * H,
    gi: B * H3,
    gh: B * H3,
    cache: B * 4 * H,
    hOut: B * H,
    y: B * C,
    wIh: H3 * C,
    wIhT: C * H3,
    wHh: H3 * H,
    wHhT: H * H3,
    b: H3,
    outW: C * H,
    outWT: H * C,
    outB: C,
  };
  const arena = createWasmArena(Object.values(sizes).reduce((a, b) => a + b, 0));
  if (arena === null) return null;
  const rng = createRng(7, { algorithm: 'xoshiro128**' });
  const buf = Object.fromEntries(
    Object.entries(sizes).map(([k, n]) => {
      const v = arena.alloc(n);
      for (let i = 0; i < n; i++) v[i] = rng.uniform(-0.5, 0.5);
      return [k, v];
    }),
  ) as Record<keyof typeof sizes, Float32Array>;
  const k = wasmKernelsFor(buf.hOut, buf.cache, buf.gi, buf.h, buf.gh);
  if (k === undefined) return null;
  const ns = {
    input_projection: timeNs(() =>
      matmulBt(buf.gi, 0, buf.x, 0, B, C, buf.wIh, 0, H3, buf.b, false, buf.wIhT),
    ),
    recurrent_product: timeNs(() =>
      matmulBt(buf.gh, 0, buf.h, 0, B, H, buf.wHh, 0, H3, buf.b, false, buf.wHhT),
    ),
    gate_step: timeNs(() =>
      k.gruCell(
        buf.hOut.byteOffset,
        buf.cache.byteOffset,
        buf.gi.byteOffset,
        buf.h.byteOffset,
        buf.gh.byteOffset,
        B,
        H,
      ),
    ),
    output_layer: timeNs(() =>
      matmulBt(buf.y, 0, buf.hOut, 0, B, H, buf.outW, 0, C, buf.outB, false, buf.outWT),
    ),
  };
  const flops = {
    input_projection: 2 * B * C * H3,
    recurrent_product: 2 * B * H * H3,
    gate_step: null,
    output_layer: 2 * B * H * C,
  };
  // Calls per forward: every step of both layers, once each.
  const forwardNs = 2 * T * (ns.input_projection + ns.recurrent_product + ns.gate_step) + T * ns.output_layer;
  const perForward = { input_projection: 2 * T, recurrent_product: 2 * T, gate_step: 2 * T, output_layer: T };
  return Object.fromEntries(
    (Object.keys(ns) as Array<keyof typeof ns>).map((name) => {
      const f = flops[name];
      return [
        name,
        {
          ns_per_call: Math.round(ns[name]),
          gflops: f === null ? null : Number((f / ns[name]).toFixed(2)),
          share_of_forward: Number(((perForward[name] * ns[name]) / forwardNs).toFixed(3)),
        },
      ];
    }),
  );
}
