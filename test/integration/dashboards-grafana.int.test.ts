// Every InfluxQL query of the Grafana dashboards (panels, annotations,
// variables) runs against the real InfluxDB 1.8 on points the InfluxDB sink's
// own encoder wrote, with Grafana's macros filled in the way Grafana fills
// them: each must parse, and each must find data.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import {
  createInfluxdbRoute,
  type InfluxdbSinkConfig,
  influxdbSinkConfigSchema,
  type RecordBatch,
} from '../../detector/sinks/index.js';
import { influxql } from '../helpers/influxql.js';
import { describeWithServer, onTeardown, uniqueName } from '../helpers/integration.js';

const grafanaDir = fileURLToPath(new URL('../../dashboards/grafana/', import.meta.url));

interface Target {
  datasource?: { type: string };
  query?: string;
}
interface Dashboard {
  panels: { id: number; datasource?: { type: string }; targets?: Target[] }[];
  annotations: { list: { name: string; datasource?: { type: string }; query?: string }[] };
  templating: { list: { name: string; datasource?: { type: string }; query?: unknown }[] };
}

function influxqlQueries(): { where: string; query: string }[] {
  const queries: { where: string; query: string }[] = [];
  for (const file of readdirSync(grafanaDir).filter((f) => f.endsWith('.json'))) {
    const d = JSON.parse(readFileSync(join(grafanaDir, file), 'utf8')) as Dashboard;
    for (const panel of d.panels) {
      for (const t of panel.targets ?? []) {
        if ((t.datasource ?? panel.datasource)?.type === 'influxdb' && t.query)
          queries.push({ where: `${file} panel ${panel.id}`, query: t.query });
      }
    }
    for (const a of d.annotations.list) {
      if (a.datasource?.type === 'influxdb' && a.query)
        queries.push({ where: `${file} annotation ${a.name}`, query: a.query });
    }
    for (const v of d.templating.list) {
      if (v.datasource?.type === 'influxdb' && typeof v.query === 'string')
        queries.push({ where: `${file} variable ${v.name}`, query: v.query });
    }
  }
  return queries;
}

/** What Grafana's InfluxQL datasource does to a query before sending it. */
function interpolate(query: string, assetId: string): string {
  return query
    .replaceAll('$timeFilter', 'time >= now() - 2h and time <= now()')
    .replaceAll('$__interval', '1m')
    .replaceAll('$asset', assetId.replace(/[-]/g, '\\-'));
}

function sampleBatch(nowMs: number): RecordBatch {
  const channels = ['temperature', 'vibration', 'pressure'];
  const batch: RecordBatch = { scores: [], alerts: [], frames: [] };
  for (const assetId of ['pump-1', 'pump-2']) {
    for (let i = 0; i < 60; i++) {
      const atMs = nowMs - 3_600_000 + i * 60_000;
      const ratio = i >= 30 && i < 40 ? 2.4 : 0.3;
      batch.scores.push({
        assetId,
        atMs,
        score: ratio * 0.5,
        threshold: 0.5,
        ratio,
        modelVersion: 'v1',
        state: 'ok',
        channels,
        contributions: ratio > 1 ? [0.1, 0.8, 0.1] : [0.4, 0.3, 0.3],
        topChannels: ratio > 1 ? ['vibration', 'temperature'] : ['temperature', 'vibration'],
      });
      batch.frames.push({ assetId, atMs, channels, values: [60 + i / 10, ratio * 3, 4.2], state: 'ok' });
    }
    const openedAtMs = nowMs - 3_600_000 + 32 * 60_000;
    const alert = {
      id: `${assetId}-${openedAtMs}`,
      assetId,
      severity: 'warning' as const,
      ratio: 1.6,
      peakRatio: 2.4,
      topChannels: ['vibration'],
      openedAtMs,
      modelVersion: 'v1',
    };
    batch.alerts.push({ ...alert, type: 'opened', atMs: openedAtMs });
    batch.alerts.push({ ...alert, type: 'escalated', severity: 'critical', atMs: openedAtMs + 120_000 });
    batch.alerts.push({
      ...alert,
      type: 'resolved',
      severity: 'critical',
      atMs: openedAtMs + 600_000,
      reason: 'recovered',
    });
  }
  return batch;
}

describeWithServer('influxdb', 'Grafana dashboard queries against the real InfluxDB', (influxdb) => {
  // SELECTs go as GET, the way Grafana's InfluxDB data source sends them.
  const runQuery = (q: string, database?: string, method: 'GET' | 'POST' = 'GET') =>
    influxql(influxdb, q, { method, ...(database !== undefined ? { database } : {}) });

  it('every InfluxQL query of the dashboards parses and finds the points the sink wrote', async () => {
    const database = uniqueName('gw_dash').replaceAll('-', '_');
    await runQuery(`CREATE DATABASE "${database}"`, undefined, 'POST');
    onTeardown(() => runQuery(`DROP DATABASE "${database}"`, undefined, 'POST'));
    const config: InfluxdbSinkConfig = influxdbSinkConfigSchema.parse({
      type: 'influxdb',
      url: influxdb.url,
      token: influxdb.token,
      bucket: `${database}/autogen`,
      database,
    });
    const lines = createInfluxdbRoute(config)
      .encode(sampleBatch(Date.now()))
      .map((e) => e.payload);
    const write = new URL('/api/v2/write', influxdb.url);
    write.searchParams.set('bucket', `${database}/autogen`);
    write.searchParams.set('precision', 'ms');
    const written = await fetch(write, {
      method: 'POST',
      headers: { authorization: `Token ${influxdb.token}`, 'content-type': 'text/plain' },
      body: lines.join('\n'),
    });
    expect(written.status, await written.text()).toBe(204);

    const queries = influxqlQueries();
    expect(queries.length).toBeGreaterThan(10);
    const problems: string[] = [];
    for (const { where, query } of queries) {
      const sent = interpolate(query, 'pump-1');
      try {
        const series = await runQuery(sent, database);
        if (series.length === 0) problems.push(`${where}: no data for ${sent}`);
      } catch (err) {
        problems.push(`${where}: ${err instanceof Error ? err.message : String(err)} for ${sent}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
