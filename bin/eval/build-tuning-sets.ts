// Writes the label-free tuning sets (see tuning-sets.ts) as CSV files in the SKAB layout:
//   node dist/bin/eval/build-tuning-sets.js <anomaly-free.csv> <out-dir>
// then `gruwatch eval --data <out-dir>/normal` and `--data <out-dir>/fault` score a candidate preset.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseLabeledCsv } from './labeled-csv.js';
import { buildTuningSets, formatLabeledCsv } from './tuning-sets.js';

const [source, outDir] = process.argv.slice(2);
if (source === undefined || outDir === undefined) {
  process.stderr.write('usage: build-tuning-sets <anomaly-free.csv> <out-dir>\n');
  process.exit(2);
}
const sets = buildTuningSets(parseLabeledCsv(readFileSync(source, 'utf8'), source));
for (const file of [...sets.normal, ...sets.fault]) {
  const path = join(outDir, file.name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, formatLabeledCsv(file.series));
  if (file.fault !== undefined)
    process.stdout.write(`${file.name}: ${file.fault.kind} on ${file.fault.channels.join(', ')}\n`);
}
