// Sparkplug B metric values → numbers, by the Sparkplug datatype codes
// (Sparkplug 3.0 specification, payload datatypes). uint64 fields arrive as Long objects from
// protobufjs; values beyond 2^53 lose precision, as any JS number does.
import { describeUnusableValue, isUsableValue } from './reading-value.js';

/** Sparkplug datatype names by code, for issue messages. */
const datatypeNames = [
  'Unknown',
  'Int8',
  'Int16',
  'Int32',
  'Int64',
  'UInt8',
  'UInt16',
  'UInt32',
  'UInt64',
  'Float',
  'Double',
  'Boolean',
  'String',
  'DateTime',
  'Text',
  'UUID',
  'DataSet',
  'Bytes',
  'File',
  'Template',
  'PropertySet',
  'PropertySetList',
];

/** The protobufjs Long shape we rely on (the `long` package, v4). */
interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
  toNumber(): number;
}

/** The decoded protobuf metric fields we read (from sparkplug-payload's generated code). */
export interface ProtoMetric {
  name?: string | null;
  alias?: number | LongLike | null;
  timestamp?: number | LongLike | null;
  datatype?: number | null;
  isNull?: boolean | null;
  intValue?: number | null;
  longValue?: number | LongLike | null;
  floatValue?: number | null;
  doubleValue?: number | null;
  booleanValue?: boolean | null;
  stringValue?: string | null;
  bytesValue?: Uint8Array | null;
  datasetValue?: unknown;
  templateValue?: unknown;
  extensionValue?: unknown;
}

export function datatypeName(datatype: number): string {
  return datatypeNames[datatype] ?? `datatype ${datatype}`;
}

/** A uint64 field (number or Long) as a JS number; NaN when absent or not a number. */
export function longToNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null && typeof (value as LongLike).toNumber === 'function') {
    return (value as LongLike).toNumber();
  }
  return Number.NaN;
}

/** The same 64 bits read as a signed integer (Sparkplug stores Int64 in the uint64 field). */
function longToSigned(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null && 'high' in value && 'low' in value) {
    const long = value as LongLike;
    return (long.high | 0) * 4_294_967_296 + (long.low >>> 0);
  }
  return Number.NaN;
}

/** The datatype implied by which value field is set, for DATA metrics that omit it and have no birth definition. */
export function inferDatatype(metric: ProtoMetric): number {
  if (metric.doubleValue != null) return 10;
  if (metric.floatValue != null) return 9;
  if (metric.intValue != null) return 3;
  if (metric.longValue != null) return 8;
  if (metric.booleanValue != null) return 11;
  if (metric.stringValue != null) return 12;
  if (metric.bytesValue != null) return 17;
  if (metric.datasetValue != null) return 16;
  if (metric.templateValue != null) return 19;
  return 0;
}

/** The metric's value as a number, or NaN when it is null, non-numeric, absent or not finite. */
export function metricToNumber(metric: ProtoMetric, datatype: number): number {
  if (metric.isNull === true) return Number.NaN;
  switch (datatype) {
    case 1:
    case 2:
    case 3:
      return metric.intValue == null ? Number.NaN : metric.intValue | 0;
    case 5:
    case 6:
      return metric.intValue == null ? Number.NaN : metric.intValue >>> 0;
    case 4:
      return metric.longValue == null ? Number.NaN : longToSigned(metric.longValue);
    case 7:
    case 8:
      return metric.longValue == null ? Number.NaN : longToNumber(metric.longValue);
    case 9:
      return metric.floatValue == null || !isUsableValue(metric.floatValue) ? Number.NaN : metric.floatValue;
    case 10:
      return metric.doubleValue == null || !isUsableValue(metric.doubleValue)
        ? Number.NaN
        : metric.doubleValue;
    case 11:
      return metric.booleanValue == null ? Number.NaN : metric.booleanValue ? 1 : 0;
    default:
      return Number.NaN;
  }
}

/** Why metricToNumber gave NaN, as the end of an issue sentence. */
export function describeUnusableMetric(metric: ProtoMetric, datatype: number): string {
  if (metric.isNull === true) return 'is null';
  if (datatype === 9 || datatype === 10) {
    const value = datatype === 9 ? metric.floatValue : metric.doubleValue;
    if (value != null) return describeUnusableValue(value);
  }
  if (isNumericDatatype(datatype)) return `has no ${datatypeName(datatype)} value`;
  return `has the non-numeric type ${datatypeName(datatype)}; only integer, float, double and boolean metrics become readings`;
}

export function isNumericDatatype(datatype: number): boolean {
  return datatype >= 1 && datatype <= 11;
}
