// Writes the label-free tuning sets (see tuning-sets.ts) as CSV files in the SKAB layout:
//   node dist/bin/eval/build-tuning-sets.js <anomaly-free.csv> <out-dir> [--fault-scale-floor F]
// then `gruwatch eval --data <out-dir>/normal` and `--data <out-dir>/fault` score a candidate preset.
// `--fault-scale-floor 0` rebuilds the fault set of the first three selection rounds.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { numberFlag } from '../cli-flags.js';
import { parseLabeledCsv } from './labeled-csv.js';
import { buildTuningSets, defaultTuningSetOptions, formatLabeledCsv } from './tuning-sets.js';

const args = process.argv.slice(2);
const floorAt = args.indexOf('--fault-scale-floor');
const floorText = floorAt >= 0 ? args.splice(floorAt, 2)[1] : undefined;
const [source, outDir] = args;
if (source === undefined || outDir === undefined || (floorAt >= 0 && floorText === undefined)) {
  process.stderr.write('usage: build-tuning-sets <anomaly-free.csv> <out-dir> [--fault-scale-floor F]\n');
  process.exit(2);
}
let faultScaleFloor = defaultTuningSetOptions.faultScaleFloor;
try {
  if (floorText !== undefined)
    faultScaleFloor = numberFlag('fault-scale-floor', floorText, { min: 0, max: 1 });
} catch (err) {
  process.stderr.write(`build-tuning-sets: ${(err as Error).message}\n`);
  process.exit(2);
}
const sets = buildTuningSets(parseLabeledCsv(readFileSync(source, 'utf8'), source), {
  ...defaultTuningSetOptions,
  faultScaleFloor,
});
for (const file of [...sets.normal, ...sets.fault]) {
  const path = join(outDir, file.name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, formatLabeledCsv(file.series));
  if (file.fault !== undefined)
    process.stdout.write(`${file.name}: ${file.fault.kind} on ${file.fault.channels.join(', ')}\n`);
}
