// Writes the label-free tuning sets (ingest/simulator/tuning-sets.ts) as CSV files in the SKAB layout:
//   node dist/bin/eval/build-tuning-sets.js <anomaly-free.csv> <out-dir> [--fault-scale-floor F]
// then `gruwatch eval --data <out-dir>/normal` and `--data <out-dir>/fault` score a candidate preset.
// `--fault-scale-floor 0` rebuilds the fault set of the first three selection rounds.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  buildFamilySets,
  buildTuningSets,
  defaultTuningSetOptions,
  formatLabeledCsv,
  parseLabeledCsv,
} from '../../ingest/index.js';
import { numberFlag } from '../cli-flags.js';

const usage = 'usage: build-tuning-sets <anomaly-free.csv> <out-dir> [--fault-scale-floor F]';
let source: string | undefined;
let outDir: string | undefined;
let faultScaleFloor = defaultTuningSetOptions.faultScaleFloor;
try {
  const { values, positionals } = parseArgs({
    options: { 'fault-scale-floor': { type: 'string' } },
    allowPositionals: true,
  });
  [source, outDir] = positionals;
  const floorText = values['fault-scale-floor'];
  if (floorText !== undefined)
    faultScaleFloor = numberFlag('fault-scale-floor', floorText, { min: 0, max: 1 });
} catch (err) {
  process.stderr.write(`build-tuning-sets: ${(err as Error).message}\n${usage}\n`);
  process.exit(2);
}
if (source === undefined || outDir === undefined) {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}
const series = parseLabeledCsv(readFileSync(source, 'utf8'), source);
const options = { ...defaultTuningSetOptions, faultScaleFloor };
const sets = buildTuningSets(series, options);
for (const file of [...sets.normal, ...sets.fault, ...buildFamilySets(series, options)]) {
  const path = join(outDir, file.name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, formatLabeledCsv(file.series));
  if (file.fault !== undefined)
    process.stdout.write(`${file.name}: ${file.fault.kind} on ${file.fault.channels.join(', ')}\n`);
}
