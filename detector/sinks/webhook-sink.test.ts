// Webhook endpoint filters, the envelope and idempotency keys.
import { describe, expect, it } from 'vitest';
import { alertAt, batchOf } from '../../test/fixtures/sink-records.js';
import { webhookSinkConfigSchema } from './config.js';
import {
  alertEventSource,
  createWebhookRoute,
  isWebhookEventSelected,
  webhookIdempotencyKey,
} from './webhook-sink.js';

const endpoint = (overrides: Record<string, unknown> = {}) =>
  webhookSinkConfigSchema.parse({
    type: 'webhook',
    name: 'ops',
    url: 'http://127.0.0.1:9/hook',
    signingKey: 'k',
    ...overrides,
  });

describe('webhook filters', () => {
  const cases: [string, Record<string, unknown>, Parameters<typeof alertAt>, boolean][] = [
    ['defaults take every event', {}, ['pump-7', 1, 'resolved', 'warning'], true],
    ['asset glob matches', { assets: ['pump-*'] }, ['pump-7', 1, 'opened', 'warning'], true],
    ['asset glob does not match', { assets: ['pump-*', 'fan-?'] }, ['fan-22', 1, 'opened', 'warning'], false],
    ['exact asset id', { assets: ['fan-2'] }, ['fan-2', 1, 'opened', 'warning'], true],
    ['below minimum severity', { minSeverity: 'critical' }, ['a', 1, 'escalated', 'warning'], false],
    ['at minimum severity', { minSeverity: 'critical' }, ['a', 1, 'escalated', 'critical'], true],
    ['event type not selected', { events: ['opened'] }, ['a', 1, 'resolved', 'critical'], false],
    ['event type selected', { events: ['opened', 'resolved'] }, ['a', 1, 'resolved', 'critical'], true],
    ['data quality not taken by default', {}, ['a', 1, 'data_quality', 'warning'], false],
    [
      'data quality when listed',
      { events: ['opened', 'data_quality'] },
      ['a', 1, 'data_quality', 'warning'],
      true,
    ],
  ];
  it.each(cases)('%s', (_name, overrides, args, isSelected) => {
    expect(isWebhookEventSelected(endpoint(overrides), alertAt(...args))).toBe(isSelected);
  });
});

describe('webhook route', () => {
  it('encodes one documented envelope per selected event, keyed by a stable idempotency key', () => {
    const route = createWebhookRoute(endpoint({ assets: ['pump-*'] }), { source: 'gruwatch/plant-a' });
    const opened = alertAt('pump-7', Date.UTC(2026, 0, 1), 'opened', 'critical');
    const entries = route.encode(batchOf({ alerts: [opened, alertAt('fan-2', 5)] }));
    expect(route.sink).toBe('webhook:ops');
    expect(entries).toHaveLength(1);
    expect(JSON.parse(entries[0].payload)).toEqual({
      specversion: '1.0',
      type: 'io.gruwatch.alert.opened',
      source: 'gruwatch/plant-a',
      id: entries[0].key,
      time: '2026-01-01T00:00:00.000Z',
      datacontenttype: 'application/json',
      dataschema: 'https://gruwatch.dev/schemas/alert-event/v1',
      data: {
        version: 1,
        alertId: 'pump-7-1000',
        assetId: 'pump-7',
        event: 'opened',
        severity: 'critical',
        ratio: 1.5,
        peakRatio: 2,
        topChannels: ['vib', 'temp'],
        atMs: Date.UTC(2026, 0, 1),
        openedAtMs: 1000,
        modelVersion: 'm-1',
        reason: null,
      },
    });
    // Encoding again (a redelivery after a crash) gives the same key and bytes.
    expect(route.encode(batchOf({ alerts: [opened] }))).toEqual(entries);
  });

  it('gives each endpoint, alert, event type and time its own key', () => {
    const base = alertAt('a', 10, 'opened');
    const keys = new Set([
      webhookIdempotencyKey('ops', base),
      webhookIdempotencyKey('audit', base),
      webhookIdempotencyKey('ops', { ...base, id: 'a-2' }),
      webhookIdempotencyKey('ops', { ...base, type: 'escalated' }),
      webhookIdempotencyKey('ops', { ...base, atMs: 11 }),
    ]);
    expect(keys.size).toBe(5);
  });

  it('gives an event the same body from any instance of one consumer group', () => {
    // The partition's new owner re-sends what the dead owner may already have delivered.
    const event = alertAt('pump-7', Date.UTC(2026, 0, 1), 'opened', 'critical');
    const bodyFrom = (instance: string) =>
      createWebhookRoute(endpoint(), {
        source: alertEventSource({ instance, consumerGroup: 'line-a' }),
      }).encode(batchOf({ alerts: [event] }))[0].payload;
    expect(bodyFrom('gruwatch-1')).toBe(bodyFrom('gruwatch-2'));
    expect(JSON.parse(bodyFrom('gruwatch-1')).source).toBe('gruwatch/line-a');
    // Without a group the instance is where the event happened.
    expect(alertEventSource({ instance: 'gateway-3' })).toBe('gruwatch/gateway-3');
  });

  it('ignores model events', () => {
    const route = createWebhookRoute(endpoint(), { source: 'gruwatch/plant-a' });
    const entries = route.encode({
      ...batchOf({ alerts: [alertAt('pump-7', 5)] }),
      modelEvents: [{ atMs: 6, model: 'pumps', event: 'promoted', version: 'v2' }],
    });
    expect(entries.map((e) => JSON.parse(e.payload).type)).toEqual(['io.gruwatch.alert.opened']);
  });
});
