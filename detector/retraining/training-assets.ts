// Which assets a retrain reads, and where each one's lookback ends: its newest frame. The local
// store knows the assets this instance ingested; with InfluxDB as the source, the assets other
// instances of the group scored are added from InfluxDB (their newest frame there), so one trainer
// per model group trains on the whole group's data.
import type { RecordReader } from '../sinks/index.js';

/** InfluxDB's time range ends in 2262 (int64 nanoseconds); this bound stays below it. */
const latestQueryableMs = 9_000_000_000_000;

interface LocalFrames {
  listAssets(): string[];
  newestFrameAtMs(assetId: string): number | undefined;
}

/**
 * The assets `belongs` accepts, each with its newest frame's time (undefined: no frame): the local
 * store's first, then those only `shared` (InfluxDB) holds.
 */
export async function newestFrameByAsset(
  local: LocalFrames,
  shared: RecordReader | undefined,
  belongs: (assetId: string) => boolean,
): Promise<Map<string, number | undefined>> {
  const newest = new Map<string, number | undefined>();
  for (const assetId of local.listAssets().filter(belongs))
    newest.set(assetId, local.newestFrameAtMs(assetId));
  if (shared === undefined) return newest;
  for (const assetId of (await shared.listAssets()).filter(belongs)) {
    if (newest.has(assetId)) continue;
    const [last] = await shared.queryFrames({
      assetId,
      fromMs: 0,
      toMs: latestQueryableMs,
      latest: true,
      limit: 1,
    });
    if (last !== undefined) newest.set(assetId, last.atMs);
  }
  return newest;
}
