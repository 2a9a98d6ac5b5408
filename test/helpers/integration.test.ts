// Unit tests of the integration toolbox itself: waiting, naming, teardown order, settings lookup.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { onTeardown, uniqueName, waitFor } from './integration.js';
import { loadEndpoints, parseEnvText } from './services.js';

describe('waitFor', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves with the first value that is neither undefined nor false, retrying past errors', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const result = waitFor(
      () => {
        calls += 1;
        if (calls === 1) throw new Error('not yet');
        if (calls === 2) return false;
        if (calls === 3) return undefined;
        return { calls };
      },
      { what: 'the fourth call', intervalMs: 10 },
    );
    await vi.advanceTimersByTimeAsync(100);
    await expect(result).resolves.toEqual({ calls: 4 });
  });

  it('keeps 0 and empty strings as results (only undefined and false mean "not yet")', async () => {
    await expect(waitFor(() => 0, { what: 'zero' })).resolves.toBe(0);
    await expect(waitFor(() => '', { what: 'empty' })).resolves.toBe('');
  });

  it('times out with a message naming what it waited for and the last error', async () => {
    vi.useFakeTimers();
    const result = waitFor(
      () => {
        throw new Error('connection refused');
      },
      { what: 'the broker', timeoutMs: 500, intervalMs: 50 },
    );
    const settled = expect(result).rejects.toThrow(
      /waiting for the broker \(last error Error: connection refused\)/,
    );
    await vi.advanceTimersByTimeAsync(600);
    await settled;
  });

  it('times out naming the last value when the probe keeps answering false', async () => {
    vi.useFakeTimers();
    const result = waitFor(() => false, { what: 'a flag', timeoutMs: 200 });
    const settled = expect(result).rejects.toThrow(
      /Timed out after 200 ms waiting for a flag \(last value false\)/,
    );
    await vi.advanceTimersByTimeAsync(300);
    await settled;
  });
});

describe('uniqueName', () => {
  it('keeps the prefix and differs between calls, using only characters every server accepts', () => {
    const names = new Set(Array.from({ length: 200 }, () => uniqueName('topic')));
    expect(names.size).toBe(200);
    for (const name of names) expect(name).toMatch(/^topic-[a-z0-9]+$/);
  });
});

describe('onTeardown', () => {
  const order: string[] = [];

  it('registers cleanups (the next test checks that they ran)', () => {
    onTeardown(() => order.push('first'));
    onTeardown(async () => {
      order.push('second, throws');
      throw new Error('cleanup failure is logged, not thrown');
    });
    onTeardown(() => order.push('third'));
    expect(order).toEqual([]);
  });

  it('ran them after the previous test, last registered first, past a failing one', () => {
    expect(order).toEqual(['third', 'second, throws', 'first']);
  });
});

describe('services settings', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('parses KEY=value lines, ignoring comments and keeping "=" inside values', () => {
    expect(parseEnvText('# comment\n\nA=1\nB=x=y\n')).toEqual({ A: '1', B: 'x=y' });
    expect(() => parseEnvText('not a setting')).toThrow(/line without KEY=value: "not a setting"/);
  });

  it('prefers GRUWATCH_TEST_* variables over the env file and derives the InfluxDB token', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gruwatch-services-'));
    try {
      writeFileSync(
        join(dir, 'services.env'),
        'MOSQUITTO_PASSWORD=from-file\nKAFKA_BROKERS=a:1, b:2\nINFLUXDB_USERNAME=u\nINFLUXDB_PASSWORD=p\n',
      );
      process.env.GRUWATCH_SERVICES_DIR = dir;
      process.env.GRUWATCH_TEST_MOSQUITTO_PASSWORD = 'from-env';
      delete process.env.GRUWATCH_TEST_KAFKA_BROKERS;
      delete process.env.GRUWATCH_TEST_INFLUXDB_TOKEN;
      delete process.env.GRUWATCH_TEST_INFLUXDB_USERNAME;
      delete process.env.GRUWATCH_TEST_INFLUXDB_PASSWORD;
      const endpoints = loadEndpoints();
      expect(endpoints.mosquitto.password).toBe('from-env');
      expect(endpoints.kafka.brokers).toEqual(['a:1', 'b:2']);
      expect(endpoints.influxdb.token).toBe('u:p');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
