import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type DecoderConfigInput, decoderConfigSchema } from './config.js';
import { createDecoder } from './create-decoder.js';
import type { DecodeContext, DecodeResult } from './decoder.js';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
const bytes = (text: string) => new TextEncoder().encode(text);
const receivedAtMs = Date.UTC(2024, 10, 25, 10, 30, 0);
const context: DecodeContext = { topic: 'plant/north/readings', receivedAtMs };

function decoder(options: Partial<Extract<DecoderConfigInput, { type: 'json' }>> = {}) {
  return createDecoder(decoderConfigSchema.parse({ type: 'json', ...options }));
}

function expectOk(result: DecodeResult) {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.issue)}`);
  return result;
}

function expectRejected(result: DecodeResult) {
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.readings)}`);
  return result.issue;
}

describe('json decoder', () => {
  it('decodes one reading with configured field names', () => {
    const result = expectOk(decoder({ channelField: 'sensor' }).decode(fixture('json-single.json'), context));
    expect(result.readings).toEqual([
      { assetId: 'pump-7', channel: 'bearing_temp', timestampMs: 1732530000123, value: 61.25 },
    ]);
    expect(result.partialIssues).toBeUndefined();
  });

  it('keeps the good readings of a batch and lists each bad element by path', () => {
    const result = expectOk(decoder().decode(fixture('json-batch.json'), context));
    expect(result.readings).toEqual([
      { assetId: 'pump-7', channel: 'flow', timestampMs: 1732530000 * 1000, value: 12.4 },
      { assetId: 'pump-7', channel: 'running', timestampMs: 1732530000 * 1000, value: 1 },
      {
        assetId: 'pump-7',
        channel: 'vibration',
        timestampMs: Date.UTC(2024, 10, 25, 10, 20, 0, 500),
        value: 0.031,
      },
      { assetId: 'pump-7', channel: 'temp', timestampMs: 1732530002 * 1000, value: 40.5 },
    ]);
    const issues = result.partialIssues ?? [];
    expect(issues.map((i) => [i.reason, i.field])).toEqual([
      ['invalid_value', '[3].value'],
      ['invalid_value', '[4].value'],
      ['invalid_value', '[5].value'],
      ['missing_field', '[6].ts'],
      ['invalid_timestamp', '[7].ts'],
      ['missing_field', '[8].asset'],
    ]);
    for (const issue of issues) expect(issue.message.startsWith(issue.field as string)).toBe(true);
    expect(issues[0].message).toContain('string "4.2"');
    expect(issues[1].message).toContain('Infinity');
    expect(issues[2].message).toContain('an object');
    expect(issues[4].message).toContain('1999-12-31T23:59:59.000Z');
  });

  it('rejects a value finite as a double but not as a float32, naming the field', () => {
    for (const value of [1e39, -1e39, 3.5e38]) {
      const issue = expectRejected(
        decoder().decode(
          bytes(`{"asset":"p1","channel":"flow","value":${value},"ts":1732530000000}`),
          context,
        ),
      );
      expect(issue).toMatchObject({ reason: 'invalid_value', field: 'value' });
      expect(issue.message).toContain('float32');
    }
    const batch = expectOk(
      decoder({ shouldParseNumericStrings: true }).decode(
        bytes(
          '[{"asset":"p1","channel":"a","value":"1e39","ts":1732530000000},{"asset":"p1","channel":"b","value":3.4e38,"ts":1732530000000}]',
        ),
        context,
      ),
    );
    expect(batch.readings.map((r) => r.channel)).toEqual(['b']);
    expect(batch.partialIssues?.[0]).toMatchObject({
      field: '[0].value',
      message: expect.stringContaining('float32'),
    });
  });

  it('decodes one object with several channels and drops only the bad channel', () => {
    const result = expectOk(
      decoder({ assetField: 'device.id', timestampField: 'time' }).decode(
        fixture('json-multi-channel.json'),
        context,
      ),
    );
    const ts = Date.UTC(2024, 10, 25, 9, 20);
    expect(result.readings).toEqual([
      { assetId: 'compressor-2', channel: 'flow', timestampMs: ts, value: 1.2 },
      { assetId: 'compressor-2', channel: 'temp', timestampMs: ts, value: 40 },
      { assetId: 'compressor-2', channel: 'alarm', timestampMs: ts, value: 0 },
      { assetId: 'compressor-2', channel: 'discharge_pressure', timestampMs: ts, value: 7.25 },
    ]);
    expect(result.partialIssues).toEqual([
      expect.objectContaining({
        reason: 'invalid_value',
        field: 'values.mode',
        message: expect.stringContaining('values.mode'),
      }),
    ]);
  });

  it('reads a batch wrapped in an envelope and names paths inside it', () => {
    const result = expectOk(
      decoder({ readingsField: 'readings' }).decode(fixture('json-envelope.json'), context),
    );
    expect(result.readings.map((r) => [r.assetId, r.channel, r.value, r.timestampMs])).toEqual([
      ['fan-1', 'speed', 1450, 1732530000000],
      ['fan-1', 'current', 3.1, 1732530000000],
      ['fan-2', 'speed', 1380, 1732530000000],
    ]);
    expect(result.partialIssues?.map((i) => [i.reason, i.field])).toEqual([
      ['invalid_value', 'readings[2].values.current'],
    ]);
  });

  it('takes asset and channel from topic fields, then the message key, when the payload omits them', () => {
    const payload = bytes('{"value": 3.5, "ts": 1732530000000}');
    const fromTopic = expectOk(
      decoder().decode(payload, { ...context, topicFields: { asset: 'mixer-1', channel: 'torque' } }),
    );
    expect(fromTopic.readings).toEqual([
      { assetId: 'mixer-1', channel: 'torque', timestampMs: 1732530000000, value: 3.5 },
    ]);
    const fromKey = expectOk(
      decoder().decode(payload, { ...context, key: 'mixer-9', topicFields: { channel: 'torque' } }),
    );
    expect(fromKey.readings[0].assetId).toBe('mixer-9');
    const noKey = expectRejected(
      decoder({ shouldUseKeyAsAsset: false }).decode(payload, {
        ...context,
        key: 'mixer-9',
        topicFields: { channel: 'torque' },
      }),
    );
    expect(noKey).toMatchObject({ reason: 'missing_field', field: 'asset' });
    const noChannel = expectRejected(
      decoder().decode(payload, { ...context, topicFields: { asset: 'mixer-1' } }),
    );
    expect(noChannel).toMatchObject({ reason: 'missing_field', field: 'channel' });
    expect(noChannel.message).toContain('"values"');
  });

  it('prefers the payload asset over the topic field', () => {
    const result = expectOk(
      decoder().decode(bytes('{"asset":"a-1","channel":"c","value":1,"ts":1732530000000}'), {
        ...context,
        topicFields: { asset: 'a-2' },
      }),
    );
    expect(result.readings[0].assetId).toBe('a-1');
  });

  it.each([
    ['s', '1732530000.5', 1732530000500],
    ['ms', '1732530000500', 1732530000500],
    ['us', '1732530000500123', 1732530000500],
    ['ns', '1732530000500123456', 1732530000500],
  ] as const)('converts timestamps given in %s, both explicitly and by magnitude', (unit, ts, expectedMs) => {
    const payload = bytes(`{"asset":"a","channel":"c","value":1,"ts":${ts}}`);
    expect(expectOk(decoder({ timestampUnit: unit }).decode(payload, context)).readings[0].timestampMs).toBe(
      expectedMs,
    );
    expect(expectOk(decoder().decode(payload, context)).readings[0].timestampMs).toBe(expectedMs);
  });

  it('accepts ISO 8601 with a zone and rejects it without one or where numbers are configured', () => {
    const at = (ts: string) => bytes(`{"asset":"a","channel":"c","value":1,"ts":${JSON.stringify(ts)}}`);
    expect(
      expectOk(decoder({ timestampUnit: 'iso' }).decode(at('2024-11-25T11:20:00.250+01:00'), context))
        .readings[0].timestampMs,
    ).toBe(Date.UTC(2024, 10, 25, 10, 20, 0, 250));
    const local = expectRejected(decoder().decode(at('2024-11-25T10:20:00'), context));
    expect(local).toMatchObject({ reason: 'invalid_timestamp', field: 'ts' });
    expect(local.message).toContain('time zone');
    const inMs = expectRejected(decoder({ timestampUnit: 'ms' }).decode(at('2024-11-25T10:20:00Z'), context));
    expect(inMs).toMatchObject({ reason: 'invalid_timestamp', field: 'ts' });
    expect(inMs.message).toContain('a number in ms');
    const isoOnly = expectRejected(
      decoder({ timestampUnit: 'iso' }).decode(
        bytes('{"asset":"a","channel":"c","value":1,"ts":1732530000}'),
        context,
      ),
    );
    expect(isoOnly.message).toContain('an ISO 8601 string');
  });

  it('rejects timestamps before 2000 or more than the allowed skew in the future', () => {
    const at = (ms: number) => bytes(`{"asset":"a","channel":"c","value":1,"ts":${ms}}`);
    expect(expectRejected(decoder().decode(at(Date.UTC(1999, 11, 31, 23, 59)), context))).toMatchObject({
      reason: 'invalid_timestamp',
      field: 'ts',
    });
    const future = expectRejected(decoder().decode(at(receivedAtMs + 300_001), context));
    expect(future).toMatchObject({ reason: 'invalid_timestamp', field: 'ts' });
    expect(future.message).toContain('300000 ms after the message was received');
    expect(expectOk(decoder().decode(at(receivedAtMs + 300_000), context)).readings).toHaveLength(1);
    expect(expectRejected(decoder().decode(at(receivedAtMs + 12 * 3_600_000), context)).field).toBe('ts');
    expect(
      expectRejected(decoder({ maxFutureSkewMs: 1000 }).decode(at(receivedAtMs + 1001), context)).reason,
    ).toBe('invalid_timestamp');
  });

  it('uses the arrival time for a missing timestamp only when configured', () => {
    const payload = bytes('{"asset":"a","channel":"c","value":2}');
    expect(expectRejected(decoder().decode(payload, context))).toMatchObject({
      reason: 'missing_field',
      field: 'ts',
    });
    const result = expectOk(decoder({ isTimestampRequired: false }).decode(payload, context));
    expect(result.readings[0].timestampMs).toBe(receivedAtMs);
  });

  it('turns booleans into 0 and 1 and parses numeric strings only when configured', () => {
    const payload = bytes(
      '{"asset":"a","ts":1732530000000,"values":{"on":true,"off":false,"level":" 4.5 ","name":"x"}}',
    );
    const strict = expectOk(decoder().decode(payload, context));
    expect(strict.readings.map((r) => [r.channel, r.value])).toEqual([
      ['on', 1],
      ['off', 0],
    ]);
    expect(strict.partialIssues?.map((i) => i.field)).toEqual(['values.level', 'values.name']);
    const lenient = expectOk(decoder({ shouldParseNumericStrings: true }).decode(payload, context));
    expect(lenient.readings.map((r) => [r.channel, r.value])).toEqual([
      ['on', 1],
      ['off', 0],
      ['level', 4.5],
    ]);
    expect(lenient.partialIssues?.map((i) => i.field)).toEqual(['values.name']);
  });

  it('rejects a message whose every reading is bad, naming the first and counting the rest', () => {
    const issue = expectRejected(
      decoder().decode(
        bytes(
          '[{"asset":"a","channel":"c","value":"x","ts":1732530000000},{"asset":"a","channel":"c","value":null,"ts":1732530000000}]',
        ),
        context,
      ),
    );
    expect(issue).toMatchObject({ reason: 'invalid_value', field: '[0].value' });
    expect(issue.message).toContain('1 more problems');
  });

  it.each([
    ['an empty payload', new Uint8Array(0), 'payload_empty', undefined],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 'invalid_encoding', undefined],
    ['broken JSON', bytes('{"asset": "a", '), 'invalid_json', undefined],
    ['a bare number', bytes('42'), 'invalid_json', undefined],
    ['an empty array', bytes('[]'), 'missing_field', undefined],
    ['a non-object element', bytes('[42]'), 'invalid_value', '[0]'],
    [
      'an empty channel object',
      bytes('{"asset":"a","ts":1732530000000,"values":{}}'),
      'missing_field',
      'values',
    ],
    [
      'channels that are an array',
      bytes('{"asset":"a","ts":1732530000000,"values":[1,2]}'),
      'invalid_value',
      'values',
    ],
    [
      'an empty asset name',
      bytes('{"asset":"","channel":"c","value":1,"ts":1732530000000}'),
      'invalid_value',
      'asset',
    ],
    [
      'an object as asset',
      bytes('{"asset":{"id":1},"channel":"c","value":1,"ts":1732530000000}'),
      'invalid_value',
      'asset',
    ],
    [
      'a boolean timestamp',
      bytes('{"asset":"a","channel":"c","value":1,"ts":true}'),
      'invalid_timestamp',
      'ts',
    ],
  ] as const)('rejects %s with reason %s', (_, payload, reason, field) => {
    const issue = expectRejected(decoder().decode(payload, context));
    expect(issue.reason).toBe(reason);
    expect(issue.field).toBe(field);
    expect(issue.message.length).toBeGreaterThan(10);
  });

  it('rejects deeply nested JSON as a value of the wrong shape without walking it', () => {
    const depth = 200_000;
    const issue = expectRejected(
      decoder().decode(bytes(`${'['.repeat(depth)}${']'.repeat(depth)}`), context),
    );
    expect(issue).toMatchObject({
      reason: 'invalid_value',
      field: '[0]',
      message: '[0] is an array; expected a reading object',
    });
  });

  it('rejects a payload above maxPayloadBytes before parsing it', () => {
    const issue = expectRejected(
      decoder({ maxPayloadBytes: 16 }).decode(bytes('{"asset":"a","channel":"c","value":1}'), context),
    );
    expect(issue.reason).toBe('payload_too_large');
    expect(issue.message).toContain('maxPayloadBytes (16)');
  });

  it('reads paths deeper than two levels', () => {
    const payload = bytes(
      '{"meta":{"src":{"asset":"deep-1"}},"m":{"ch":"c"},"v":{"x":{"y":{"z":7}}},"ts":1732530000000}',
    );
    const result = expectOk(
      decoder({ assetField: 'meta.src.asset', channelField: 'm.ch', valueField: 'v.x.y.z' }).decode(
        payload,
        context,
      ),
    );
    expect(result.readings).toEqual([
      { assetId: 'deep-1', channel: 'c', timestampMs: 1732530000000, value: 7 },
    ]);
  });
});
