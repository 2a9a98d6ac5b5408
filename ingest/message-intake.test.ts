import { describe, expect, it } from 'vitest';
import { createRateLimitedLog, createSilentLogger, ManualClock, MemoryTelemetry } from '../core/index.js';
import type { DecodeResult, Decoder } from './decode/decoder.js';
import { createMessageIntake } from './message-intake.js';

function intakeFor(result: DecodeResult) {
  const telemetry = new MemoryTelemetry();
  const warnings: string[] = [];
  const decoder: Decoder = { decode: () => result };
  const intake = createMessageIntake({
    decoder,
    telemetry,
    rateLimitedLog: { warn: (key) => warnings.push(key) },
  });
  return { intake, telemetry, warnings };
}

const origin = { transport: 'kafka' as const, topic: 't', partition: 2, offset: '41', receivedAtMs: 0 };
const payload = Uint8Array.of(1, 2, 3);

describe('message intake', () => {
  it('turns a decoded message into a delivery, counts dropped readings and dead-letters the message naming the field', () => {
    const reading = { assetId: 'a', channel: 'c', timestampMs: 1, value: 2 };
    const { intake, telemetry, warnings } = intakeFor({
      ok: true,
      readings: [reading],
      partialIssues: [
        { reason: 'invalid_value', message: 'readings[1].value is a string', field: 'readings[1].value' },
      ],
    });
    const result = intake.take(payload, origin);
    expect(result.delivery?.readings).toEqual([reading]);
    expect(result.delivery?.origin).toBe(origin);
    expect(result.deadLetter).toMatchObject({
      reason: 'invalid_value',
      field: 'readings[1].value',
      message: expect.stringContaining('other readings of the message were kept'),
    });
    expect(warnings).toEqual(['rejected-readings:kafka:invalid_value']);
    expect(
      intakeFor({ ok: true, readings: [reading] }).intake.take(payload, origin).deadLetter,
    ).toBeUndefined();
    expect(telemetry.get('ingest_messages_total', { transport: 'kafka' })).toBe(1);
    expect(telemetry.get('ingest_readings_total', { transport: 'kafka' })).toBe(1);
    expect(
      telemetry.get('ingest_readings_rejected_total', { transport: 'kafka', reason: 'invalid_value' }),
    ).toBe(1);
  });

  it('turns a rejected message into a dead letter, counted and logged by reason, keeping its signals', () => {
    const signal = { kind: 'unknown' as const, assetId: 'a', atMs: 5, reason: 'sparkplug_sequence_gap' };
    const { intake, telemetry, warnings } = intakeFor({
      ok: false,
      issue: { reason: 'sequence_gap', message: 'seq is 9 but 3 was expected', field: 'seq' },
      signals: [signal],
    });
    const result = intake.take(payload, origin);
    expect(result.deadLetter).toMatchObject({
      transport: 'kafka',
      topic: 't',
      partition: 2,
      offset: '41',
      reason: 'sequence_gap',
      field: 'seq',
      payloadBase64: 'AQID',
    });
    expect(result.delivery?.readings).toEqual([]);
    expect(result.delivery?.signals).toEqual([signal]);
    expect(
      telemetry.get('ingest_messages_rejected_total', { transport: 'kafka', reason: 'sequence_gap' }),
    ).toBe(1);
    expect(warnings).toEqual(['rejected:kafka:sequence_gap']);
  });

  it('logs repeated rejections at most once per interval through the rate-limited log', () => {
    const logged: unknown[] = [];
    const logger = createSilentLogger();
    logger.warn = ((fields: unknown) => logged.push(fields)) as typeof logger.warn;
    const clock = new ManualClock();
    const intake = createMessageIntake({
      decoder: { decode: () => ({ ok: false, issue: { reason: 'invalid_json', message: 'bad' } }) },
      telemetry: new MemoryTelemetry(),
      rateLimitedLog: createRateLimitedLog(logger, clock, 10_000),
    });
    for (let i = 0; i < 5; i++) intake.take(payload, origin);
    clock.advance(10_000);
    intake.take(payload, origin);
    expect(logged).toHaveLength(2);
    expect(logged[1]).toMatchObject({ reason: 'invalid_json', suppressed: 4, topic: 't', partition: 2 });
  });
});
