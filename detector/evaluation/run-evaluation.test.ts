// The harness end to end on a small synthetic labelled set in the SKAB layout,
// written to a temp dir by a seeded generator, with the ports and settings bin wires: training
// stays in-thread here (the CLI trains in a worker thread; the worker needs the compiled build).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluationDepsFor } from '../../bin/eval/evaluation-deps.js';
import { loadEvalSettings } from '../../bin/eval/load-eval-settings.js';
import { createRng } from '../../core/index.js';
import { formatUtcDatetime, listCsvFiles } from '../../ingest/index.js';
import { formatReportTable } from './report-table.js';
import { type EvaluationOptions, runEvaluation } from './run-evaluation.js';

const root = mkdtempSync(join(tmpdir(), 'gruwatch-eval-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ROWS = 700;
const FAULT_FROM = 520;
const FAULT_TO = 620;

/** Three coupled channels at 1 s; from FAULT_FROM to FAULT_TO `flow` stops following `speed`. */
function writeSeries(file: string, seed: number, labelled: boolean): void {
  const r = createRng(seed).next;
  const noise = () => (r() - 0.5) * 0.1;
  const lines = [`datetime;speed;flow;temp${labelled ? ';anomaly;changepoint' : ''}`];
  const t0 = Date.UTC(2024, 0, 1, 8, 0, 0);
  for (let i = 0; i < ROWS; i++) {
    const speed = Math.sin((2 * Math.PI * i) / 30) + noise();
    const isFault = i >= FAULT_FROM && i < FAULT_TO;
    const flow = (isFault ? 2.5 : 0.8 * speed) + noise();
    const temp = 0.5 * Math.cos((2 * Math.PI * i) / 30) + noise();
    const cells = [formatUtcDatetime(t0 + i * 1000), speed, flow, temp].map((v) =>
      typeof v === 'number' ? v.toFixed(5) : v,
    );
    if (labelled) cells.push(isFault ? '1.0' : '0.0', i === FAULT_FROM || i === FAULT_TO ? '1.0' : '0.0');
    lines.push(cells.join(';'));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

const dataDir = join(root, 'data');
mkdirSync(join(dataDir, 'plant'), { recursive: true });
mkdirSync(join(dataDir, 'free'), { recursive: true });
writeSeries(join(dataDir, 'plant', '2.csv'), 2, true);
writeSeries(join(dataDir, 'plant', '10.csv'), 10, true);
writeSeries(join(dataDir, 'free', 'normal.csv'), 3, false);
const configFile = join(root, 'eval.yaml');
writeFileSync(
  configFile,
  'model: { windowSteps: 8, hiddenSize: 8, training: { epochs: 25, batchSize: 16, learningRate: 0.01, patience: 0 } }\n' +
    // A near-perfect reconstruction makes the fault 1000× the normal score; a short EWMA memory
    // lets the alert clear soon after the fault ends (fast clearing may not outlast clearBelowMs).
    'detector: { scoring: { ewmaAlpha: 0.5 }, alerts: { clearBelowMs: 5000, fastClearMs: 3000 } }\n',
);

/** A run with the `--config` file above (or the preset) and `--seed 1`, as the CLI wires it. */
async function evaluate(
  options: Omit<EvaluationOptions, 'settings'>,
  configPath: string | undefined = configFile,
) {
  const settings = loadEvalSettings(configPath);
  return runEvaluation({ ...options, settings }, evaluationDepsFor(settings.model, 1));
}

/** One file at a time, without progress lines. */
const quietly = { isInWorker: false, concurrency: 1, log: () => {}, nowMs: () => 0 };

describe('gruwatch eval harness', () => {
  it('lists CSV files recursively in natural order', () => {
    expect(listCsvFiles(dataDir)).toEqual(['free/normal.csv', 'plant/2.csv', 'plant/10.csv']);
  });

  it('finds a planted anomaly, skips unlabelled files and writes predictions', async () => {
    const logLines: string[] = [];
    const predictionsDir = join(root, 'predictions');
    const run = await evaluate({
      dataDir,
      trainRows: 400,
      isInWorker: false,
      concurrency: 2,
      predictionsDir,
      log: (line) => logLines.push(line),
      nowMs: () => 0,
    });
    const { report } = run;
    expect(run.skipped).toEqual(['free/normal.csv']);
    expect(logLines.join('')).toMatch(/free\/normal\.csv: skipped/);
    expect(logLines.join('')).toMatch(/plant\/2\.csv: epoch \d+\/25/);

    // The documented JSON shape, nothing more.
    const json = JSON.parse(JSON.stringify(report));
    expect(Object.keys(json).sort()).toEqual(['errors', 'f1', 'far', 'files', 'mar', 'nab']);
    expect(Object.keys(json.nab).sort()).toEqual(['lowFN', 'lowFP', 'standard']);
    expect(json.files.map((f: { file: string }) => f.file)).toEqual(['plant/2.csv', 'plant/10.csv']);
    for (const f of json.files) {
      expect(Object.keys(f).sort()).toEqual(['errors', 'f1', 'far', 'file', 'fn', 'fp', 'mar', 'tn', 'tp']);
      const e = f.errors;
      expect(e.missedAtOnset + e.missedInGaps + e.missedAfterClear + e.missedInMissedAnomalies).toBe(f.fn);
      expect(e.falseAfterAnomaly + e.falseElsewhere).toBe(f.fp);
      // Only the rows after the training rows are counted.
      expect(f.tp + f.fp + f.tn + f.fn).toBe(ROWS - 400);
    }

    // The planted correlation break is found and normal rows stay mostly quiet.
    const anomalous = 2 * (FAULT_TO - FAULT_FROM);
    const tp = report.files.reduce((s, f) => s + f.tp, 0);
    expect(tp).toBeGreaterThan(0.6 * anomalous);
    expect(report.far).toBeLessThan(20);
    expect(report.f1).toBeGreaterThan(0.6);
    expect(report.nab.standard).toBeGreaterThan(0);

    const csv = readFileSync(join(predictionsDir, 'plant', '2.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toBe('datetime;score;threshold;predicted');
    expect(csv).toHaveLength(1 + ROWS - 400);
    expect(csv[1]).toMatch(/^2024-01-01 08:06:40;[0-9.e-]+;[0-9.e-]+;[01]$/);
    const flagged = csv.slice(1).filter((l) => l.endsWith(';1')).length;
    expect(flagged).toBe(report.files[0].tp + report.files[0].fp);

    const table = formatReportTable(run);
    expect(table).toMatch(/micro-averaged over 2 files: F1 /);
    expect(table).toMatch(/skipped \(no label columns\): free\/normal\.csv/);
  });

  it('names the file and line of a bad value', async () => {
    const badDir = join(root, 'bad');
    mkdirSync(badDir);
    writeFileSync(
      join(badDir, 'x.csv'),
      'datetime;a;anomaly;changepoint\n2024-01-01 00:00:00;1.5;0.0;0.0\n2024-01-01 00:00:01;oops;0.0;0.0\n',
    );
    await expect(evaluate({ dataDir: badDir, trainRows: 1, ...quietly })).rejects.toThrow(
      /x\.csv: line 3: column "a" is not a number: "oops"/,
    );
  });

  it('names the file when its training rows are too few to fit a model', async () => {
    const shortDir = join(root, 'short');
    mkdirSync(shortDir);
    const t0 = Date.UTC(2024, 0, 1);
    const rows = Array.from(
      { length: 12 },
      (_, i) => `${formatUtcDatetime(t0 + i * 1000)};${(i % 3).toFixed(1)};0.0;0.0`,
    );
    writeFileSync(join(shortDir, 'tiny.csv'), `datetime;a;anomaly;changepoint\n${rows.join('\n')}\n`);
    await expect(evaluate({ dataDir: shortDir, trainRows: 10, ...quietly })).rejects.toThrow(
      /tiny\.csv: no model could be fitted on its first 10 rows \(--train-rows\): too little complete data/,
    );
  });

  it('refuses a data directory that does not exist', async () => {
    await expect(
      evaluate({ dataDir: join(root, 'missing'), trainRows: 400, ...quietly }, undefined),
    ).rejects.toThrow(/--data .*missing is not a readable directory/);
  });
});
