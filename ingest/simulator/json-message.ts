// The JSON message of one asset at one tick, as the `json` decoder reads it with
// its defaults: {"asset": "pump-001", "ts": <ms>, "values": {channel: value, …}}.
import type { AssetFrame } from './plant.js';

export interface JsonTelemetryMessage {
  asset: string;
  ts: number;
  values: Record<string, number>;
}

/** The message of one frame; channels without a reading are left out, and a frame with none gives undefined. */
export function buildJsonMessage(
  frame: AssetFrame,
  channels: readonly string[],
  timestampMs: number,
): JsonTelemetryMessage | undefined {
  const values: Record<string, number> = {};
  let count = 0;
  frame.values.forEach((value, c) => {
    if (value !== undefined) {
      values[channels[c]] = value;
      count++;
    }
  });
  return count === 0 ? undefined : { asset: frame.assetId, ts: timestampMs, values };
}
