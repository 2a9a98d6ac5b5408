import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type DecoderConfigInput, decoderConfigSchema } from './config.js';
import { createDecoder } from './create-decoder.js';
import type { DecodeContext, DecodeResult } from './decoder.js';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
const bytes = (text: string) => new TextEncoder().encode(text);
const receivedAtMs = Date.UTC(2024, 10, 25, 10, 30, 0);
const context: DecodeContext = { topic: 'telegraf/north', receivedAtMs };

function decoder(options: Partial<Extract<DecoderConfigInput, { type: 'influx-line' }>> = {}) {
  return createDecoder(decoderConfigSchema.parse({ type: 'influx-line', ...options }));
}

function expectOk(result: DecodeResult) {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.issue)}`);
  return result;
}

function expectRejected(result: DecodeResult) {
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.readings)}`);
  return result.issue;
}

describe('line protocol decoder', () => {
  it('decodes a multi-line batch with escapes, all value types, comments and blank lines', () => {
    const result = expectOk(decoder().decode(fixture('telegraf.lp'), context));
    const t = (ms: number) => ms;
    expect(result.readings).toEqual([
      { assetId: 'pump-7', channel: 'flow', timestampMs: t(1732530000123), value: 12.4 },
      { assetId: 'pump-7', channel: 'temp', timestampMs: t(1732530000123), value: 61.25 },
      { assetId: 'pump-7', channel: 'running', timestampMs: t(1732530000123), value: 1 },
      { assetId: 'pump-7', channel: 'alarms', timestampMs: t(1732530000123), value: 0 },
      { assetId: 'pump-7', channel: 'flow', timestampMs: t(1732530001123), value: 12.5 },
      { assetId: 'pump-7', channel: 'temp', timestampMs: t(1732530001123), value: 61.3 },
      { assetId: 'pump-7', channel: 'running', timestampMs: t(1732530001123), value: 1 },
      { assetId: 'pump-7', channel: 'alarms', timestampMs: t(1732530001123), value: 2 },
      { assetId: 'cooling tower,A', channel: 'fan speed', timestampMs: t(1732530002000), value: 1450 },
      { assetId: 'cooling tower,A', channel: 'valve=open', timestampMs: t(1732530002000), value: 0 },
      { assetId: 'compressor-2', channel: 'discharge_pressure', timestampMs: t(1732530003000), value: 7.25 },
      { assetId: 'compressor-2', channel: 'suction_pressure', timestampMs: t(1732530003000), value: -0.04 },
    ]);
    expect(result.partialIssues?.map((i) => [i.reason, i.field])).toEqual([
      ['invalid_value', 'line[3].state'],
      ['invalid_value', 'line[7].note'],
      ['invalid_line_protocol', 'line[8].flow'],
      ['invalid_line_protocol', 'line[9]'],
    ]);
    const [stateIssue, , badValue, trailing] = result.partialIssues ?? [];
    expect(stateIssue.message).toBe('line 3 field "state" is a string; expected a number or boolean');
    expect(badValue.message).toContain('"abc"');
    expect(trailing.message).toContain('unexpected text after the timestamp');
  });

  it('names the asset by a tag and can prefix channels with the measurement', () => {
    const payload = bytes('cpu,host=edge-1,region=eu usage_idle=97.5,usage_user=1.5 1732530000000000000\n');
    const byTag = expectOk(decoder({ assetTag: 'host' }).decode(payload, context));
    expect(byTag.readings.map((r) => [r.assetId, r.channel])).toEqual([
      ['edge-1', 'usage_idle'],
      ['edge-1', 'usage_user'],
    ]);
    const prefixed = expectOk(
      decoder({ assetTag: 'host', shouldPrefixChannelWithMeasurement: true }).decode(payload, context),
    );
    expect(prefixed.readings.map((r) => r.channel)).toEqual(['cpu.usage_idle', 'cpu.usage_user']);
    const missing = expectRejected(decoder({ assetTag: 'plant' }).decode(payload, context));
    expect(missing).toMatchObject({ reason: 'missing_field', field: 'line[1].plant' });
    expect(missing.message).toBe('line 1 has no tag "plant" naming the asset');
  });

  it.each([
    ['s', '1732530000', 1732530000000],
    ['ms', '1732530000123', 1732530000123],
    ['us', '1732530000123456', 1732530000123],
    ['ns', '1732530000123999999', 1732530000123],
  ] as const)(
    'reads timestamps in precision %s, truncating to whole milliseconds',
    (timestampPrecision, ts, expectedMs) => {
      const result = expectOk(decoder({ timestampPrecision }).decode(bytes(`m v=1 ${ts}`), context));
      expect(result.readings[0].timestampMs).toBe(expectedMs);
    },
  );

  it('uses the arrival time for a line without timestamp unless one is required', () => {
    expect(expectOk(decoder().decode(bytes('m v=1'), context)).readings[0].timestampMs).toBe(receivedAtMs);
    expect(
      expectRejected(decoder({ isTimestampRequired: true }).decode(bytes('m v=1'), context)),
    ).toMatchObject({
      reason: 'missing_field',
      field: 'line[1].timestamp',
    });
  });

  it('rejects timestamps outside the plausible range', () => {
    const old = expectRejected(decoder().decode(bytes('m v=1 946684799999999999'), context));
    expect(old).toMatchObject({ reason: 'invalid_timestamp', field: 'line[1].timestamp' });
    expect(old.message).toContain('before the earliest accepted time 2000-01-01T00:00:00.000Z');
    const future = expectRejected(
      decoder({ timestampPrecision: 'ms' }).decode(bytes(`m v=1 ${receivedAtMs + 86_400_001}`), context),
    );
    expect(future.reason).toBe('invalid_timestamp');
    expect(expectRejected(decoder().decode(bytes('m v=1 12.5'), context)).reason).toBe('invalid_timestamp');
  });

  it('reads CRLF line endings', () => {
    const result = expectOk(decoder().decode(fixture('crlf.lp'), context));
    expect(result.readings.map((r) => [r.assetId, r.channel, r.value, r.timestampMs])).toEqual([
      ['motor-1', 'current', 3.2, 1732530000000],
      ['motor-1', 'current', 3.4, 1732530001000],
    ]);
  });

  it('reads integer, unsigned, float and boolean spellings', () => {
    const result = expectOk(
      decoder().decode(
        bytes(
          'm a=-12i,b=18446744073709551615u,c=1e3,d=.5,e=-3.,f=TRUE,g=False,h=t,i=f,j=9223372036854775807i,k=-9223372036854775808i 1732530000000000000',
        ),
        context,
      ),
    );
    expect(result.readings.map((r) => [r.channel, r.value])).toEqual([
      ['a', -12],
      ['b', 2 ** 64],
      ['c', 1000],
      ['d', 0.5],
      ['e', -3],
      ['f', 1],
      ['g', 0],
      ['h', 1],
      ['i', 0],
      ['j', 2 ** 63],
      ['k', -(2 ** 63)],
    ]);
  });

  it('rejects a float beyond the float32 range as a bad value of that field only', () => {
    const result = expectOk(
      decoder().decode(bytes('m ok=1,big=1e39,neg=-1e39 1732530000000000000'), context),
    );
    expect(result.readings.map((r) => r.channel)).toEqual(['ok']);
    expect(result.partialIssues?.map((i) => i.field)).toEqual(['line[1].big', 'line[1].neg']);
    expect(result.partialIssues?.[0].message).toContain('float32');
  });

  it('rejects a float that overflows to Infinity as a bad value of that field only', () => {
    const result = expectOk(decoder().decode(bytes('m ok=1,big=1e400 1732530000000000000'), context));
    expect(result.readings.map((r) => r.channel)).toEqual(['ok']);
    expect(result.partialIssues).toEqual([
      expect.objectContaining({
        reason: 'invalid_value',
        field: 'line[1].big',
        message: expect.stringContaining('Infinity'),
      }),
    ]);
  });

  it('keeps a string field with an escaped quote, comma and newline from breaking the next line', () => {
    const payload = bytes('m note="a \\"b\\", c\nd",v=2 1732530000000000000\nm v=3 1732530001000000000');
    const result = expectOk(decoder().decode(payload, context));
    expect(result.readings.map((r) => r.value)).toEqual([2, 3]);
    expect(result.partialIssues?.map((i) => i.field)).toEqual(['line[1].note']);
  });

  it.each([
    ['only a measurement', 'weather', 'invalid_line_protocol', 'line[1]'],
    ['a tag without value', 'm,site v=1', 'invalid_line_protocol', 'line[1]'],
    ['a field without "="', 'm v 1', 'invalid_line_protocol', 'line[1].v'],
    ['an unterminated string', 'm s="abc', 'invalid_line_protocol', 'line[1].s'],
    ['an integer out of range', 'm v=9999999999999999999i', 'invalid_line_protocol', 'line[1].v'],
    ['an integer just above int64', 'm v=9223372036854775808i', 'invalid_line_protocol', 'line[1].v'],
    ['an integer just below int64', 'm v=-9223372036854775809i', 'invalid_line_protocol', 'line[1].v'],
    ['an unsigned just above uint64', 'm v=18446744073709551616u', 'invalid_line_protocol', 'line[1].v'],
    ['a non-number value', 'm v=NaN', 'invalid_line_protocol', 'line[1].v'],
    ['an empty field key', 'm =1', 'invalid_line_protocol', 'line[1]'],
    ['only comments', '# nothing here\n\n', 'invalid_line_protocol', undefined],
  ] as const)('rejects %s', (_, line, reason, field) => {
    const issue = expectRejected(decoder().decode(bytes(line), context));
    expect(issue.reason).toBe(reason);
    expect(issue.field).toBe(field);
    if (field !== undefined) expect(issue.message.startsWith('line 1 ')).toBe(true);
  });

  it('rejects empty, oversized and non-UTF-8 payloads', () => {
    expect(expectRejected(decoder().decode(new Uint8Array(0), context)).reason).toBe('payload_empty');
    expect(expectRejected(decoder({ maxPayloadBytes: 4 }).decode(bytes('m v=1'), context)).reason).toBe(
      'payload_too_large',
    );
    expect(expectRejected(decoder().decode(new Uint8Array([0x6d, 0x20, 0xc3, 0x28]), context)).reason).toBe(
      'invalid_encoding',
    );
  });
});
