// Sparkplug B metrics → readings: name ↔ alias definitions from births, and
// DATA/BIRTH metrics resolved by name or alias into readings, with an issue
// for every metric that cannot become one.
import type { SensorReading } from '../reading.js';
import type { DecodeContext, DecodeIssue } from './decoder.js';
import { issue, maxNameLength } from './result.js';
import {
  describeUnusableMetric,
  inferDatatype,
  isNumericDatatype,
  longToNumber,
  metricToNumber,
  type ProtoMetric,
} from './sparkplug-metric.js';
import { checkTimestampRange, type TimestampLimits } from './timestamp.js';

/** What a birth certificate says about an aliased metric. */
export interface MetricDefinition {
  name: string;
  datatype: number;
}

export interface MetricReadOptions extends TimestampLimits {
  isTimestampRequired: boolean;
}

/**
 * A field only when the message carried it: protobufjs puts defaults (0, a zero
 * Long) on the prototype, which would read as alias 0 or timestamp 1970.
 */
export function own<T extends object, K extends keyof T>(message: T, key: K): T[K] | undefined {
  return Object.hasOwn(message, key) ? message[key] : undefined;
}

/** Records alias → name and datatype from the metrics of a birth. */
export function readDefinitions(metrics: ProtoMetric[]): Map<number, MetricDefinition> {
  const aliases = new Map<number, MetricDefinition>();
  for (const metric of metrics) {
    const alias = own(metric, 'alias');
    if (alias == null || !metric.name) continue;
    aliases.set(longToNumber(alias), {
      name: metric.name,
      datatype: metric.datatype || inferDatatype(metric),
    });
  }
  return aliases;
}

/**
 * Turns metrics into readings of `assetId`. Unusable DATA metrics are listed
 * in `issues`; in a BIRTH, control metrics (bdSeq, Node/Device Control) and
 * non-numeric ones (properties, strings) are metadata and skipped silently.
 */
export function readMetrics(
  metrics: ProtoMetric[],
  aliases: Map<number, MetricDefinition>,
  assetId: string,
  payloadTimestampMs: number,
  context: DecodeContext,
  options: MetricReadOptions,
  isBirth: boolean,
  issues: DecodeIssue[],
): SensorReading[] {
  const readings: SensorReading[] = [];
  for (let i = 0; i < metrics.length; i++) {
    const metric = metrics[i];
    const alias = own(metric, 'alias');
    const definition = alias == null ? undefined : aliases.get(longToNumber(alias));
    const name = metric.name || definition?.name;
    if (name === undefined) {
      if (!isBirth) {
        const what =
          alias == null ? 'no alias' : `alias ${longToNumber(alias)}, which is not in the birth certificate`;
        issues.push(issue('unknown_alias', `metrics[${i}] has no name and ${what}`, `metrics[${i}].alias`));
      }
      continue;
    }
    if (
      isBirth &&
      (name === 'bdSeq' || name.startsWith('Node Control/') || name.startsWith('Device Control/'))
    ) {
      continue;
    }
    const datatype = metric.datatype || definition?.datatype || inferDatatype(metric);
    if (isBirth && !isNumericDatatype(datatype)) continue;
    if (name.length > maxNameLength) {
      issues.push(
        issue(
          'invalid_value',
          `${label(i, name)} has a name longer than ${maxNameLength} characters`,
          `metrics[${i}].name`,
        ),
      );
      continue;
    }
    const value = metricToNumber(metric, datatype);
    if (Number.isNaN(value)) {
      issues.push(
        issue(
          'invalid_value',
          `${label(i, name)} ${describeUnusableMetric(metric, datatype)}`,
          `metrics[${i}].value`,
        ),
      );
      continue;
    }
    const metricTimestamp = own(metric, 'timestamp');
    let timestampMs = metricTimestamp == null ? payloadTimestampMs : longToNumber(metricTimestamp);
    if (Number.isNaN(timestampMs)) {
      if (options.isTimestampRequired) {
        const message = `${label(i, name)} has no timestamp and neither has the payload`;
        issues.push(issue('missing_field', message, `metrics[${i}].timestamp`));
        continue;
      }
      timestampMs = context.receivedAtMs;
    }
    const problem = checkTimestampRange(timestampMs, context.receivedAtMs, options);
    if (problem !== undefined) {
      issues.push(
        issue('invalid_timestamp', `${label(i, name)} timestamp ${problem}`, `metrics[${i}].timestamp`),
      );
      continue;
    }
    readings.push({ assetId, channel: name, timestampMs, value });
  }
  return readings;
}

/** How issues name a metric: its index and, for people, its name. */
function label(index: number, name: string): string {
  return `metrics[${index}] (${name.slice(0, 80)})`;
}
