import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readCsvReadings } from './csv-readings.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gruwatch-csv-readings-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('readCsvReadings', () => {
  it('gives one reading per cell, of the asset the file is named after, without the label columns', () => {
    const file = join(dir, 'pump-7.csv');
    writeFileSync(
      file,
      'datetime;flow;speed;anomaly;changepoint\n2026-01-01 00:00:00;1.5;900;0;0\n2026-01-01 00:00:01;1.25;910;1;0\n',
    );
    const { readings, channels } = readCsvReadings(file);
    expect(channels).toEqual(['flow', 'speed']);
    const t0 = Date.UTC(2026, 0, 1);
    expect(readings).toEqual([
      { assetId: 'pump-7', channel: 'flow', timestampMs: t0, value: 1.5 },
      { assetId: 'pump-7', channel: 'speed', timestampMs: t0, value: 900 },
      { assetId: 'pump-7', channel: 'flow', timestampMs: t0 + 1000, value: 1.25 },
      { assetId: 'pump-7', channel: 'speed', timestampMs: t0 + 1000, value: 910 },
    ]);
  });

  it('names the asset as told', () => {
    const file = join(dir, 'recording.csv');
    writeFileSync(file, 'datetime;flow\n2026-01-01 00:00:00;2\n');
    expect(readCsvReadings(file, 'pump-1').readings.map((r) => r.assetId)).toEqual(['pump-1']);
  });
});
