import { readFileSync } from 'node:fs';
import sparkplugPayload from 'sparkplug-payload';
import sparkplugProto from 'sparkplug-payload/lib/sparkplugPayloadProto.js';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.js';
import { type DecoderConfigInput, decoderConfigSchema } from './config.js';
import { createDecoder } from './create-decoder.js';
import type { DecodeResult, Decoder } from './decoder.js';

const sparkplugB = sparkplugPayload.get('spBv1.0')!;
type UPayload = Parameters<typeof sparkplugB.encodePayload>[0];
const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
const t0 = 1732530000000;
const receivedAtMs = t0 + 10_000;
const ctx = (topic: string) => ({ topic, receivedAtMs });
const NODE = 'spBv1.0/plant/%/gw-1';
const DEVICE = 'spBv1.0/plant/%/gw-1/pump-7';
const at = (template: string, type: string) => ctx(template.replace('%', type));

function setup(options: Partial<Extract<DecoderConfigInput, { type: 'sparkplug-b' }>> = {}) {
  const clock = new ManualClock(t0 + 20_000);
  const decoder = createDecoder(decoderConfigSchema.parse({ type: 'sparkplug-b', ...options }), { clock });
  return { decoder, clock };
}

function born(options: Partial<Extract<DecoderConfigInput, { type: 'sparkplug-b' }>> = {}) {
  const s = setup(options);
  expectOk(s.decoder.decode(fixture('sparkplug-nbirth.bin'), at(NODE, 'NBIRTH')));
  expectOk(s.decoder.decode(fixture('sparkplug-dbirth.bin'), at(DEVICE, 'DBIRTH')));
  return s;
}

function ddata(
  decoder: Decoder,
  seq: number,
  metrics: UPayload['metrics'] = [{ alias: 10, type: 'Double', value: 1 }],
) {
  return decoder.decode(
    sparkplugB.encodePayload({ timestamp: t0 + 1000, seq, metrics }),
    at(DEVICE, 'DDATA'),
  );
}

function expectOk(result: DecodeResult) {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.issue)}`);
  return result;
}

function expectRejected(result: DecodeResult) {
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.readings)}`);
  return result;
}

function rebirthOf(result: DecodeResult) {
  expect(result.commands).toHaveLength(1);
  const [command] = result.commands ?? [];
  const decoded = sparkplugB.decodePayload(command.payload);
  return { topic: command.topic, metrics: decoded.metrics?.map((m) => [m.name, m.type, m.value]) };
}

describe('sparkplug B decoder', () => {
  it('turns NBIRTH and DBIRTH into online signals and readings of their numeric metrics', () => {
    const { decoder } = setup();
    const node = expectOk(decoder.decode(fixture('sparkplug-nbirth.bin'), at(NODE, 'NBIRTH')));
    expect(node.signals).toEqual([
      { kind: 'online', assetId: 'plant/gw-1', atMs: t0, reason: 'sparkplug_node_birth' },
    ]);
    expect(node.readings).toEqual([
      { assetId: 'plant/gw-1', channel: 'Supply/Voltage', timestampMs: t0, value: 23.75 },
      { assetId: 'plant/gw-1', channel: 'Supply/On', timestampMs: t0, value: 1 },
    ]);
    const device = expectOk(decoder.decode(fixture('sparkplug-dbirth.bin'), at(DEVICE, 'DBIRTH')));
    expect(device.signals?.map((s) => [s.kind, s.assetId])).toEqual([['online', 'plant/gw-1/pump-7']]);
    expect(device.readings.map((r) => [r.channel, r.value])).toEqual([
      ['bearing_temp', 61.25],
      ['running', 1],
      ['starts', -1],
      ['pulses', 4_000_000_000],
      ['offset', -5],
    ]);
    expect(device.partialIssues).toBeUndefined();
  });

  it('resolves DDATA aliases from the birth and drops unusable metrics with issues', () => {
    const { decoder } = born();
    const result = expectOk(decoder.decode(fixture('sparkplug-ddata.bin'), at(DEVICE, 'DDATA')));
    expect(result.readings).toEqual([
      { assetId: 'plant/gw-1/pump-7', channel: 'bearing_temp', timestampMs: t0 + 990, value: 61.5 },
      { assetId: 'plant/gw-1/pump-7', channel: 'running', timestampMs: t0 + 1000, value: 0 },
    ]);
    expect(result.partialIssues?.map((i) => [i.reason, i.field])).toEqual([
      ['invalid_value', 'metrics[2].value'],
      ['unknown_alias', 'metrics[3].alias'],
      ['invalid_value', 'metrics[4].value'],
    ]);
    const [serial, alias, blob] = result.partialIssues ?? [];
    expect(serial.message).toContain('(serial) has the non-numeric type String');
    expect(alias.message).toContain('alias 99');
    expect(blob.message).toContain('(blob) has the non-numeric type Bytes');
    const node = expectOk(decoder.decode(fixture('sparkplug-ndata.bin'), at(NODE, 'NDATA')));
    expect(node.readings).toEqual([
      { assetId: 'plant/gw-1', channel: 'Supply/Voltage', timestampMs: t0 + 2000, value: 23.5 },
    ]);
  });

  it('uses the birth datatype when DATA metrics omit it', () => {
    const { decoder } = born();
    // Int64 alias 12 sent without datatype: the uint64 bits must be read as signed.
    const raw = sparkplugB.encodePayload({
      timestamp: t0,
      seq: 2,
      metrics: [{ alias: 12, type: 'Int64', value: -7 }],
    });
    const withoutType = stripDatatype(raw);
    const result = expectOk(decoder.decode(withoutType, at(DEVICE, 'DDATA')));
    expect(result.readings.map((r) => [r.channel, r.value])).toEqual([['starts', -7]]);
  });

  it('on a sequence gap signals every asset of the node unknown, requests a rebirth and distrusts data until NBIRTH', () => {
    const { decoder, clock } = born();
    expectOk(ddata(decoder, 2));
    const gap = expectRejected(ddata(decoder, 4));
    expect(gap.issue).toMatchObject({ reason: 'sequence_gap', field: 'seq' });
    expect(gap.issue.message).toContain('seq is 4 but 3 was expected');
    expect(gap.signals?.map((s) => [s.kind, s.assetId, s.reason])).toEqual([
      ['unknown', 'plant/gw-1', 'sparkplug_sequence_gap'],
      ['unknown', 'plant/gw-1/pump-7', 'sparkplug_sequence_gap'],
    ]);
    expect(rebirthOf(gap)).toEqual({
      topic: 'spBv1.0/plant/NCMD/gw-1',
      metrics: [['Node Control/Rebirth', 'Boolean', true]],
    });
    // The next seq in line is still not trusted, and no second request goes out within rebirthIntervalMs.
    const after = expectRejected(ddata(decoder, 5));
    expect(after.issue.reason).toBe('sequence_gap');
    expect(after.commands).toBeUndefined();
    clock.advance(5_000);
    expect(rebirthOf(expectRejected(ddata(decoder, 6))).topic).toBe('spBv1.0/plant/NCMD/gw-1');
    expectOk(decoder.decode(fixture('sparkplug-nbirth.bin'), at(NODE, 'NBIRTH')));
    expectOk(decoder.decode(fixture('sparkplug-dbirth.bin'), at(DEVICE, 'DBIRTH')));
    expect(expectOk(ddata(decoder, 2)).readings).toHaveLength(1);
  });

  it('accepts seq wrapping from 255 to 0', () => {
    const { decoder } = born();
    for (let seq = 2; seq <= 255; seq++) expectOk(ddata(decoder, seq));
    expectOk(ddata(decoder, 0));
    expect(expectRejected(ddata(decoder, 0)).issue.reason).toBe('sequence_gap');
  });

  it('rejects data from a node or device whose birth it has not seen, asking for a rebirth', () => {
    const { decoder } = setup();
    const noNode = expectRejected(ddata(decoder, 2));
    expect(noNode.issue).toMatchObject({ reason: 'unknown_alias', field: 'topic' });
    expect(noNode.issue.message).toContain('no NBIRTH has been seen from edge node plant/gw-1');
    expect(rebirthOf(noNode).topic).toBe('spBv1.0/plant/NCMD/gw-1');
    expectOk(decoder.decode(fixture('sparkplug-nbirth.bin'), at(NODE, 'NBIRTH')));
    const noDevice = expectRejected(ddata(decoder, 1));
    expect(noDevice.issue.message).toContain('no DBIRTH has been seen for device pump-7');
    expect(rebirthOf(noDevice).metrics).toEqual([['Node Control/Rebirth', 'Boolean', true]]);
  });

  it('sends no rebirth request when that is switched off', () => {
    const { decoder } = setup({ isRebirthRequested: false });
    expect(expectRejected(ddata(decoder, 2)).commands).toBeUndefined();
  });

  it('marks the node and its devices unknown on NDEATH and ignores a stale NDEATH of an older session', () => {
    const { decoder } = born();
    const stale = expectOk(
      decoder.decode(
        sparkplugB.encodePayload({ metrics: [{ name: 'bdSeq', type: 'UInt64', value: 2 }] }),
        at(NODE, 'NDEATH'),
      ),
    );
    expect(stale.signals).toBeUndefined();
    expectOk(ddata(decoder, 2));
    const death = expectOk(decoder.decode(fixture('sparkplug-ndeath.bin'), at(NODE, 'NDEATH')));
    expect(death.readings).toEqual([]);
    expect(death.signals).toEqual([
      { kind: 'unknown', assetId: 'plant/gw-1', atMs: t0 + 5000, reason: 'sparkplug_node_death' },
      { kind: 'unknown', assetId: 'plant/gw-1/pump-7', atMs: t0 + 5000, reason: 'sparkplug_node_death' },
    ]);
    expect(expectRejected(ddata(decoder, 3)).issue.reason).toBe('unknown_alias');
  });

  it('marks only the device unknown on DDEATH', () => {
    const { decoder } = born();
    const death = expectOk(
      decoder.decode(sparkplugB.encodePayload({ timestamp: t0 + 3000, seq: 2 }), at(DEVICE, 'DDEATH')),
    );
    expect(death.signals).toEqual([
      { kind: 'unknown', assetId: 'plant/gw-1/pump-7', atMs: t0 + 3000, reason: 'sparkplug_device_death' },
    ]);
    expect(expectRejected(ddata(decoder, 3)).issue.reason).toBe('unknown_alias');
    const ndata = sparkplugB.encodePayload({
      timestamp: t0,
      seq: 4,
      metrics: [{ alias: 1, type: 'Float', value: 24 }],
    });
    expect(
      expectOk(decoder.decode(ndata, at(NODE, 'NDATA'))).readings.map((r) => [r.assetId, r.channel]),
    ).toEqual([['plant/gw-1', 'Supply/Voltage']]);
  });

  it('forms asset ids from the configured templates and skips groups outside the filter', () => {
    const { decoder } = born({
      nodeAssetTemplate: '{edge}',
      deviceAssetTemplate: '{device}@{edge}',
      groupIds: ['plant'],
    });
    expect(expectOk(ddata(decoder, 2)).readings[0].assetId).toBe('pump-7@gw-1');
    const other = expectOk(decoder.decode(fixture('sparkplug-nbirth.bin'), ctx('spBv1.0/lab/NBIRTH/gw-1')));
    expect(other).toEqual({ ok: true, readings: [] });
  });

  it('drops metrics that are null, non-finite or out of time range', () => {
    const { decoder } = born();
    const result = expectOk(
      ddata(decoder, 2, [
        { alias: 10, type: 'Double', value: Number.NaN },
        { alias: 10, type: 'Double', value: null, isNull: true },
        { alias: 10, type: 'Double', value: 5, timestamp: 915148800000 },
        { alias: 10, type: 'Double', value: 6 },
      ]),
    );
    expect(result.readings.map((r) => r.value)).toEqual([6]);
    expect(result.partialIssues?.map((i) => [i.reason, i.field])).toEqual([
      ['invalid_value', 'metrics[0].value'],
      ['invalid_value', 'metrics[1].value'],
      ['invalid_timestamp', 'metrics[2].timestamp'],
    ]);
    expect(result.partialIssues?.[0].message).toContain('NaN');
    expect(result.partialIssues?.[1].message).toContain('is null');
  });

  it('drops a double metric beyond the float32 range, naming it', () => {
    const { decoder } = born();
    const result = expectOk(
      ddata(decoder, 2, [
        { alias: 10, type: 'Double', value: 1e39 },
        { alias: 10, type: 'Double', value: 7 },
      ]),
    );
    expect(result.readings.map((r) => r.value)).toEqual([7]);
    expect(result.partialIssues?.[0]).toMatchObject({
      reason: 'invalid_value',
      field: 'metrics[0].value',
      message: expect.stringContaining('float32'),
    });
  });

  it('rejects a DATA message none of whose metrics is usable', () => {
    const { decoder } = born();
    const result = expectRejected(ddata(decoder, 2, [{ alias: 15, type: 'String', value: 'x' }]));
    expect(result.issue).toMatchObject({ reason: 'invalid_value', field: 'metrics[0].value' });
  });

  it('passes STATE, NCMD and DCMD without readings or issues', () => {
    const { decoder } = setup();
    for (const topic of [
      'spBv1.0/STATE/host-1',
      'STATE/host-1',
      'spBv1.0/plant/NCMD/gw-1',
      'spBv1.0/plant/DCMD/gw-1/pump-7',
    ]) {
      expect(decoder.decode(new TextEncoder().encode('{"online":true}'), ctx(topic))).toEqual({
        ok: true,
        readings: [],
      });
    }
  });

  it.each([
    [
      'garbage bytes',
      'spBv1.0/plant/NDATA/gw-1',
      new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]),
      'invalid_sparkplug',
    ],
    ['an empty payload', 'spBv1.0/plant/NDATA/gw-1', new Uint8Array(0), 'payload_empty'],
    [
      'a payload without seq',
      'spBv1.0/plant/NDATA/gw-1',
      sparkplugB.encodePayload({ timestamp: t0 }),
      'invalid_sparkplug',
    ],
    ['a foreign topic', 'plant/gw-1/data', new Uint8Array([1]), 'unsupported_message'],
    ['an unknown message type', 'spBv1.0/plant/NFOO/gw-1', new Uint8Array([1]), 'unsupported_message'],
    [
      'a device message without device',
      'spBv1.0/plant/DDATA/gw-1',
      new Uint8Array([1]),
      'unsupported_message',
    ],
  ] as const)('rejects %s', (_, topic, payload, reason) => {
    const { decoder } = setup();
    const result = expectRejected(decoder.decode(payload, ctx(topic)));
    expect(result.issue.reason).toBe(reason);
    expect(result.issue.message.length).toBeGreaterThan(10);
  });
});

/** Re-encodes a payload with every metric's datatype field removed, as edge nodes may send DATA. */
function stripDatatype(bytes: Uint8Array): Uint8Array {
  const decoded = sparkplugB.decodePayload(bytes);
  const proto = sparkplugProtoPayload();
  const message = proto.decode(bytes);
  for (const metric of message.metrics) metric.datatype = 0;
  expect(decoded.metrics?.length).toBe(message.metrics.length);
  return proto.encode(message).finish();
}

function sparkplugProtoPayload() {
  return sparkplugProto.org.eclipse.tahu.protobuf.Payload;
}
