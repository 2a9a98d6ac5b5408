// `npm run --silent bench:model` prints one JSON object: windows/s of streaming inference (batch 1),
// batched inference (batch 256) and training (batch 64: forward, MSE, backward, Adam) for configs
// A, B, C, with the PyTorch anchor's method (warm-up ≥ 0.3 s and ≥ 3 calls, repeats calibrated to
// ~0.15 s, 5 repeats per round, rounds interleaved, median of the pooled repeats). One thread.
// Options: --rounds N, --configs A,B,C, --with-torch [--torch-anchor PATH] (adds PyTorch figures and
// ratios), --with-ort (adds onnxruntime-node figures and ratios), --anchors DIR: a copy of the
// anchors folder with onnxruntime-node installed (default /tmp/anchors; see the model README). An
// anchor that cannot run here is reported under `anchors` with the reason, and its ratios left out.

import { createRng } from '../../core/rng.js';
import { adamStep, createAdamState } from '../adam.js';
import {
  autoencoderBackward,
  autoencoderForward,
  createWorkspace,
  type DecoderFeeding,
  gatherTimeMajor,
  workspaceSize,
} from '../autoencoder.js';
import { createAutoencoder, defaultFeeding } from '../create-autoencoder.js';
import type { ModelDims } from '../dims.js';
import {
  prepareOrtAnchor,
  runOrtAnchor,
  runTorchAnchor,
  torchUnavailable,
} from '../node/run-torch-anchor.js';
import { paramViews } from '../params.js';
import { createReconstructor } from '../reconstructor.js';
import { createWasmArena } from '../wasm/arena.js';
import { cpuPeak, profileKernels } from './kernel-profile.js';

const CONFIGS: Array<{ name: string } & ModelDims> = [
  { name: 'A', C: 8, T: 64, H: 32 },
  { name: 'B', C: 8, T: 128, H: 64 },
  { name: 'C', C: 52, T: 64, H: 64 },
];
const MODES = ['stream_b1', 'batch256', 'train_b64'] as const;
type Mode = (typeof MODES)[number];
const BATCH: Record<Mode, number> = { stream_b1: 1, batch256: 256, train_b64: 64 };

function measure(fn: () => void, batch: number, targetS = 0.15, repeats = 5, warmS = 0.3): number[] {
  const now = () => performance.now() / 1000;
  const t0 = now();
  let k = 0;
  while (k < 3 || now() - t0 < warmS) {
    fn();
    k++;
  }
  const perCall = (now() - t0) / k;
  const iters = Math.max(1, Math.round(targetS / perCall));
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t = now();
    for (let i = 0; i < iters; i++) fn();
    samples.push((iters * batch) / (now() - t));
  }
  return samples;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function benchConfig(dims: ModelDims, feeding: DecoderFeeding, seed: number): Record<Mode, number[]> {
  const model = createAutoencoder(dims, { seed, feeding });
  const rng = createRng(seed + 1000, { algorithm: 'xoshiro128**' });
  const { T, C } = dims;
  const pool = new Float32Array(512 * T * C);
  for (let i = 0; i < pool.length; i++) pool[i] = 0.5 * rng.gaussian();

  const s1 = createReconstructor(model, { maxBatch: 1 });
  const x1 = pool.subarray(0, T * C);
  const s256 = createReconstructor(model, { maxBatch: 256 });
  const x256 = pool.subarray(0, 256 * T * C);

  // The training step as trainAutoencoder runs it: buffers in the SIMD arena when available.
  const arena = createWasmArena(2 * model.params.length + workspaceSize(dims, 64, true));
  const alloc = arena === null ? undefined : (n: number) => arena.alloc(n);
  const params = alloc === undefined ? model.params : alloc(model.params.length);
  params.set(model.params);
  const grads = alloc === undefined ? new Float32Array(params.length) : alloc(params.length);
  const p = paramViews(params, dims);
  const g = paramViews(grads, dims);
  const adam = createAdamState(params);
  const ws = createWorkspace<Float32Array>(Float32Array, dims, 64, true, alloc);
  let step = 0;
  const trainStep = () => {
    const first = (step++ % 8) * 64;
    gatherTimeMajor(ws.xT, pool, 64, dims, null, first);
    grads.fill(0);
    autoencoderForward(ws, p, 64, feeding);
    autoencoderBackward(g, ws, p, 64, feeding, 0, false);
    adamStep(params, grads, adam, { learningRate: 1e-3 });
  };
  return {
    stream_b1: measure(() => s1.reconstruct(x1), BATCH.stream_b1),
    batch256: measure(() => s256.reconstructBatch(x256, 256), BATCH.batch256),
    train_b64: measure(trainStep, BATCH.train_b64),
  };
}

function parseArgs(argv: string[]) {
  const get = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    rounds: Number(get('--rounds') ?? 3),
    configs: (get('--configs') ?? 'A,B,C').split(','),
    withTorch: argv.includes('--with-torch'),
    torchAnchor: get('--torch-anchor') ?? `${get('--anchors') ?? '/tmp/anchors'}/torch_gru_ae.py`,
    withOrt: argv.includes('--with-ort'),
    ortAnchors: get('--anchors') ?? '/tmp/anchors',
  };
}

const args = parseArgs(process.argv.slice(2));
const configs = CONFIGS.filter((c) => args.configs.includes(c.name));
const feedings: DecoderFeeding[] =
  defaultFeeding === 'teacher-forcing' ? ['teacher-forcing'] : ['teacher-forcing', defaultFeeding];
type TorchRun = {
  configs: Array<{ name: string; threads: Record<string, Record<Mode, { windows_per_s: number }>> }>;
};
const names = configs.map((c) => c.name);
const torchOptions = { script: args.torchAnchor };
const ortOptions = { dir: args.ortAnchors, configs: names, rounds: 1, torch: torchOptions };
const torchWhy = args.withTorch ? torchUnavailable(torchOptions) : 'not requested (--with-torch)';
const ortWhy = args.withOrt ? prepareOrtAnchor(ortOptions) : 'not requested (--with-ort)';
for (const [name, why, asked] of [
  ['PyTorch', torchWhy, args.withTorch],
  ['onnxruntime-node', ortWhy, args.withOrt],
] as const) {
  if (asked && why !== null) process.stderr.write(`bench:model: the ${name} anchor is unavailable: ${why}\n`);
}
const samples = new Map<string, number[]>();
// With --with-torch each round runs our sweep and then one round of the anchor, so both see the
// same phases of a shared, noisy host; the torch figure is the median of its per-round medians.
const torchRuns: TorchRun[] = [];
type OrtRun = {
  results: Record<string, { config: string; threads: number } & Record<string, { windows_per_s: number }>>;
};
const ortRuns: OrtRun[] = [];
for (let round = 0; round < args.rounds; round++) {
  for (const cfg of configs) {
    for (const feeding of feedings) {
      const r = benchConfig(cfg, feeding, round);
      for (const mode of MODES) {
        const key = `${cfg.name}/${feeding}/${mode}`;
        samples.set(key, [...(samples.get(key) ?? []), ...r[mode]]);
      }
    }
  }
  if (torchWhy === null)
    torchRuns.push(runTorchAnchor({ ...torchOptions, configs: names, rounds: 1 }) as TorchRun);
  if (ortWhy === null) ortRuns.push(runOrtAnchor(ortOptions) as OrtRun);
}

const figures = (name: string, feeding: DecoderFeeding) =>
  Object.fromEntries(
    MODES.map((mode) => {
      const s = samples.get(`${name}/${feeding}/${mode}`)!;
      return [
        mode,
        {
          windows_per_s: median(s),
          best_wps: Math.max(...s),
          worst_wps: Math.min(...s),
          n_samples: s.length,
        },
      ];
    }),
  ) as unknown as Record<Mode, { windows_per_s: number }>;

const result: Record<string, unknown> = {
  benchmark: 'gruwatch_model',
  method: `${args.rounds} rounds; warm-up >=0.3s and >=3 calls, repeats calibrated to ~0.15s, 5 repeats; median of pooled repeats; one thread; teacher-forced decoder as in the PyTorch anchor`,
  node: process.version,
  configs: configs.map((cfg) => {
    const entry: Record<string, unknown> = {
      name: cfg.name,
      C: cfg.C,
      T: cfg.T,
      H: cfg.H,
      ...figures(cfg.name, 'teacher-forcing'),
    };
    if (feedings.length > 1)
      entry.production = { decoderFeeding: defaultFeeding, ...figures(cfg.name, defaultFeeding) };
    return entry;
  }),
};

// Where the time goes: each kernel alone at the model's shapes, and the whole forward's GFLOP/s
// (forward = T·(12H(C + H) + 2HC) flops, training ≈ 3× that).
const forwardFlops = (d: ModelDims) => d.T * (12 * d.H * (d.C + d.H) + 2 * d.H * d.C);
result.kernels = {
  peak: cpuPeak(),
  configs: configs.map((cfg) => {
    const ours = figures(cfg.name, 'teacher-forcing');
    const gf = (wps: number, mult: number) => Number(((wps * mult * forwardFlops(cfg)) / 1e9).toFixed(2));
    return {
      name: cfg.name,
      gflops: {
        stream_b1: gf(ours.stream_b1.windows_per_s, 1),
        batch256: gf(ours.batch256.windows_per_s, 1),
        train_b64: gf(ours.train_b64.windows_per_s, 3),
      },
      b1: profileKernels(cfg, 1),
      b256: profileKernels(cfg, 256),
    };
  }),
};
const anchorStatus = (why: string | null) =>
  why === null ? { available: true } : { available: false, reason: why };
result.anchors = { torch: anchorStatus(torchWhy), ort: anchorStatus(ortWhy) };
const ratios = new Map<string, Record<string, number>>(configs.map((c) => [c.name, {}]));
if (torchWhy === null) {
  const torchFigure = (name: string, mode: Mode) =>
    median(
      torchRuns.map((run) => run.configs.find((c) => c.name === name)!.threads['1'][mode].windows_per_s),
    );
  result.torch = {
    method: `torch_gru_ae.py --threads 1 --rounds 1, run once after each of our ${args.rounds} rounds; windows_per_s = median over rounds`,
    configs: configs.map((cfg) => ({
      name: cfg.name,
      ...Object.fromEntries(
        MODES.map((m) => [
          m,
          {
            windows_per_s: torchFigure(cfg.name, m),
            per_round_wps: torchRuns.map(
              (run) => run.configs.find((c) => c.name === cfg.name)!.threads['1'][m].windows_per_s,
            ),
          },
        ]),
      ),
    })),
    runs: torchRuns,
  };
  for (const cfg of configs) {
    const ours = figures(cfg.name, 'teacher-forcing');
    for (const m of MODES)
      ratios.get(cfg.name)![`${m}_vs_torch`] = ours[m].windows_per_s / torchFigure(cfg.name, m);
  }
}
if (ortWhy === null) {
  const ORT_MODES = ['stream_b1', 'batch256'] as const;
  const ortFigure = (name: string, mode: (typeof ORT_MODES)[number]) =>
    median(ortRuns.map((run) => run.results[`${name}|1`]![mode]!.windows_per_s));
  result.ort = {
    method: `ort_gru_ae.mjs --threads 1 --rounds 1, run once after each of our ${args.rounds} rounds; windows_per_s = median over rounds`,
    onnxruntime_node: (ortRuns[0] as unknown as { onnxruntime_node?: string })?.onnxruntime_node,
    configs: configs.map((cfg) => ({
      name: cfg.name,
      ...Object.fromEntries(
        ORT_MODES.map((m) => [
          m,
          {
            windows_per_s: ortFigure(cfg.name, m),
            per_round_wps: ortRuns.map((run) => run.results[`${cfg.name}|1`]![m]!.windows_per_s),
          },
        ]),
      ),
    })),
  };
  for (const cfg of configs) {
    const ours = figures(cfg.name, 'teacher-forcing');
    for (const m of ORT_MODES)
      ratios.get(cfg.name)![`${m}_vs_ort`] = ours[m].windows_per_s / ortFigure(cfg.name, m);
  }
}
if (torchWhy === null || ortWhy === null)
  result.ratios = configs.map((cfg) => ({ ...ratios.get(cfg.name), name: cfg.name }));

process.stdout.write(`${JSON.stringify(result)}\n`);
