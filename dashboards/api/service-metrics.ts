// The service's Prometheus metrics (prom-client), behind the rooms' telemetry contract
// (core/telemetry.ts) so that no room knows prom-client. Counters and gauges are created on
// first use from the name and labels a room reports.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { MetricLabels, Telemetry } from '../../core/index.js';

// The three reading counters of ingest, folded into one series per outcome and reason
// so a dashboard shows where readings go with one query.
const readingOutcomes: Readonly<Record<string, string>> = {
  ingest_readings_total: 'decoded',
  ingest_readings_rejected_total: 'rejected',
  ingest_readings_dropped_total: 'dropped',
};

const help: Record<string, string> = {
  ingest_messages_total: 'Messages received from a transport.',
  ingest_messages_rejected_total: 'Messages rejected, by transport and reason; each is dead-lettered.',
  ingest_readings_total: 'Readings decoded from accepted messages.',
  ingest_readings_rejected_total: 'Readings dropped from otherwise good messages, by reason.',
  ingest_readings_dropped_total:
    'Readings dropped by the aligner (late, duplicate, unknown channel), by reason.',
  bridge_records_total:
    'Kafka records produced by the bridge and acknowledged by Kafka (one per asset and MQTT message).',
  bridge_readings_total: 'Readings the bridge forwarded to Kafka.',
  bridge_redeliveries_total:
    'MQTT messages the broker delivered again (DUP flag); their records may be duplicates.',
  bridge_produce_failures_total:
    'Sends to Kafka that failed; the MQTT message stays unacknowledged and is redelivered.',
  bridge_signals_total: 'Sparkplug births and deaths seen by the bridge, by kind; they are not forwarded.',
  detector_windows_scored_total: 'Windows scored by the model.',
  detector_windows_skipped_total: 'Windows not scored, by reason (gap, unknown, off, no_model, failed).',
  detector_window_failures_total:
    'Windows whose judging threw (skipped, the stream goes on), by error code; the log names asset and window.',
  detector_alert_events_total: 'Alert events, by event type and severity.',
  detector_data_quality_events_total:
    'Channels that stopped reporting (channel_silent) or came back (channel_restored), by kind.',
  sink_records_delivered_total: 'Records delivered by a sink.',
  sink_retries_total: 'Failed delivery attempts that will be retried, by sink.',
  sink_dead_letters_total: 'Records moved to the dead-letter store, by sink.',
  sink_queue_depth_rows: 'Rows waiting in the outbox of a sink.',
  sink_oldest_undelivered_age_seconds:
    'Age of the oldest row still waiting in the outbox of a sink (0 when its queue is empty): how long a receiver has been missing events.',
  retrain_timeouts_total: 'Retraining runs killed for running longer than retraining.maxRunMs, by model.',
  detector_model_info: 'The model serving an asset group (value 1), by model name and version.',
  detector_assets:
    'Assets by current status (normal, alerting, off, gap, ...); counts per status, not one series per asset, so it stays small with hundreds of assets (per-asset status: GET /api/assets).',
  ingest_readings_outcome_total:
    'Readings by outcome (decoded, rejected at decode, dropped by the aligner) and reason ("none" for decoded).',
};

export interface ServiceMetrics<Status extends string = string> extends Telemetry {
  readonly registry: Registry;
  readonly scoringLatency: Histogram;
  /** Makes `detector_assets{status}` count the statuses `read` returns at each scrape. */
  trackAssetStatuses(read: () => Iterable<{ status: Status }>): void;
  /** Makes `detector_model_info{model,version}` show exactly the versions `read` returns at each scrape. */
  trackModelVersions(read: () => Iterable<{ model: string; version: string }>): void;
  /** Makes `sink_oldest_undelivered_age_seconds{sink}` read the outbox at each scrape. */
  trackUndelivered(read: () => Iterable<{ sink: string; oldestUndeliveredAgeMs: number | null }>): void;
}

function firstUse<M>(made: Map<string, M>, name: string, make: () => M): M {
  let metric = made.get(name);
  if (metric === undefined) {
    metric = make();
    made.set(name, metric);
  }
  return metric;
}

export interface ServiceMetricsOptions<Status extends string> {
  /** Every status an asset can be in (the detector's), so `detector_assets` shows a 0 rather than
   *  no series for a status no asset is in. */
  assetStatuses: readonly Status[];
  /** Node's process metrics (memory, CPU, event-loop lag) with the `gruwatch_` prefix; default true. */
  defaultMetrics?: boolean;
}

export function createServiceMetrics<Status extends string>(
  options: ServiceMetricsOptions<Status>,
): ServiceMetrics<Status> {
  const { assetStatuses } = options;
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'gruwatch_' });
  const counters = new Map<string, Counter>();
  const gauges = new Map<string, Gauge>();
  // A series a room reports by name: its labels are those of the first report.
  const reported = (name: string, labels: MetricLabels) => ({
    name,
    help: help[name] ?? name.replace(/_/g, ' '),
    labelNames: Object.keys(labels),
    registers: [registry],
  });
  const scoringLatency = new Histogram({
    name: 'detector_score_latency_seconds',
    help: 'Time to reconstruct and score one window.',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [registry],
  });
  let readStatuses: () => Iterable<{ status: Status }> = () => [];
  new Gauge({
    name: 'detector_assets',
    help: help.detector_assets!,
    labelNames: ['status'],
    registers: [registry],
    collect() {
      const counts = new Map<string, number>(assetStatuses.map((status) => [status, 0]));
      for (const { status } of readStatuses()) counts.set(status, (counts.get(status) ?? 0) + 1);
      for (const [status, n] of counts) this.set({ status }, n);
    },
  });
  let readModelVersions: () => Iterable<{ model: string; version: string }> = () => [];
  new Gauge({
    name: 'detector_model_info',
    help: help.detector_model_info!,
    labelNames: ['model', 'version'],
    registers: [registry],
    collect() {
      // Reset first: the series of a replaced version disappears instead of staying at 0.
      this.reset();
      for (const { model, version } of readModelVersions()) this.set({ model, version }, 1);
    },
  });
  let readUndelivered: () => Iterable<{ sink: string; oldestUndeliveredAgeMs: number | null }> = () => [];
  new Gauge({
    name: 'sink_oldest_undelivered_age_seconds',
    help: help.sink_oldest_undelivered_age_seconds!,
    labelNames: ['sink'],
    registers: [registry],
    collect() {
      for (const { sink, oldestUndeliveredAgeMs } of readUndelivered())
        this.set({ sink }, (oldestUndeliveredAgeMs ?? 0) / 1000);
    },
  });
  const outcomes = new Counter({
    name: 'ingest_readings_outcome_total',
    help: help.ingest_readings_outcome_total!,
    labelNames: ['outcome', 'reason'],
    registers: [registry],
  });
  const metrics: ServiceMetrics<Status> = {
    registry,
    scoringLatency,
    trackAssetStatuses(read) {
      readStatuses = read;
    },
    trackModelVersions(read) {
      readModelVersions = read;
    },
    trackUndelivered(read) {
      readUndelivered = read;
    },
    count(name, labels: MetricLabels = {}, increment = 1) {
      firstUse(counters, name, () => new Counter(reported(name, labels))).inc(labels, increment);
      const outcome = readingOutcomes[name];
      if (outcome !== undefined) outcomes.inc({ outcome, reason: labels.reason ?? 'none' }, increment);
    },
    gauge(name, value, labels: MetricLabels = {}) {
      firstUse(gauges, name, () => new Gauge(reported(name, labels))).set(labels, value);
    },
  };
  return metrics;
}
