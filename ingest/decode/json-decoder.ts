// JSON payloads → readings: one reading, an array of readings, or one object
// with several channels. In a batch a bad element is dropped and listed in
// partialIssues while the rest is kept; a message with no good reading is rejected.
import type { SensorReading } from '../reading.js';
import type { JsonDecoderConfig } from './config.js';
import type { DecodeContext, DecodeIssue, DecodeRejectReason, DecodeResult, Decoder } from './decoder.js';
import { compileFieldPath, isRecord } from './field-path.js';
import { describeUnusableValue, isUsableValue } from './reading-value.js';
import {
  checkPayloadSize,
  describeJsonType,
  fieldAt,
  issue,
  maxNameLength,
  neverThrowing,
  reject,
  rejectAll,
} from './result.js';
import { checkTimestampRange, isoToEpochMs, numberToEpochMs } from './timestamp.js';

/** Thrown only inside this file to abandon one reading; caught per element. */
class ReadingError {
  constructor(readonly issue: DecodeIssue) {}
}

export function createJsonDecoder(config: JsonDecoderConfig): Decoder {
  const getAsset = compileFieldPath(config.assetField);
  const getChannel = compileFieldPath(config.channelField);
  const getValue = compileFieldPath(config.valueField);
  const getTimestamp = compileFieldPath(config.timestampField);
  const getChannels = compileFieldPath(config.channelsField);
  const getReadings = config.readingsField === undefined ? undefined : compileFieldPath(config.readingsField);
  const textDecoder = new TextDecoder('utf-8', { fatal: true });
  const unit = config.timestampUnit;

  function fail(reason: DecodeRejectReason, field: string, message: string): never {
    throw new ReadingError(issue(reason, `${field || 'payload'} ${message}`, field));
  }

  /** Checks an asset or channel name; the field path is built only when the name is bad. */
  function readName(raw: unknown, prefix: string, index: number, sub: string): string {
    if (typeof raw === 'string' && raw.length > 0 && raw.length <= maxNameLength) return raw;
    if (typeof raw === 'number' && Number.isInteger(raw)) return String(raw);
    const field = fieldAt(prefix, index, sub);
    if (typeof raw !== 'string')
      fail('invalid_value', field, `is ${describeJsonType(raw)}; expected a string`);
    if (raw.length === 0) fail('invalid_value', field, 'is an empty string; expected a non-empty name');
    return fail('invalid_value', field, `is longer than ${maxNameLength} characters`);
  }

  function readAsset(source: unknown, prefix: string, index: number, context: DecodeContext): string {
    const raw = getAsset(source);
    if (raw !== undefined) return readName(raw, prefix, index, config.assetField);
    const fromTopic = context.topicFields?.[config.topicAssetField];
    if (fromTopic !== undefined && fromTopic.length > 0) return fromTopic;
    if (config.shouldUseKeyAsAsset && context.key !== undefined && context.key.length > 0) return context.key;
    return fail(
      'missing_field',
      fieldAt(prefix, index, config.assetField),
      `is missing and the topic gives no "${config.topicAssetField}" field; the asset of the reading is unknown`,
    );
  }

  /** The value as a number, or NaN when it is not acceptable (NaN itself is never acceptable). */
  function toValue(raw: unknown): number {
    if (typeof raw === 'number') return isUsableValue(raw) ? raw : Number.NaN;
    if (typeof raw === 'boolean') return raw ? 1 : 0;
    if (typeof raw === 'string' && config.shouldParseNumericStrings && raw.trim().length > 0) {
      const parsed = Number(raw);
      return isUsableValue(parsed) ? parsed : Number.NaN;
    }
    return Number.NaN;
  }

  function failValue(raw: unknown, field: string): never {
    if (raw === undefined) return fail('missing_field', field, 'is missing');
    if (typeof raw === 'number') return fail('invalid_value', field, describeUnusableValue(raw));
    if (typeof raw === 'string') {
      const parsed = Number(raw);
      if (config.shouldParseNumericStrings && raw.trim().length > 0 && Number.isFinite(parsed))
        return fail('invalid_value', field, describeUnusableValue(parsed));
      return fail(
        'invalid_value',
        field,
        `is the string ${JSON.stringify(raw.slice(0, 40))}; expected a number or boolean`,
      );
    }
    return fail('invalid_value', field, `is ${describeJsonType(raw)}; expected a number or boolean`);
  }

  function readTimestamp(source: unknown, prefix: string, index: number, context: DecodeContext): number {
    const raw = getTimestamp(source);
    let ms: number;
    if (typeof raw === 'number' && unit !== 'iso') {
      ms = numberToEpochMs(raw, unit);
    } else if (typeof raw === 'string' && (unit === 'iso' || unit === 'auto')) {
      ms = isoToEpochMs(raw);
      if (Number.isNaN(ms)) {
        fail(
          'invalid_timestamp',
          fieldAt(prefix, index, config.timestampField),
          `is ${JSON.stringify(raw.slice(0, 40))}, not an ISO 8601 date-time with a time zone`,
        );
      }
    } else if (raw === undefined) {
      if (!config.isTimestampRequired) return context.receivedAtMs;
      return fail(
        'missing_field',
        fieldAt(prefix, index, config.timestampField),
        'is missing; every reading needs a timestamp',
      );
    } else {
      const expected =
        unit === 'iso'
          ? 'an ISO 8601 string'
          : unit === 'auto'
            ? 'a number or an ISO 8601 string'
            : `a number in ${unit}`;
      return fail(
        'invalid_timestamp',
        fieldAt(prefix, index, config.timestampField),
        `is ${describeJsonType(raw)}; expected ${expected}`,
      );
    }
    const problem = checkTimestampRange(ms, context.receivedAtMs, config);
    if (problem !== undefined)
      fail('invalid_timestamp', fieldAt(prefix, index, config.timestampField), problem);
    return ms;
  }

  /**
   * Decodes one reading object (single or multi-channel) at `prefix[index]`
   * (index -1: no index) into `out`; bad channels of a multi-channel object go to `issues`.
   */
  function decodeObject(
    source: unknown,
    prefix: string,
    index: number,
    context: DecodeContext,
    out: SensorReading[],
    issues: DecodeIssue[],
  ): void {
    if (!isRecord(source)) {
      fail(
        'invalid_value',
        fieldAt(prefix, index, ''),
        `is ${describeJsonType(source)}; expected a reading object`,
      );
    }
    const channels = getChannels(source);
    const assetId = readAsset(source, prefix, index, context);
    const timestampMs = readTimestamp(source, prefix, index, context);
    if (channels === undefined) {
      const rawChannel = getChannel(source);
      let channel: string;
      if (rawChannel !== undefined) channel = readName(rawChannel, prefix, index, config.channelField);
      else {
        const fromTopic = context.topicFields?.[config.topicChannelField];
        if (fromTopic === undefined || fromTopic.length === 0) {
          fail(
            'missing_field',
            fieldAt(prefix, index, config.channelField),
            `is missing, there is no "${config.channelsField}" object and the topic gives no "${config.topicChannelField}" field`,
          );
        }
        channel = fromTopic;
      }
      const raw = getValue(source);
      const value = toValue(raw);
      if (Number.isNaN(value)) failValue(raw, fieldAt(prefix, index, config.valueField));
      out.push({ assetId, channel, timestampMs, value });
      return;
    }
    if (!isRecord(channels)) {
      fail(
        'invalid_value',
        fieldAt(prefix, index, config.channelsField),
        `is ${describeJsonType(channels)}; expected an object of channel values`,
      );
    }
    let count = 0;
    for (const channel in channels) {
      count++;
      const raw = channels[channel];
      const value = toValue(raw);
      if (!Number.isNaN(value) && channel.length > 0 && channel.length <= maxNameLength) {
        out.push({ assetId, channel, timestampMs, value });
        continue;
      }
      const field = `${fieldAt(prefix, index, config.channelsField)}.${channel}`;
      try {
        if (channel.length === 0 || channel.length > maxNameLength) {
          fail('invalid_value', field, `has a name that is empty or longer than ${maxNameLength} characters`);
        }
        failValue(raw, field);
      } catch (err) {
        if (!(err instanceof ReadingError)) throw err;
        issues.push(err.issue);
      }
    }
    if (count === 0) {
      fail(
        'missing_field',
        fieldAt(prefix, index, config.channelsField),
        'is an empty object; expected at least one channel',
      );
    }
  }

  function decodeBatch(items: unknown[], prefix: string, context: DecodeContext): DecodeResult {
    if (items.length === 0) {
      return reject(
        'missing_field',
        `${prefix || 'payload'} is an empty array; expected at least one reading`,
        prefix,
      );
    }
    const readings: SensorReading[] = [];
    const issues: DecodeIssue[] = [];
    for (let i = 0; i < items.length; i++) {
      try {
        decodeObject(items[i], prefix, i, context, readings, issues);
      } catch (err) {
        if (!(err instanceof ReadingError)) throw err;
        issues.push(err.issue);
      }
    }
    if (readings.length === 0) return rejectAll(issues);
    return issues.length === 0 ? { ok: true, readings } : { ok: true, readings, partialIssues: issues };
  }

  function decodeUnsafe(payload: Uint8Array, context: DecodeContext): DecodeResult {
    const sizeProblem = checkPayloadSize(payload, config.maxPayloadBytes);
    if (sizeProblem !== undefined) return sizeProblem;
    let text: string;
    try {
      text = textDecoder.decode(payload);
    } catch {
      return reject('invalid_encoding', 'payload is not valid UTF-8 text');
    }
    let root: unknown;
    try {
      root = JSON.parse(text);
    } catch (err) {
      return reject('invalid_json', `payload is not valid JSON: ${(err as Error).message}`);
    }
    if (Array.isArray(root)) return decodeBatch(root, '', context);
    if (!isRecord(root)) {
      return reject(
        'invalid_json',
        `payload is ${describeJsonType(root)}; expected a JSON object or array of readings`,
      );
    }
    if (getReadings !== undefined) {
      const items = getReadings(root);
      const field = config.readingsField as string;
      if (Array.isArray(items)) return decodeBatch(items, field, context);
      if (items !== undefined)
        return reject(
          'invalid_value',
          `${field} is ${describeJsonType(items)}; expected an array of readings`,
          field,
        );
    }
    const readings: SensorReading[] = [];
    const issues: DecodeIssue[] = [];
    try {
      decodeObject(root, '', -1, context, readings, issues);
    } catch (err) {
      if (!(err instanceof ReadingError)) throw err;
      return { ok: false, issue: err.issue };
    }
    if (readings.length === 0) return rejectAll(issues);
    return issues.length === 0 ? { ok: true, readings } : { ok: true, readings, partialIssues: issues };
  }

  return neverThrowing('invalid_json', decodeUnsafe);
}
