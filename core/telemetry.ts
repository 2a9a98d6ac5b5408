// The self-metrics contract every component reports through (ingest, detector, sinks): counters
// and gauges by name and labels, so no room knows the metrics library. The service backs it with
// its Prometheus registry; tests and benchmarks use MemoryTelemetry. Names follow
// `<room>_<what>_<unit>`, with `_total` for counters.

export type MetricLabels = Readonly<Record<string, string>>;

export interface Telemetry {
  /** Adds `increment` (default 1) to the counter `name` with the given labels, e.g. `ingest_messages_rejected_total`. */
  count(name: string, labels?: MetricLabels, increment?: number): void;
  /** Sets the gauge `name` with the given labels to `value`, e.g. `sink_queue_depth_rows`. */
  gauge(name: string, value: number, labels?: MetricLabels): void;
}

/** Telemetry that records nothing. */
export const noopTelemetry: Telemetry = { count: () => {}, gauge: () => {} };

/** Keeps counters and gauges in memory, keyed by name and sorted labels; for tests and benchmarks. */
export class MemoryTelemetry implements Telemetry {
  readonly #values = new Map<string, number>();
  count(name: string, labels: MetricLabels = {}, increment = 1): void {
    const key = MemoryTelemetry.key(name, labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + increment);
  }
  gauge(name: string, value: number, labels: MetricLabels = {}): void {
    this.#values.set(MemoryTelemetry.key(name, labels), value);
  }
  /** The counter's total or the gauge's last value (0 when never reported). */
  get(name: string, labels: MetricLabels = {}): number {
    return this.#values.get(MemoryTelemetry.key(name, labels)) ?? 0;
  }
  static key(name: string, labels: MetricLabels): string {
    const parts = Object.keys(labels)
      .sort()
      .map((k) => `${k}=${labels[k]}`);
    return `${name}{${parts.join(',')}}`;
  }
}
