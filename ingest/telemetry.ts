// The counters ingest reports about itself (messages, rejections by reason,
// dropped readings). A minimal contract: the service backs it with its
// metrics registry; tests use an in-memory one.

export interface Telemetry {
  /** Adds `increment` (default 1) to the counter `name` with the given labels, e.g. `ingest_messages_rejected_total`. */
  count(name: string, labels?: Readonly<Record<string, string>>, increment?: number): void;
}

/** Telemetry that records nothing. */
export const noopTelemetry: Telemetry = { count: () => {} };

/** Keeps counts in memory, keyed by name and sorted labels; for tests and the benchmark. */
export class MemoryTelemetry implements Telemetry {
  readonly #counts = new Map<string, number>();
  count(name: string, labels: Readonly<Record<string, string>> = {}, increment = 1): void {
    const key = MemoryTelemetry.key(name, labels);
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + increment);
  }
  get(name: string, labels: Readonly<Record<string, string>> = {}): number {
    return this.#counts.get(MemoryTelemetry.key(name, labels)) ?? 0;
  }
  static key(name: string, labels: Readonly<Record<string, string>>): string {
    const parts = Object.keys(labels)
      .sort()
      .map((k) => `${k}=${labels[k]}`);
    return `${name}{${parts.join(',')}}`;
  }
}
