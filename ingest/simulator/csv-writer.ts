// Writes the plant's ticks as labelled CSV files in the SKAB layout, one file
// per asset: `datetime;<channels…>;anomaly;changepoint`, separator `;`. A row is
// anomalous while a label of its asset is active; change points mark the first
// row of an anomaly and the first row after it, as in SKAB.
import { join } from 'node:path';
import type { GroundTruthLabel } from './anomaly.js';
import { type LineFile, openLineFile } from './line-file.js';
import type { PlantAsset } from './plant.js';
import type { TickPublisher } from './publisher.js';

export function createCsvWriter(dir: string, assets: readonly PlantAsset[]): TickPublisher {
  const files: LineFile[] = [];
  // Per asset: labels that have begun and whose end row has not been written yet.
  const open: GroundTruthLabel[][] = assets.map(() => []);
  const index = new Map(assets.map((a, i) => [a.assetId, i]));
  let hasMilliseconds: boolean | undefined;
  return {
    async open() {
      for (const asset of assets) {
        const file = openLineFile(join(dir, `${asset.assetId}.csv`), 'CSV file');
        files.push(file);
        await file.write(`datetime;${asset.channels.join(';')};anomaly;changepoint\n`);
      }
    },
    async publish(tick) {
      const t = tick.timestampMs;
      hasMilliseconds ??= t % 1000 !== 0;
      const datetime = formatDatetime(t, hasMilliseconds);
      const isStart = assets.map(() => false);
      for (const label of tick.labels) {
        const a = index.get(label.asset);
        if (a === undefined) continue;
        open[a].push(label);
        isStart[a] = true;
      }
      for (let a = 0; a < assets.length; a++) {
        let isChangepoint = isStart[a];
        const before = open[a].length;
        open[a] = open[a].filter((l) => l.endMs > t);
        if (open[a].length < before) isChangepoint = true;
        const isAnomaly = open[a].some((l) => l.startMs <= t);
        const cells = tick.frames[a].values.map((v) => (v === undefined ? '' : String(v)));
        await files[a].write(
          `${datetime};${cells.join(';')};${isAnomaly ? 1 : 0};${isChangepoint ? 1 : 0}\n`,
        );
      }
      return assets.length;
    },
    async close() {
      for (const file of files) await file.close();
    },
  };
}

/** `YYYY-MM-DD hh:mm:ss` in UTC as SKAB writes it, with `.mmm` when the grid is finer than a second. */
function formatDatetime(timestampMs: number, hasMilliseconds: boolean): string {
  const iso = new Date(timestampMs).toISOString(); // 2026-01-05T10:20:30.123Z
  return `${iso.slice(0, 10)} ${iso.slice(11, hasMilliseconds ? 23 : 19)}`;
}
