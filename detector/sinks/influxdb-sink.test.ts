// InfluxDB error classification (retriable, throttled, refused) and the outbox route.
import { HttpError, RequestTimedOutError } from '@influxdata/influxdb-client';
import { describe, expect, it } from 'vitest';
import { SinkThrottledError } from '../../core/index.js';
import { alertAt, batchOf, frameAt, scoreAt } from '../../test/fixtures/sink-records.js';
import { influxdbSinkConfigSchema } from './config.js';
import { classifyInfluxdbError, createInfluxdbRoute } from './influxdb-sink.js';

const nowMs = Date.UTC(2026, 0, 1);

describe('classifyInfluxdbError', () => {
  it('turns 429 and 503 into a throttle carrying Retry-After', () => {
    const err = classifyInfluxdbError(
      new HttpError(429, 'Too Many Requests', '', '7', null, undefined, { 'retry-after': '7' }),
      'write',
      nowMs,
    );
    expect(err).toBeInstanceOf(SinkThrottledError);
    expect((err as SinkThrottledError).retryAfterMs).toBe(7_000);
    expect(classifyInfluxdbError(new HttpError(503, 'Unavailable'), 'write', nowMs)).toBeInstanceOf(
      SinkThrottledError,
    );
  });

  it('retries 5xx, timeouts and refused connections, but not a refused point', () => {
    const refusedConnection = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(classifyInfluxdbError(new HttpError(500, 'Internal'), 'write', nowMs).retriable).toBe(true);
    expect(classifyInfluxdbError(new RequestTimedOutError(), 'write', nowMs).retriable).toBe(true);
    expect(classifyInfluxdbError(refusedConnection, 'write', nowMs).retriable).toBe(true);
    const badPoint = classifyInfluxdbError(
      new HttpError(400, 'Bad Request', '{"error":"partial write: field type conflict"}'),
      'write of 3 points',
      nowMs,
    );
    expect(badPoint).toMatchObject({ code: 'SINK_WRITE_FAILED', retriable: false });
    expect(badPoint.message).toContain('field type conflict');
    expect(classifyInfluxdbError(new HttpError(401, 'Unauthorized'), 'write', nowMs).retriable).toBe(false);
  });
});

describe('InfluxDB route', () => {
  it('encodes only the enabled measurements, keyed by series and time', () => {
    const config = influxdbSinkConfigSchema.parse({
      type: 'influxdb',
      url: 'http://127.0.0.1:8086',
      token: 't',
      bucket: 'b',
      database: 'd',
      measurements: { frames: false },
    });
    const route = createInfluxdbRoute(config);
    const entries = route.encode(
      batchOf({ scores: [scoreAt('a', 5)], alerts: [alertAt('a', 6)], frames: [frameAt('a', 7)] }),
    );
    expect(route.sink).toBe('influxdb:influxdb');
    expect(entries.map((e) => e.key)).toEqual([
      'gruwatch_score,asset=a,model_version=m-1,state=ok 5',
      'gruwatch_alert,asset=a,event=opened,severity=warning 6',
    ]);
  });

  it('writes model events on every InfluxDB route, whatever measurements are selected', () => {
    const config = influxdbSinkConfigSchema.parse({
      type: 'influxdb',
      url: 'http://127.0.0.1:8086',
      token: 't',
      bucket: 'b',
      database: 'd',
      measurements: { scores: false, alerts: false, frames: false },
    });
    const entries = createInfluxdbRoute(config).encode({
      ...batchOf({ scores: [scoreAt('a', 5)] }),
      modelEvents: [{ atMs: 8, model: 'pumps', event: 'rolled_back', version: 'v1', previousVersion: 'v2' }],
    });
    expect(entries).toEqual([
      {
        key: 'gruwatch_model_event,event=rolled_back,model=pumps 8',
        payload: 'gruwatch_model_event,event=rolled_back,model=pumps version="v1",previous_version="v2" 8',
      },
    ]);
  });
});
