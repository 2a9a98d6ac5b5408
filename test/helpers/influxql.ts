// InfluxQL against the test InfluxDB (1.8, token auth), for tests that read back what gruwatch wrote.
import type { FrameRecord } from '../../detector/sinks/index.js';
import { createInfluxdbRoute, influxdbSinkConfigSchema } from '../../detector/sinks/index.js';
import { onTeardown, uniqueName } from './integration.js';
export interface InfluxqlSeries {
  name?: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

/**
 * Runs InfluxQL and returns the series of every statement, times in epoch milliseconds. Throws with
 * the statement and the server's answer when the request or any statement fails. SELECT and SHOW
 * may go as GET (as Grafana sends them); CREATE and DROP need POST (the default).
 */
export async function influxql(
  influxdb: { url: string; token: string },
  q: string,
  options: { database?: string; method?: 'GET' | 'POST' } = {},
): Promise<InfluxqlSeries[]> {
  const url = new URL('/query', influxdb.url);
  url.searchParams.set('q', q);
  url.searchParams.set('epoch', 'ms');
  if (options.database !== undefined) url.searchParams.set('db', options.database);
  const res = await fetch(url, {
    method: options.method ?? 'POST',
    headers: { authorization: `Token ${influxdb.token}` },
  });
  const body = (await res.json()) as {
    error?: string;
    results?: { error?: string; series?: InfluxqlSeries[] }[];
  };
  const error = body.error ?? body.results?.find((r) => r.error !== undefined)?.error;
  if (!res.ok || error !== undefined)
    throw new Error(`InfluxQL ${q} failed: HTTP ${res.status} ${error ?? JSON.stringify(body)}`);
  return body.results?.flatMap((r) => r.series ?? []) ?? [];
}

/**
 * A database of its own for one test, dropped when the test ends, and the settings of an
 * `influxdb` sink writing into it.
 */
export async function scratchDatabase(
  influxdb: { url: string; token: string },
  prefix: string,
): Promise<{ database: string; sinkSettings: Record<string, unknown> & { database: string } }> {
  const database = uniqueName(prefix).replaceAll('-', '_');
  await influxql(influxdb, `CREATE DATABASE "${database}"`, { method: 'POST' });
  onTeardown(() => influxql(influxdb, `DROP DATABASE "${database}"`, { method: 'POST' }));
  const sinkSettings = {
    type: 'influxdb',
    url: influxdb.url,
    token: influxdb.token,
    bucket: `${database}/autogen`,
    database,
  };
  return { database, sinkSettings };
}

/** Writes `frames` into the scratch database as the `influxdb` sink with `sinkSettings` would. */
export async function writeFrames(
  influxdb: { url: string; token: string },
  sinkSettings: Record<string, unknown> & { database: string },
  frames: FrameRecord[],
): Promise<void> {
  const lines = createInfluxdbRoute(influxdbSinkConfigSchema.parse(sinkSettings))
    .encode({ scores: [], alerts: [], frames })
    .map((e) => e.payload);
  const url = new URL('/api/v2/write', influxdb.url);
  url.search = new URLSearchParams({
    org: '-',
    bucket: `${sinkSettings.database}/autogen`,
    precision: 'ms',
  }).toString();
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Token ${influxdb.token}` },
    body: lines.join('\n'),
  });
  if (res.status !== 204) throw new Error(`InfluxDB write failed: HTTP ${res.status} ${await res.text()}`);
}
