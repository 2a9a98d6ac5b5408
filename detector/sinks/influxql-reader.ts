// Reads scores, alert events and frames back from InfluxDB through InfluxQL
// `GET /query` (epoch=ms), which InfluxDB 1.8+, 2.x (via a DBRP mapping) and
// 3 Core all serve. Shapes match the embedded store's reads; channels come
// back in InfluxDB's column order (alphabetical), not the order written.
import { PipelineError, type Secret } from '../../core/index.js';
import { measurements } from './line-protocol.js';
import {
  type AlertQuery,
  defaultAlertLimit,
  defaultScoreLimit,
  type FrameQuery,
  type RecordReader,
  type ScoreQuery,
} from './record-reader.js';
import type { AlertEventRecord, FrameRecord, ScoreRecord } from './records.js';

export interface InfluxqlReaderConfig {
  url: string;
  token: Secret;
  database: string;
  timeoutMs: number;
}

interface Series {
  name: string;
  columns: string[];
  values: unknown[][];
}

export interface InfluxqlReader extends RecordReader {
  queryScores(query: ScoreQuery): Promise<ScoreRecord[]>;
  queryAlerts(query: AlertQuery): Promise<AlertEventRecord[]>;
  queryFrames(query: FrameQuery): Promise<FrameRecord[]>;
  listAssets(): Promise<string[]>;
}

/** An InfluxQL string literal (single quotes; `\` and `'` escaped). */
export function influxqlString(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

function timeRange(fromMs: number, toMs: number): string {
  return `time >= ${Math.trunc(fromMs)}ms AND time < ${Math.trunc(toMs)}ms`;
}

function rowsOf(series: Series): Record<string, unknown>[] {
  return series.values.map((values) => Object.fromEntries(series.columns.map((c, i) => [c, values[i]])));
}

const splitList = (value: unknown): string[] =>
  typeof value === 'string' && value !== '' ? value.split(',') : [];
const num = (value: unknown): number => (typeof value === 'number' ? value : Number.NaN);

export function createInfluxqlReader(config: InfluxqlReaderConfig): InfluxqlReader {
  async function query(q: string): Promise<Series[]> {
    const url = new URL('/query', config.url);
    url.searchParams.set('db', config.database);
    url.searchParams.set('q', q);
    url.searchParams.set('epoch', 'ms');
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { authorization: `Token ${config.token.reveal()}` },
        signal: AbortSignal.timeout(config.timeoutMs),
      });
    } catch (err) {
      throw new PipelineError(
        'SINK_QUERY_FAILED',
        `InfluxDB not reachable for a query: ${(err as Error)?.message}`,
        {
          retriable: true,
          cause: err,
        },
      );
    }
    const text = await response.text();
    if (!response.ok) {
      throw new PipelineError(
        'SINK_QUERY_FAILED',
        `InfluxDB refused a query with HTTP ${response.status}: ${text.slice(0, 300)}`,
        {
          retriable: response.status >= 500 || response.status === 429,
          details: { statusCode: response.status, database: config.database },
        },
      );
    }
    const body = JSON.parse(text) as { results?: { series?: Series[]; error?: string }[]; error?: string };
    const error = body.error ?? body.results?.[0]?.error;
    if (error !== undefined) {
      throw new PipelineError('SINK_QUERY_FAILED', `InfluxQL query failed: ${error}`, {
        details: { database: config.database },
      });
    }
    return body.results?.[0]?.series ?? [];
  }

  const orderAndLimit = (latest: boolean | undefined, limit: number | undefined) =>
    `ORDER BY time ${latest === true ? 'DESC' : 'ASC'}${limit === undefined ? '' : ` LIMIT ${Math.trunc(limit)}`}`;
  const oldestFirst = <T>(rows: T[], latest: boolean | undefined): T[] =>
    latest === true ? rows.reverse() : rows;

  return {
    async queryScores(q) {
      const series = await query(
        `SELECT * FROM ${measurements.score} WHERE "asset" = ${influxqlString(q.assetId)} AND ${timeRange(q.fromMs, q.toMs)} ${orderAndLimit(q.latest, q.limit ?? defaultScoreLimit)}`,
      );
      return oldestFirst(series.flatMap(rowsOf), q.latest).map((row) => {
        const channels: string[] = [];
        const contributions: number[] = [];
        for (const [column, value] of Object.entries(row)) {
          if (column.startsWith('contrib_') && typeof value === 'number') {
            channels.push(column.slice('contrib_'.length));
            contributions.push(value);
          }
        }
        return {
          assetId: String(row.asset),
          atMs: num(row.time),
          score: num(row.score),
          threshold: num(row.threshold),
          ratio: num(row.ratio),
          modelVersion: typeof row.model_version === 'string' ? row.model_version : '',
          state: row.state as ScoreRecord['state'],
          channels,
          contributions,
          topChannels: splitList(row.top_channels),
        };
      });
    },
    async queryAlerts(q) {
      const where = q.assetId === undefined ? '' : ` WHERE "asset" = ${influxqlString(q.assetId)}`;
      const order = q.newestFirst === true ? 'DESC' : 'ASC';
      const series = await query(
        `SELECT * FROM ${measurements.alert}${where} ORDER BY time ${order} LIMIT ${Math.trunc(q.limit ?? defaultAlertLimit)}`,
      );
      return series.flatMap(rowsOf).map((row) => {
        const alert: AlertEventRecord = {
          id: String(row.alert_id),
          assetId: String(row.asset),
          type: row.event as AlertEventRecord['type'],
          severity: row.severity as AlertEventRecord['severity'],
          ratio: num(row.ratio),
          peakRatio: num(row.peak_ratio),
          topChannels: splitList(row.top_channels),
          atMs: num(row.time),
          openedAtMs: num(row.opened_at_ms),
          modelVersion: typeof row.model_version === 'string' ? row.model_version : '',
        };
        if (typeof row.reason === 'string') alert.reason = row.reason;
        return alert;
      });
    },
    async queryFrames(q) {
      const series = await query(
        `SELECT * FROM ${measurements.frame} WHERE "asset" = ${influxqlString(q.assetId)} AND ${timeRange(q.fromMs, q.toMs)} ${orderAndLimit(q.latest, q.limit)}`,
      );
      return series.flatMap((s) => {
        const rows = oldestFirst(rowsOf(s), q.latest);
        // Columns are the union over all assets' channels; keep those this asset has.
        const channels = s.columns.filter(
          (c) => c !== 'time' && c !== 'asset' && c !== 'state' && rows.some((r) => typeof r[c] === 'number'),
        );
        return rows.map((row) => ({
          assetId: String(row.asset),
          atMs: num(row.time),
          state: row.state as FrameRecord['state'],
          channels,
          values: channels.map((c) => num(row[c])),
        }));
      });
    },
    async listAssets() {
      const series = await query(
        `SHOW TAG VALUES FROM ${measurements.score}, ${measurements.alert}, ${measurements.frame} WITH KEY = "asset"`,
      );
      const assets = new Set<string>();
      for (const s of series) for (const row of rowsOf(s)) assets.add(String(row.value));
      return [...assets].sort();
    },
  };
}
