// One small machine for the fault tests of `gruwatch run`: two channels whose
// value at each second follows from the sequence number, so a test can check
// every published reading in the stored frames; a tiny model trained on it,
// the configuration around it, and readers of the store's frames and scores.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { fittingFor } from '../../bin/model-kinds.js';
import { detectorConfigSchema } from '../../detector/index.js';
import { fitModel } from '../../detector/retraining/index.js';
import { alignReadings, type SensorReading } from '../../ingest/index.js';
import { modelConfigSchema } from '../../model/index.js';
import { createModelRegistry } from '../../model/node/index.js';
import { historicDataRetention } from './historic-retention.js';
import { onTeardown } from './integration.js';
import { gruwatchCli } from './service-process.js';

export const smallChannels = ['a', 'b'] as const;
export const smallPeriodMs = 1_000;
const T = 16;
const hop = 4;

/** The value of `channel` in the reading with sequence number `seq`: exact in float32. */
export function smallValue(channel: string, seq: number): number {
  const phase = (seq % 60) / 4;
  return channel === 'a' ? 50 + phase : 20 - phase / 2;
}

/** The readings of sequence numbers [from, to) of one asset, one per channel per period from `t0`. */
export function smallReadings(assetId: string, t0: number, from: number, to: number): SensorReading[] {
  const out: SensorReading[] = [];
  for (let seq = from; seq < to; seq++)
    for (const channel of smallChannels)
      out.push({ assetId, channel, timestampMs: t0 + seq * smallPeriodMs, value: smallValue(channel, seq) });
  return out;
}

export const smallSettings = {
  model: modelConfigSchema.parse({
    windowSteps: T,
    hopSteps: hop,
    hiddenSize: 8,
    training: { epochs: 2, batchSize: 32, learningRate: 0.01, patience: 2, seed: 1 },
  }),
  detector: detectorConfigSchema.parse({
    scoring: { aggregate: 'mse_last_hop', hopSteps: hop },
    threshold: { type: 'quantile', q: 0.99 },
  }),
  align: {
    periodMs: smallPeriodMs,
    fill: 'last' as const,
    maxHoldMs: 5_000,
    latenessMs: 2_000,
    idleFlushMs: 10_000,
  },
  window: { T, hop },
  assets: [{ match: '*', model: 'small', channels: [...smallChannels] }],
};

/** Trains the small model on 15 minutes of the machine and makes it the registry's current one. */
export async function trainSmallModel(registryDir: string): Promise<void> {
  const t0 = Date.UTC(2026, 0, 1);
  const segment = alignReadings(smallReadings('train', t0, 0, 900), smallChannels, smallSettings)!;
  const fitted = await fitModel({
    segments: [segment],
    channels: smallChannels,
    periodMs: smallPeriodMs,
    ...fittingFor(smallSettings.model),
    detector: smallSettings.detector,
    isInWorker: false,
  });
  const registry = createModelRegistry(registryDir);
  await registry.promote('small', await registry.add('small', fitted.bytes));
}

/** The `gruwatch run` configuration around the small machine; `ingest` adds the source. */
export function smallServiceConfig(dataDir: string, httpPort: number, ingest: Record<string, unknown>) {
  const { model, detector, align, window, assets } = smallSettings;
  return {
    dataDir,
    http: { port: httpPort },
    ingest: { decoder: { type: 'json' }, align, window, assets, ...ingest },
    model,
    detector: { ...detector, silences: [], maintenance: [], overrides: [] },
    // The tests' clocks are in January 2026; keep their records past the default retention.
    store: { synchronous: 'normal', retention: historicDataRetention },
  };
}

export interface StoredFrame {
  atMs: number;
  state: string;
  values: Float64Array;
}

/** The frames and score times (oldest first) and the number of alert events the store holds for one asset. */
export function readStore(
  dataDir: string,
  assetId: string,
): { frames: StoredFrame[]; scoreAtMs: number[]; alerts: number } {
  const db = new Database(join(dataDir, 'gruwatch.db'), { readonly: true, fileMustExist: true });
  try {
    const frames = (
      db.prepare('SELECT at_ms, state, vals FROM frames WHERE asset_id = ? ORDER BY at_ms').all(assetId) as {
        at_ms: number;
        state: string;
        vals: Buffer;
      }[]
    ).map((r) => ({
      atMs: r.at_ms,
      state: r.state,
      values: new Float64Array(new Uint8Array(r.vals).buffer),
    }));
    const scoreAtMs = (
      db.prepare('SELECT at_ms FROM scores WHERE asset_id = ? ORDER BY at_ms').all(assetId) as {
        at_ms: number;
      }[]
    ).map((r) => r.at_ms);
    const { alerts } = db
      .prepare('SELECT count(*) AS alerts FROM alerts WHERE asset_id = ?')
      .get(assetId) as {
      alerts: number;
    };
    return { frames, scoreAtMs, alerts };
  } finally {
    db.close();
  }
}

/**
 * Frame times at which a scored window ends, among `frames`: windows end on grid cells whose index
 * is one less than a multiple of hop (see ingest/align/window-assembler.ts) and are scored when their
 * T consecutive frames are all complete.
 */
export function expectedWindowEnds(frames: readonly StoredFrame[]): number[] {
  const ends: number[] = [];
  let run = 0;
  let previous: number | undefined;
  for (const f of frames) {
    const isNext = previous !== undefined && f.atMs === previous + smallPeriodMs;
    run = f.state !== 'ok' ? 0 : isNext ? run + 1 : 1;
    previous = f.atMs;
    if (run >= T && (f.atMs / smallPeriodMs + 1) % hop === 0) ends.push(f.atMs);
  }
  return ends;
}

/** A temporary folder (removed after the test) whose data folder holds the trained small model. */
/** `onFinished` registers the cleanup: a concurrent test passes its own context's `onTestFinished`,
 *  since `onTeardown` cannot tell which of several running tests is the current one. */
export async function prepareSmallService(
  prefix: string,
  onFinished: (fn: () => void) => void = onTeardown,
): Promise<{ dir: string; dataDir: string }> {
  if (!existsSync(gruwatchCli)) throw new Error(`${gruwatchCli} is missing; run npm run build first`);
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onFinished(() => rmSync(dir, { recursive: true, force: true }));
  const dataDir = join(dir, 'data');
  await trainSmallModel(join(dataDir, 'models'));
  return { dir, dataDir };
}
