// Per-family figures of one `gruwatch eval --json` run over the tuning sets, and the selection
// rule's verdict on it (detector/evaluation/tuning-selection.ts):
//   gruwatch eval --data <dir> --json > run.json; node dist/bin/eval/tuning-report.js run.json
// Prints JSON: { families: { <family>: { recall, far, f1, files } }, normalFar, heldRecall, far,
// f1, nab, objective, eligible }.
import { readFileSync } from 'node:fs';
import { judgeRun } from '../../detector/index.js';

const path = process.argv[2];
if (path === undefined) {
  process.stderr.write('usage: tuning-report <eval-run.json>\n');
  process.exit(2);
}
process.stdout.write(`${JSON.stringify(judgeRun(JSON.parse(readFileSync(path, 'utf8'))), null, 2)}\n`);
