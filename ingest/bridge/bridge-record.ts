// Readings of one MQTT message → Kafka records, one per asset, keyed by asset
// id. The value is a JSON array of single readings in the `json` decoder's
// default shape, so a Kafka source with `decoder: { type: json }` derives the
// same asset id as the key and every reading of an asset lands on one partition.
import type { SensorReading } from '../reading.js';

export interface BridgeRecord {
  /** The asset id: the key that picks the partition. */
  key: string;
  /** JSON: [{ "asset", "channel", "value", "ts" }, …], in the order the readings came. */
  value: string;
}

interface JsonReading {
  asset: string;
  channel: string;
  value: number;
  ts: number;
}

/** Groups readings by asset, keeping the first-seen order of assets and the order within each asset. */
export function toBridgeRecords(readings: readonly SensorReading[]): BridgeRecord[] {
  const byAsset = new Map<string, JsonReading[]>();
  for (const r of readings) {
    let list = byAsset.get(r.assetId);
    if (list === undefined) {
      list = [];
      byAsset.set(r.assetId, list);
    }
    list.push({ asset: r.assetId, channel: r.channel, value: r.value, ts: r.timestampMs });
  }
  return [...byAsset].map(([key, list]) => ({ key, value: JSON.stringify(list) }));
}
