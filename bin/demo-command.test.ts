import { describe, expect, it } from 'vitest';
import { type AlertEventRecord, createAlertFeed, formatAlertLine } from '../detector/sinks/index.js';
import { formatPlantedLine, planPumpAnomalies } from '../ingest/index.js';
import { runCli } from './cli.js';
import { demoHttp } from './demo/demo-http.js';
import { demoConfig, firstAnomalyAfterMs } from './demo/demo-plan.js';

const t0 = Date.UTC(2026, 10, 25, 12, 0, 0);

describe('gruwatch demo: the service configuration', () => {
  it('is valid and speaks MQTT 3.1.1 to the embedded broker', () => {
    const config = demoConfig({ dataDir: '/tmp/x', brokerUrl: 'mqtt://127.0.0.1:1883', httpPort: 8080 });
    expect(config.ingest.mqtt?.protocolVersion).toBe(4);
    expect(config.sinks).toEqual([]);
    // The first anomaly must wait for a full window of live data.
    expect(config.ingest.window.T * config.ingest.align.periodMs).toBeLessThanOrEqual(firstAnomalyAfterMs);
  });
});

describe('gruwatch demo: where it listens', () => {
  it('listens on loopback without a token, as `run` does', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost'])
      expect(demoHttp(host, {}), host).toEqual({ host });
  });

  it('needs GRUWATCH_HTTP__API_TOKEN beyond loopback and passes it to the service', () => {
    expect(() => demoHttp('0.0.0.0', {})).toThrow(/not a loopback address/);
    expect(() => demoHttp('0.0.0.0', { GRUWATCH_HTTP__API_TOKEN: '' })).toThrow(/not a loopback address/);
    expect(() => demoHttp(' ', {})).toThrow(/--host must be an address/);
    const http = demoHttp('0.0.0.0', { GRUWATCH_HTTP__API_TOKEN: 'demo-token' });
    expect(http).toEqual({ host: '0.0.0.0', apiToken: 'demo-token' });
    const config = demoConfig({
      dataDir: '/tmp/x',
      brokerUrl: 'mqtt://127.0.0.1:1883',
      httpPort: 8080,
      httpHost: http.host,
      ...(http.apiToken === undefined ? {} : { apiToken: http.apiToken }),
    });
    expect(config.http.host).toBe('0.0.0.0');
    expect(config.http.apiToken?.reveal()).toBe('demo-token');
  });

  it('keeps the schema’s own rule: a wildcard bind without a token is not a valid configuration', () => {
    expect(() =>
      demoConfig({
        dataDir: '/tmp/x',
        brokerUrl: 'mqtt://127.0.0.1:1883',
        httpPort: 8080,
        httpHost: '0.0.0.0',
      }),
    ).toThrow(/not a loopback address/);
  });
});

describe('gruwatch demo: the alert lines', () => {
  const event = (id: string, atMs: number, type: AlertEventRecord['type'] = 'opened'): AlertEventRecord => ({
    id,
    assetId: 'pump-003',
    type,
    severity: 'critical',
    ratio: 4.26,
    peakRatio: 9.5,
    topChannels: ['flow_m3h', 'motor_current_a'],
    atMs,
    openedAtMs: atMs,
    modelVersion: 'v1',
  });

  /** The store's query contract: newest first, at most `limit`. */
  function storeOf(events: AlertEventRecord[]) {
    return {
      queryAlerts: (q: { limit?: number; newestFirst?: boolean }) => {
        const sorted = [...events].sort((a, b) => a.atMs - b.atMs);
        if (q.newestFirst) sorted.reverse();
        return sorted.slice(0, q.limit ?? 100);
      },
    };
  }

  it('reports each new event once, oldest first, and not those stored before the feed began', () => {
    const events = [event('old', t0)];
    const feed = createAlertFeed(storeOf(events));
    expect(feed.poll()).toEqual([]);
    events.push(event('a', t0 + 2_000), event('b', t0 + 1_000));
    expect(feed.poll().map((e) => e.id)).toEqual(['b', 'a']);
    expect(feed.poll()).toEqual([]);
    events.push(event('a', t0 + 9_000, 'resolved'));
    expect(feed.poll().map((e) => `${e.id}:${e.type}`)).toEqual(['a:resolved']);
  });

  it('names the asset, the kind of event, the ratio and the top channels', () => {
    const line = formatAlertLine(event('a', Date.UTC(2026, 10, 25, 12, 4, 31)));
    expect(line).toBe(
      '12:04:31 opened   pump-003 critical score 4.3× threshold  top: flow_m3h, motor_current_a',
    );
    const [first] = planPumpAnomalies({
      assetIds: ['pump-001', 'pump-002'],
      periodMs: 1_000,
      seed: 7,
      startMs: t0,
      firstAfterMs: 32_000,
      everyMs: 90_000,
      durationMs: 60_000,
      horizonMs: 3_600_000,
    });
    const planted = formatPlantedLine(first!);
    expect(planted).toMatch(/^12:00:32 planted {2}pump-00\d \S+ on \S+ for 60 s$/);
  });
});

describe('gruwatch demo: flags', () => {
  async function run(args: string[]) {
    let err = '';
    const code = await runCli(args, { out: () => undefined, err: (t) => (err += t), env: {} });
    return { code, err };
  }

  it('refuses --host beyond loopback without a token before training, naming the variable', async () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.10', 'gruwatch.plant.example']) {
      const { code, err } = await run(['demo', '--host', host]);
      expect(code, host).toBe(1);
      expect(err).toContain(`--host ${host} is not a loopback address`);
      expect(err).toContain('GRUWATCH_HTTP__API_TOKEN');
      expect(err).not.toContain('training a first model');
    }
  });

  it('refuses a bad flag before starting anything, naming the flag', async () => {
    for (const [flag, value] of [
      ['--port', '70000'],
      ['--assets', 'two'],
      ['--anomaly-every-s', '0'],
      ['--seed', '-1'],
    ] as const) {
      const { code, err } = await run(['demo', flag, value]);
      expect(code, flag).toBe(1);
      expect(err).toContain(`${flag} must be`);
      expect(err).toContain(value);
    }
  });
});
