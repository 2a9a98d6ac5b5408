// One sensor reading as every decoder produces it and the aligner consumes it:
// the smallest unit of data in gruwatch.

export interface SensorReading {
  /** The asset (machine) the sensor belongs to, e.g. "pump-7". */
  assetId: string;
  /** The channel (sensor) name within the asset, e.g. "bearing_temp". */
  channel: string;
  /** When the value was measured, milliseconds since the Unix epoch. */
  timestampMs: number;
  /** The measured value; always finite (decoders reject NaN and Infinity). */
  value: number;
}
