// InfluxDB line protocol for gruwatch's four measurements (the schema is
// documented in README.md). Escaping follows the line-protocol reference:
// measurement `,` and space; tag keys/values and field keys `,` `=` and
// space; string field values `"` and `\`. Empty tags and non-finite fields
// are left out, since line protocol cannot carry them.
import { escape as lineProtocolEscape } from '@influxdata/influxdb-client';
import type { AlertEventRecord, FrameRecord, ModelEventRecord, ScoreRecord } from './records.js';

export const measurements = {
  score: 'gruwatch_score',
  alert: 'gruwatch_alert',
  frame: 'gruwatch_frame',
  modelEvent: 'gruwatch_model_event',
} as const;

/** A point as text plus its identity (measurement, tags, time): the same identity overwrites itself in InfluxDB. */
export interface EncodedPoint {
  seriesTimeKey: string;
  line: string;
}

type FieldValue =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'string'; value: string };

function encodePoint(
  measurement: string,
  tags: readonly (readonly [string, string])[],
  fields: readonly (readonly [string, FieldValue])[],
  atMs: number,
): EncodedPoint | undefined {
  let series = lineProtocolEscape.measurement(measurement);
  for (const [key, value] of [...tags].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (value === '') continue;
    series += `,${lineProtocolEscape.tag(key)}=${lineProtocolEscape.tag(value)}`;
  }
  const encodedFields: string[] = [];
  for (const [key, field] of fields) {
    if (field.kind === 'string') {
      encodedFields.push(`${lineProtocolEscape.tag(key)}=${lineProtocolEscape.quoted(field.value)}`);
    } else if (Number.isFinite(field.value)) {
      const text = field.kind === 'int' ? `${Math.trunc(field.value)}i` : String(field.value);
      encodedFields.push(`${lineProtocolEscape.tag(key)}=${text}`);
    }
  }
  if (encodedFields.length === 0) return undefined;
  const time = String(Math.trunc(atMs));
  return { seriesTimeKey: `${series} ${time}`, line: `${series} ${encodedFields.join(',')} ${time}` };
}

const float = (value: number): FieldValue => ({ kind: 'float', value });
const int = (value: number): FieldValue => ({ kind: 'int', value });
const str = (value: string): FieldValue => ({ kind: 'string', value });

export function encodeScorePoint(s: ScoreRecord): EncodedPoint | undefined {
  const fields: [string, FieldValue][] = [
    ['score', float(s.score)],
    ['threshold', float(s.threshold)],
    ['ratio', float(s.ratio)],
    ['top_channels', str(s.topChannels.join(','))],
  ];
  s.channels.forEach((channel, i) => {
    fields.push([`contrib_${channel}`, float(s.contributions[i])]);
  });
  return encodePoint(
    measurements.score,
    [
      ['asset', s.assetId],
      ['model_version', s.modelVersion],
      ['state', s.state],
    ],
    fields,
    s.atMs,
  );
}

export function encodeAlertPoint(a: AlertEventRecord): EncodedPoint | undefined {
  const fields: [string, FieldValue][] = [
    ['alert_id', str(a.id)],
    ['ratio', float(a.ratio)],
    ['peak_ratio', float(a.peakRatio)],
    ['top_channels', str(a.topChannels.join(','))],
    ['opened_at_ms', int(a.openedAtMs)],
    ['model_version', str(a.modelVersion)],
  ];
  if (a.reason !== undefined && a.reason !== '') fields.push(['reason', str(a.reason)]);
  return encodePoint(
    measurements.alert,
    [
      ['asset', a.assetId],
      ['severity', a.severity],
      ['event', a.type],
    ],
    fields,
    a.atMs,
  );
}

export function encodeFramePoint(f: FrameRecord): EncodedPoint | undefined {
  return encodePoint(
    measurements.frame,
    [
      ['asset', f.assetId],
      ['state', f.state],
    ],
    f.channels.map((channel, i) => [channel, float(f.values[i])] as const),
    f.atMs,
  );
}

export function encodeModelEventPoint(e: ModelEventRecord): EncodedPoint | undefined {
  const fields: [string, FieldValue][] = [];
  if (e.version !== undefined) fields.push(['version', str(e.version)]);
  if (e.previousVersion !== undefined) fields.push(['previous_version', str(e.previousVersion)]);
  if (e.reason !== undefined) fields.push(['reason', str(e.reason)]);
  if (e.details !== undefined) fields.push(['details', str(JSON.stringify(e.details))]);
  // A point needs one field; an event with nothing but its kind still counts.
  if (fields.length === 0) fields.push(['reason', str('')]);
  return encodePoint(
    measurements.modelEvent,
    [
      ['model', e.model],
      ['event', e.event],
    ],
    fields,
    e.atMs,
  );
}
