// Self-metrics of the sinks as plain callbacks, so the sinks stay free of a
// metrics library: the service backs them with prom-client counters/gauges.

export interface SinkTelemetry {
  /** Rows waiting in the outbox of `sink` (set after every change). */
  queueDepth(sink: string, rows: number): void;
  /** A write to `sink` failed with a retriable error; `rows` will be tried again. */
  retried(sink: string, rows: number): void;
  /** `rows` were delivered to `sink`. */
  delivered(sink: string, rows: number): void;
  /** `rows` of `sink` were moved to the dead letters. */
  deadLettered(sink: string, rows: number): void;
}

export const noopSinkTelemetry: SinkTelemetry = {
  queueDepth: () => undefined,
  retried: () => undefined,
  delivered: () => undefined,
  deadLettered: () => undefined,
};
