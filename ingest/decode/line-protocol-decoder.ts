// InfluxDB line protocol → readings, parsed by hand in one pass over the text
// (https://docs.influxdata.com/influxdb/v2/reference/syntax/line-protocol/).
// Each numeric field is a channel; a malformed line is dropped as a whole,
// a string field alone; the other lines of the message are kept.
import type { SensorReading } from '../reading.js';
import type { InfluxLineDecoderConfig } from './config.js';
import type { DecodeContext, DecodeIssue, DecodeRejectReason, DecodeResult, Decoder } from './decoder.js';
import { describeUnusableValue, isUsableValue } from './reading-value.js';
import { checkPayloadSize, issue, maxNameLength, neverThrowing, reject, rejectAll } from './result.js';
import { checkTimestampRange } from './timestamp.js';

const BACKSLASH = 92;
const COMMA = 44;
const EQUALS = 61;
const SPACE = 32;
const NEWLINE = 10;
const CR = 13;
const TAB = 9;
const QUOTE = 34;
const HASH = 35;

const measurementEscape = /\\([, \\])/g;
const nameEscape = /\\([, =\\])/g;
const floatPattern = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const intPattern = /^[+-]?\d{1,30}$/;
const uintPattern = /^\d{1,30}$/;
const timestampPattern = /^-?\d{1,19}$/;
// Range limits as digit strings: beyond 2^53 JS numbers cannot tell 2^63 - 1 from 2^63.
const int64MaxDigits = '9223372036854775807';
const int64MinDigits = '9223372036854775808';
const uint64MaxDigits = '18446744073709551615';

/** Digits dropped to turn a timestamp of each precision into milliseconds, and the factor for seconds. */
const precisionDigits = { s: -3, ms: 0, us: 3, ns: 6 } as const;

/** Abandons the current line; `position` is where parsing stopped. */
class LineError {
  constructor(
    readonly reason: DecodeRejectReason,
    readonly detail: string,
    readonly field: string | undefined,
    readonly position: number,
  ) {}
}

export function createLineProtocolDecoder(config: InfluxLineDecoderConfig): Decoder {
  const textDecoder = new TextDecoder('utf-8', { fatal: true });
  const dropDigits = precisionDigits[config.timestampPrecision];

  function decodeUnsafe(payload: Uint8Array, context: DecodeContext): DecodeResult {
    const sizeProblem = checkPayloadSize(payload, config.maxPayloadBytes);
    if (sizeProblem !== undefined) return sizeProblem;
    let text: string;
    try {
      text = textDecoder.decode(payload);
    } catch {
      return reject('invalid_encoding', 'payload is not valid UTF-8 text');
    }
    const n = text.length;
    const readings: SensorReading[] = [];
    const issues: DecodeIssue[] = [];
    let pos = 0;
    let lineNo = 0;
    let hasLine = false;

    // Reads a name up to an unescaped stop character; `\` escapes comma, space and, outside measurements, `=`.
    function readName(isMeasurement: boolean): string {
      const start = pos;
      let hasEscape = false;
      while (pos < n) {
        const c = text.charCodeAt(pos);
        if (c === BACKSLASH && pos + 1 < n) {
          const next = text.charCodeAt(pos + 1);
          if (next === COMMA || next === SPACE || (next === EQUALS && !isMeasurement) || next === BACKSLASH) {
            hasEscape = true;
            pos += 2;
            continue;
          }
        }
        if (
          c === COMMA ||
          c === SPACE ||
          c === NEWLINE ||
          c === CR ||
          c === TAB ||
          (c === EQUALS && !isMeasurement)
        )
          break;
        pos++;
      }
      const raw = text.slice(start, pos);
      if (!hasEscape) return raw;
      return raw.replace(isMeasurement ? measurementEscape : nameEscape, '$1');
    }

    function lineFail(reason: DecodeRejectReason, detail: string, field?: string): never {
      throw new LineError(reason, detail, field, pos);
    }

    function expectName(name: string, what: string): void {
      if (name.length === 0)
        lineFail('invalid_line_protocol', `has an empty ${what} at column ${pos + 1 - lineStart}`);
      if (name.length > maxNameLength)
        lineFail('invalid_line_protocol', `has a ${what} longer than ${maxNameLength} characters`);
    }

    let lineStart = 0;
    // Line where the current record starts; a quoted string may span lines, which lineNo keeps counting.
    let recordLine = 0;

    function parseLine(): void {
      const readingsMark = readings.length;
      const measurement = readName(true);
      expectName(measurement, 'measurement');
      let assetId = config.assetTag === undefined ? measurement : undefined;
      while (pos < n && text.charCodeAt(pos) === COMMA) {
        pos++;
        const key = readName(false);
        expectName(key, 'tag key');
        if (text.charCodeAt(pos) !== EQUALS)
          lineFail('invalid_line_protocol', `has no "=" after tag key "${key}"`);
        pos++;
        const value = readName(false);
        expectName(value, `value of tag "${key}"`);
        if (key === config.assetTag) assetId = value;
      }
      if (assetId === undefined) {
        lineFail('missing_field', `has no tag "${config.assetTag}" naming the asset`, config.assetTag);
      }
      if (text.charCodeAt(pos) !== SPACE)
        lineFail('invalid_line_protocol', `needs a space before the fields at column ${pos + 1 - lineStart}`);
      while (pos < n && text.charCodeAt(pos) === SPACE) pos++;
      for (;;) {
        const key = readName(false);
        expectName(key, 'field key');
        if (text.charCodeAt(pos) !== EQUALS)
          lineFail('invalid_line_protocol', `has no "=" after field key "${key}"`, key);
        pos++;
        const channel = config.shouldPrefixChannelWithMeasurement ? `${measurement}.${key}` : key;
        if (text.charCodeAt(pos) === QUOTE) {
          skipString(key);
          issues.push(
            issue(
              'invalid_value',
              `line ${recordLine} field "${key}" is a string; expected a number or boolean`,
              `line[${recordLine}].${key}`,
            ),
          );
        } else {
          const value = readFieldValue(key);
          if (isUsableValue(value)) readings.push({ assetId, channel, timestampMs: 0, value });
          else
            issues.push(
              issue(
                'invalid_value',
                `line ${recordLine} field "${key}" ${describeUnusableValue(value)}`,
                `line[${recordLine}].${key}`,
              ),
            );
        }
        if (pos < n && text.charCodeAt(pos) === COMMA) {
          pos++;
          continue;
        }
        break;
      }
      while (pos < n && (text.charCodeAt(pos) === SPACE || text.charCodeAt(pos) === TAB)) pos++;
      let timestampMs: number;
      if (pos >= n || text.charCodeAt(pos) === NEWLINE || text.charCodeAt(pos) === CR) {
        if (config.isTimestampRequired)
          lineFail('missing_field', 'has no timestamp; every line needs one', 'timestamp');
        timestampMs = context.receivedAtMs;
      } else {
        const start = pos;
        while (pos < n && !isLineSpace(text.charCodeAt(pos))) pos++;
        timestampMs = toEpochMs(text.slice(start, pos));
        const problem = checkTimestampRange(timestampMs, context.receivedAtMs, config);
        if (problem !== undefined)
          lineFail('invalid_timestamp', `has a timestamp that ${problem}`, 'timestamp');
      }
      while (
        pos < n &&
        (text.charCodeAt(pos) === SPACE || text.charCodeAt(pos) === TAB || text.charCodeAt(pos) === CR)
      )
        pos++;
      if (pos < n && text.charCodeAt(pos) !== NEWLINE) {
        lineFail(
          'invalid_line_protocol',
          `has unexpected text after the timestamp at column ${pos + 1 - lineStart}`,
        );
      }
      for (let i = readingsMark; i < readings.length; i++) readings[i].timestampMs = timestampMs;
    }

    function skipString(key: string): void {
      pos++;
      while (pos < n) {
        const c = text.charCodeAt(pos);
        if (c === BACKSLASH) pos += 2;
        else if (c === QUOTE) {
          pos++;
          return;
        } else {
          if (c === NEWLINE) lineNo++;
          pos++;
        }
      }
      lineFail('invalid_line_protocol', `has an unterminated string in field "${key}"`, key);
    }

    function readFieldValue(key: string): number {
      const start = pos;
      while (pos < n && !isValueEnd(text.charCodeAt(pos))) pos++;
      const token = text.slice(start, pos);
      const last = token.charCodeAt(token.length - 1);
      if (last === 105 /* i */ && intPattern.test(token.slice(0, -1))) {
        const body = token.slice(0, -1);
        const isNegative = body.charCodeAt(0) === 45; /* - */
        const digits = body.charCodeAt(0) === 45 || body.charCodeAt(0) === 43 ? body.slice(1) : body;
        if (exceeds(digits, isNegative ? int64MinDigits : int64MaxDigits)) {
          lineFail('invalid_line_protocol', `field "${key}" is outside the 64-bit integer range`, key);
        }
        return Number(body);
      }
      if (last === 117 /* u */ && uintPattern.test(token.slice(0, -1))) {
        const digits = token.slice(0, -1);
        if (exceeds(digits, uint64MaxDigits)) {
          lineFail('invalid_line_protocol', `field "${key}" is outside the unsigned 64-bit range`, key);
        }
        return Number(digits);
      }
      switch (token) {
        case 't':
        case 'T':
        case 'true':
        case 'True':
        case 'TRUE':
          return 1;
        case 'f':
        case 'F':
        case 'false':
        case 'False':
        case 'FALSE':
          return 0;
      }
      if (!floatPattern.test(token)) {
        lineFail(
          'invalid_line_protocol',
          `field "${key}" has the value ${JSON.stringify(token.slice(0, 40))}, which is not a number, boolean or string`,
          key,
        );
      }
      return Number(token);
    }

    function toEpochMs(token: string): number {
      if (!timestampPattern.test(token)) {
        lineFail(
          'invalid_timestamp',
          `has the timestamp ${JSON.stringify(token.slice(0, 40))}; expected an integer`,
          'timestamp',
        );
      }
      if (dropDigits < 0) return Number(token) * 1000;
      // Truncate digits instead of dividing so 19-digit nanosecond times stay exact to the millisecond.
      if (dropDigits === 0 || token.charCodeAt(0) === 45 /* - */)
        return Math.floor(Number(token) / 10 ** dropDigits);
      return token.length <= dropDigits ? 0 : Number(token.slice(0, token.length - dropDigits));
    }

    while (pos < n) {
      lineNo++;
      lineStart = pos;
      while (
        pos < n &&
        (text.charCodeAt(pos) === SPACE || text.charCodeAt(pos) === TAB || text.charCodeAt(pos) === CR)
      )
        pos++;
      if (pos >= n) break;
      const first = text.charCodeAt(pos);
      if (first === NEWLINE || first === HASH) {
        while (pos < n && text.charCodeAt(pos) !== NEWLINE) pos++;
        pos++;
        continue;
      }
      hasLine = true;
      recordLine = lineNo;
      const readingsMark = readings.length;
      const issuesMark = issues.length;
      try {
        parseLine();
      } catch (err) {
        if (!(err instanceof LineError)) throw err;
        readings.length = readingsMark;
        issues.length = issuesMark;
        const field = err.field === undefined ? `line[${recordLine}]` : `line[${recordLine}].${err.field}`;
        issues.push(issue(err.reason, `line ${recordLine} ${err.detail}`, field));
        pos = err.position;
        while (pos < n && text.charCodeAt(pos) !== NEWLINE) pos++;
      }
      pos++;
    }
    if (!hasLine)
      return reject(
        'invalid_line_protocol',
        'payload holds no line protocol lines, only blank lines or comments',
      );
    if (readings.length === 0) return rejectAll(issues);
    return issues.length === 0 ? { ok: true, readings } : { ok: true, readings, partialIssues: issues };
  }

  return neverThrowing('invalid_line_protocol', decodeUnsafe);
}

/** Whether a decimal digit string is larger than `limit` (also a digit string); leading zeros count as digits. */
function exceeds(digits: string, limit: string): boolean {
  const trimmed = digits.replace(/^0+(?=\d)/, '');
  return trimmed.length > limit.length || (trimmed.length === limit.length && trimmed > limit);
}

function isLineSpace(c: number): boolean {
  return c === SPACE || c === TAB || c === NEWLINE || c === CR;
}

function isValueEnd(c: number): boolean {
  return c === COMMA || c === SPACE || c === TAB || c === NEWLINE || c === CR;
}
