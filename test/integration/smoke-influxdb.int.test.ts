// Smoke test of the local InfluxDB 1.8 that deploy/local/services starts: points written with
// @influxdata/influxdb-client through /api/v2/write come back through InfluxQL /query, and
// with auth on a wrong token is refused with HTTP 401.
import { HttpError, InfluxDB, Point } from '@influxdata/influxdb-client';
import { expect, it } from 'vitest';
import { describeWithServer, onTeardown, uniqueName } from '../helpers/integration.js';

interface InfluxqlSeries {
  name: string;
  columns: string[];
  values: unknown[][];
}
interface InfluxqlResponse {
  results: { statement_id: number; series?: InfluxqlSeries[]; error?: string }[];
}

describeWithServer('influxdb', 'local InfluxDB', (influxdb) => {
  async function influxql(query: string, token: string): Promise<Response> {
    const url = new URL('/query', influxdb.url);
    url.searchParams.set('db', influxdb.database);
    url.searchParams.set('q', query);
    url.searchParams.set('epoch', 'ms');
    return fetch(url, { headers: { Authorization: `Token ${token}` } });
  }

  it('writes points through /api/v2/write and reads them back with InfluxQL', async () => {
    const measurement = uniqueName('smoke');
    const writeApi = new InfluxDB({ url: influxdb.url, token: influxdb.token }).getWriteApi(
      influxdb.org,
      influxdb.bucket,
      'ms',
      { maxRetries: 0 },
    );
    onTeardown(() => writeApi.close().catch(() => undefined));
    const startMs = Date.UTC(2026, 0, 1, 12, 0, 0);
    const written = [0.5, 1.25, -3].map((score, i) => ({ timeMs: startMs + i * 1_000, score }));
    for (const { timeMs, score } of written) {
      writeApi.writePoint(
        new Point(measurement)
          .tag('assetId', 'pump-7')
          .floatField('score', score)
          .timestamp(new Date(timeMs)),
      );
    }
    await writeApi.close();

    const res = await influxql(
      `SELECT "score", "assetId" FROM "${measurement}" ORDER BY time ASC`,
      influxdb.token,
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as InfluxqlResponse;
    expect(body.results[0].error).toBeUndefined();
    expect(body.results[0].series).toEqual([
      {
        name: measurement,
        columns: ['time', 'score', 'assetId'],
        values: written.map(({ timeMs, score }) => [timeMs, score, 'pump-7']),
      },
    ]);
  });

  it('reads the same points through Flux (/api/v2/query, flux-enabled)', async () => {
    const measurement = uniqueName('smoke');
    const client = new InfluxDB({ url: influxdb.url, token: influxdb.token });
    const writeApi = client.getWriteApi(influxdb.org, influxdb.bucket, 's', { maxRetries: 0 });
    onTeardown(() => writeApi.close().catch(() => undefined));
    writeApi.writeRecord(`${measurement},assetId=fan-2 score=42 1767268800`);
    await writeApi.close();
    const rows = await client
      .getQueryApi(influxdb.org)
      .collectRows<{ _value: number; assetId: string }>(
        `from(bucket: "${influxdb.bucket}") |> range(start: 2026-01-01T00:00:00Z, stop: 2026-01-02T00:00:00Z)` +
          ` |> filter(fn: (r) => r._measurement == "${measurement}")`,
      );
    expect(rows.map((r) => [r._value, r.assetId])).toEqual([[42, 'fan-2']]);
  });

  it('refuses a wrong token with HTTP 401, on write and on query', async () => {
    const wrongToken = `${influxdb.username}:${influxdb.password}-wrong`;
    const writeApi = new InfluxDB({ url: influxdb.url, token: wrongToken }).getWriteApi(
      influxdb.org,
      influxdb.bucket,
      'ms',
      { maxRetries: 0 },
    );
    writeApi.writeRecord(`${uniqueName('smoke')} score=1`);
    const writeError = await writeApi.close().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(writeError).toBeInstanceOf(HttpError);
    expect((writeError as HttpError).statusCode).toBe(401);

    const res = await influxql('SHOW MEASUREMENTS', wrongToken);
    expect(res.status).toBe(401);
  });
});
