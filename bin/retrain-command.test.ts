import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  RetrainJobInput,
  RetrainJobResult,
  RetrainSelectionSummary,
} from '../detector/retraining/index.js';
import { retrainConfigInput, untrainedPlantModel } from '../test/fixtures/retrain-plant.js';
import { type Config, configSchema } from './config.js';
import { openModelRegistry } from './open-model-registry.js';
import { type RetrainCommandDeps, registerRetrainCommand, retrainOnce } from './retrain-command.js';

const sink = {
  type: 'influxdb',
  url: 'http://127.0.0.1:8181',
  token: 'tok',
  bucket: 'plant',
  database: 'plant',
};
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gruwatch-retrain-command-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function configWith(retraining: object): Config {
  return configSchema.parse({
    ...retrainConfigInput({ sinks: [sink], retraining: { enabled: false, ...retraining } }),
    dataDir: dir,
  });
}

async function withCurrentModel(config: Config): Promise<string> {
  const registry = openModelRegistry(config);
  const version = await registry.add('pumps', untrainedPlantModel(5));
  await registry.promote('pumps', version);
  return version;
}

const evaluation = {
  windows: 40,
  falseAlarmRate: 0,
  meanError: 0.1,
  incidentWindows: 0,
  incidentRecall: null,
  threshold: 1,
};

const selection: RetrainSelectionSummary = {
  assets: 2,
  dataRange: { fromMs: 0, toMs: 1_000 },
  rows: 2_400,
  cleanRows: 2_400,
  excludedRows: { missing: 0, unknown: 0, operator: 0, maintenance: 0, silence: 0, alert: 0 },
  excludedPeriods: [],
  trainingWindows: 300,
  holdoutWindows: 40,
  incidentWindows: 0,
};

/** A job that returns a candidate with `accept` and records the input it was given. */
function candidateJob(accept: boolean, inputs: RetrainJobInput[]): NonNullable<RetrainCommandDeps['runJob']> {
  return async (input) => {
    inputs.push(input);
    const result: RetrainJobResult = {
      outcome: 'candidate',
      bytes: untrainedPlantModel(6),
      selection,
      candidate: evaluation,
      current: evaluation,
      decision: { accept, reasons: [accept ? 'mean error within bound' : 'false-alarm rate too high'] },
      warmStartFrom: input.currentVersion,
      durationMs: 12,
    };
    return result;
  };
}

const silentIo = { out: () => {}, err: () => {}, env: {} };

describe('gruwatch retrain', () => {
  it('runs the job on the configured InfluxDB from the current version and promotes an accepted candidate', async () => {
    const config = configWith({ source: 'influxdb' });
    const current = await withCurrentModel(config);
    const inputs: RetrainJobInput[] = [];
    const report = await retrainOnce(config, 'pumps', silentIo, { runJob: candidateJob(true, inputs) });

    expect(inputs[0]?.currentVersion).toBe(current);
    expect(inputs[0]?.source).toMatchObject({
      type: 'influxdb',
      url: sink.url,
      token: 'tok',
      database: 'plant',
    });
    expect(inputs[0]?.trainedThroughMs).toBeNull();
    expect(report).toMatchObject({ model: 'pumps', previousVersion: current, outcome: 'promoted' });
    expect(await openModelRegistry(config).current('pumps')).toBe(report.candidateVersion);
    expect(report.details).toMatchObject({ selection: { assets: 2 }, warmStartFrom: current });
  });

  it('leaves an accepted candidate for approval under promotion.mode manual', async () => {
    const config = configWith({ promotion: { mode: 'manual' } });
    const current = await withCurrentModel(config);
    const report = await retrainOnce(config, 'pumps', silentIo, { runJob: candidateJob(true, []) });

    expect(report.outcome).toBe('awaiting_approval');
    const registry = openModelRegistry(config);
    expect(await registry.current('pumps')).toBe(current);
    expect(await registry.versions('pumps')).toContain(report.candidateVersion);
  });

  it('prints a refused candidate and completes; exits non-zero with the reason when nothing was trained', async () => {
    const file = join(dir, 'gruwatch.yaml');
    writeFileSync(
      file,
      JSON.stringify({ ...retrainConfigInput({ retraining: { enabled: false } }), dataDir: dir }),
    );
    await withCurrentModel(configSchema.parse({ ...retrainConfigInput(), dataDir: dir }));
    const run = async (runJob: NonNullable<RetrainCommandDeps['runJob']>) => {
      let out = '';
      const program = new Command('gruwatch').exitOverride();
      registerRetrainCommand(program, { out: (t) => (out += t), err: () => {}, env: {} }, { runJob });
      const error = await program.parseAsync(['retrain', '-c', file], { from: 'user' }).then(
        () => undefined,
        (err: Error) => err,
      );
      return { error, line: JSON.parse(out) };
    };

    const refused = await run(candidateJob(false, []));
    expect(refused.error).toBeUndefined();
    expect(refused.line).toMatchObject({ outcome: 'refused', reason: 'false-alarm rate too high' });

    const skipped = await run(async () => ({
      outcome: 'skipped',
      reason: 'too little clean data',
      selection,
      durationMs: 3,
    }));
    expect(skipped.line.outcome).toBe('skipped');
    expect(skipped.error?.message).toMatch(/trained no candidate: too little clean data/);
  });

  it('refuses a shadow period, which needs a running service, before reading any data', async () => {
    const config = configWith({ shadowMs: 60_000 });
    await withCurrentModel(config);
    const inputs: RetrainJobInput[] = [];
    await expect(
      retrainOnce(config, 'pumps', silentIo, { runJob: candidateJob(true, inputs) }),
    ).rejects.toThrow(/shadowMs 60000.*running service/);
    expect(inputs).toHaveLength(0);
  });

  it('fails without a current model to warm-start from, and for an unknown model', async () => {
    const config = configWith({});
    await expect(retrainOnce(config, 'pumps', silentIo, { runJob: candidateJob(true, []) })).rejects.toThrow(
      /no current version.*gruwatch train/,
    );
    await expect(retrainOnce(config, 'fans', silentIo)).rejects.toThrow(/no asset group uses model "fans"/);
  });
});
