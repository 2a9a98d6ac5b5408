// Writes the ground truth as it happens: one JSON object per line,
// {"asset","channels","kind","startMs","endMs","magnitude"}, when each anomaly begins.
import type { GroundTruthLabel } from './anomaly.js';
import { openLineFile } from './line-file.js';

export interface LabelsWriter {
  write(labels: readonly GroundTruthLabel[]): Promise<void>;
  close(): Promise<void>;
}

export function createLabelsWriter(path: string): LabelsWriter {
  const file = openLineFile(path, 'labels file');
  return {
    async write(labels) {
      if (labels.length === 0) return;
      await file.write(labels.map((l) => `${JSON.stringify(l)}\n`).join(''));
    },
    close: () => file.close(),
  };
}
