// Checks the Grafana dashboards against what gruwatch really writes and
// exports: every InfluxQL query may only use measurements, tags and fields the
// InfluxDB sink produces (taken from the sink's own encoder, not from a list),
// and every PromQL expression only metric names the service registers or counts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  createInfluxdbRoute,
  influxdbSinkConfigSchema,
  type RecordBatch,
} from '../../detector/sinks/index.js';
import { createServiceMetrics } from '../api/index.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = join(here, '..', '..');
const dashboardFiles = readdirSync(here).filter((f) => f.endsWith('.json'));

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: { refId: string; datasource?: { type: string; uid: string }; query?: string; expr?: string }[];
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; type: string; datasource?: { type: string }; query?: unknown }[] };
  annotations: { list: { name: string; datasource?: { type: string }; query?: string }[] };
}

const dashboards = dashboardFiles.map((file) => ({
  file,
  dashboard: JSON.parse(readFileSync(join(here, file), 'utf8')) as Dashboard,
}));

// ---- the sink's schema, from its encoder ------------------------------------------------

interface MeasurementSchema {
  tags: Set<string>;
  fields: Set<string>;
}

/** Splits on `separator` outside double quotes and not escaped with a backslash (line protocol). */
function splitLineProtocol(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let isQuoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\' && i + 1 < text.length) {
      current += ch + text[i + 1];
      i++;
    } else if (ch === '"') {
      isQuoted = !isQuoted;
      current += ch;
    } else if (ch === separator && !isQuoted) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}
const unescapeKey = (text: string) => text.replace(/\\(.)/g, '$1');

function sinkSchema(): Map<string, MeasurementSchema> {
  const channels = ['temperature', 'vibration'];
  const batch: RecordBatch = {
    scores: [
      {
        assetId: 'pump-1',
        atMs: 1_000,
        score: 0.7,
        threshold: 0.5,
        ratio: 1.4,
        modelVersion: 'v1',
        state: 'ok',
        channels,
        contributions: [0.2, 0.8],
        topChannels: ['vibration'],
      },
    ],
    alerts: [
      {
        id: 'pump-1-1000',
        assetId: 'pump-1',
        type: 'resolved',
        severity: 'warning',
        ratio: 0.5,
        peakRatio: 1.4,
        topChannels: ['vibration'],
        atMs: 2_000,
        openedAtMs: 1_000,
        modelVersion: 'v1',
        reason: 'recovered',
      },
    ],
    frames: [{ assetId: 'pump-1', atMs: 1_000, channels, values: [20.5, 3.1], state: 'ok' }],
  };
  const route = createInfluxdbRoute(
    influxdbSinkConfigSchema.parse({
      type: 'influxdb',
      url: 'http://127.0.0.1:8086',
      token: 'unused',
      bucket: 'gruwatch/autogen',
      database: 'gruwatch',
    }),
  );
  const schema = new Map<string, MeasurementSchema>();
  for (const { payload } of route.encode(batch)) {
    const [series, fieldSet] = splitLineProtocol(payload, ' ');
    const [measurement, ...tagPairs] = splitLineProtocol(series, ',');
    const entry = schema.get(unescapeKey(measurement)) ?? { tags: new Set(), fields: new Set() };
    for (const pair of tagPairs) entry.tags.add(unescapeKey(splitLineProtocol(pair, '=')[0]));
    for (const pair of splitLineProtocol(fieldSet, ','))
      entry.fields.add(unescapeKey(splitLineProtocol(pair, '=')[0]));
    schema.set(unescapeKey(measurement), entry);
  }
  return schema;
}

// ---- what an InfluxQL query references --------------------------------------------------

interface InfluxqlReferences {
  measurement: string | undefined;
  /** Identifiers that may be a tag or a field (SELECT, WHERE). */
  columns: string[];
  /** Identifiers that must be tags (GROUP BY, WITH KEY). */
  tags: string[];
  /** Regular expressions over field names in SELECT. */
  fieldPatterns: RegExp[];
  hasWildcard: boolean;
}

const quotedIdentifiers = (text: string) => [...text.matchAll(/"([^"]+)"/g)].map((m) => m[1]);

function influxqlReferences(query: string): InfluxqlReferences {
  const show = /^SHOW TAG VALUES FROM "([^"]+)" WITH KEY = "([^"]+)"/i.exec(query.trim());
  if (show) {
    return { measurement: show[1], columns: [], tags: [show[2]], fieldPatterns: [], hasWildcard: false };
  }
  const select = /^SELECT (.+?) FROM "([^"]+)"(.*)$/is.exec(query.trim());
  if (!select) throw new Error(`not an InfluxQL SELECT or SHOW TAG VALUES query: ${query}`);
  const [, selectClause, measurement, rest] = select;
  // String and regex literals compared against tag values are values, not identifiers.
  const conditions = rest
    .replace(/'(?:[^'\\]|\\.)*'/g, "''")
    .replace(/(=~|!~)\s*\/(?:[^/\\]|\\.)*\//g, '$1 //');
  const groupBy = /GROUP BY (.*?)(?: ORDER BY| LIMIT| fill\(|$)/i.exec(conditions)?.[1] ?? '';
  const where = conditions.replace(/GROUP BY .*$/i, '').replace(/ORDER BY .*$/i, '');
  const selected = selectClause.replace(/\bAS\s+"[^"]*"/gi, '');
  return {
    measurement,
    columns: [...quotedIdentifiers(selected), ...quotedIdentifiers(where)],
    tags: quotedIdentifiers(groupBy),
    fieldPatterns: [...selected.matchAll(/\/((?:[^/\\]|\\.)+)\//g)].map((m) => new RegExp(m[1])),
    hasWildcard: /(^|[(\s,])\*([)\s,]|$)/.test(selected),
  };
}

function influxqlQueries(dashboard: Dashboard): { where: string; query: string }[] {
  const queries: { where: string; query: string }[] = [];
  const visit = (panels: Panel[]) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        const type = target.datasource?.type ?? panel.datasource?.type;
        if (type === 'influxdb' && target.query)
          queries.push({ where: `panel ${panel.id}`, query: target.query });
      }
      visit(panel.panels ?? []);
    }
  };
  visit(dashboard.panels);
  for (const a of dashboard.annotations.list) {
    if (a.datasource?.type === 'influxdb' && a.query)
      queries.push({ where: `annotation ${a.name}`, query: a.query });
  }
  for (const v of dashboard.templating.list) {
    if (v.datasource?.type === 'influxdb' && typeof v.query === 'string')
      queries.push({ where: `variable ${v.name}`, query: v.query });
  }
  return queries;
}

// ---- what a PromQL expression references ------------------------------------------------

function promqlMetricNames(expr: string): string[] {
  const labelValues = /^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,/.exec(expr.trim());
  if (labelValues) return [labelValues[1]];
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const keywords = new Set(['and', 'or', 'unless', 'bool', 'offset']);
  return [...stripped.matchAll(/\b[a-zA-Z_:][a-zA-Z0-9_:]*\b(?!\s*\()/g)]
    .map((m) => m[0])
    .filter((name) => !keywords.has(name));
}

function promqlExpressions(dashboard: Dashboard): { where: string; expr: string }[] {
  const exprs: { where: string; expr: string }[] = [];
  for (const panel of dashboard.panels) {
    for (const target of panel.targets ?? []) {
      const type = target.datasource?.type ?? panel.datasource?.type;
      if (type === 'prometheus' && target.expr) exprs.push({ where: `panel ${panel.id}`, expr: target.expr });
    }
  }
  for (const v of dashboard.templating.list) {
    if (v.datasource?.type !== 'prometheus') continue;
    const query = typeof v.query === 'string' ? v.query : (v.query as { query?: string } | undefined)?.query;
    if (query) exprs.push({ where: `variable ${v.name}`, expr: query });
  }
  return exprs;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory())
      return name === 'node_modules' || name === 'dist' ? [] : sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Names the service registers up front, plus every counter and gauge a room reports by name. */
async function knownMetricNames(): Promise<Set<string>> {
  const names = new Set<string>();
  const metrics = createServiceMetrics({ assetStatuses: [] });
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram' || String(metric.type) === 'summary') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
    }
  }
  // Counters and gauges are created on first use from the name a room reports
  // (`telemetry.count('ingest_messages_total', …)`), so they are read from the code.
  for (const room of ['ingest', 'detector', 'model', 'bin']) {
    for (const file of sourceFiles(join(repoRoot, room))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\b(?:count|gauge)\(\s*'([a-z_:][a-z0-9_:]*)'/g)) names.add(m[1]);
    }
  }
  return names;
}

// ---- the tests -------------------------------------------------------------------------

describe('Grafana dashboards', () => {
  it('are the three expected dashboards', () => {
    expect(dashboardFiles.sort()).toEqual(['asset.json', 'fleet-overview.json', 'pipeline-health.json']);
  });

  it.each(dashboards)(
    '$file: has a stable uid, a schemaVersion, unique panel ids and datasource variables',
    ({ dashboard }) => {
      expect(dashboard.uid).toMatch(/^gruwatch-[a-z-]+$/);
      expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
      const ids = dashboard.panels.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.every((id) => Number.isInteger(id) && id > 0)).toBe(true);
      const datasourceVariables = new Set(
        dashboard.templating.list.filter((v) => v.type === 'datasource').map((v) => `\${${v.name}}`),
      );
      for (const panel of dashboard.panels) {
        for (const ds of [panel.datasource, ...(panel.targets ?? []).map((t) => t.datasource)]) {
          expect(datasourceVariables.has(ds?.uid ?? ''), `panel ${panel.id} datasource ${ds?.uid}`).toBe(
            true,
          );
        }
      }
    },
  );

  it('uids are unique across dashboards', () => {
    const uids = dashboards.map((d) => d.dashboard.uid);
    expect(new Set(uids).size).toBe(uids.length);
  });

  it('InfluxDB dashboards offer $asset from SHOW TAG VALUES', () => {
    for (const { file, dashboard } of dashboards) {
      if (influxqlQueries(dashboard).length === 0) continue;
      const asset = dashboard.templating.list.find((v) => v.name === 'asset');
      expect(asset?.query, file).toMatch(/^SHOW TAG VALUES FROM "gruwatch_score" WITH KEY = "asset"$/);
    }
  });

  it('every InfluxQL query uses only measurements, tags and fields the InfluxDB sink writes', () => {
    const schema = sinkSchema();
    expect([...schema.keys()].sort()).toEqual(['gruwatch_alert', 'gruwatch_frame', 'gruwatch_score']);
    const problems: string[] = [];
    let checked = 0;
    for (const { file, dashboard } of dashboards) {
      for (const { where, query } of influxqlQueries(dashboard)) {
        checked++;
        const refs = influxqlReferences(query);
        const at = `${file} ${where}`;
        const measurement = refs.measurement === undefined ? undefined : schema.get(refs.measurement);
        if (measurement === undefined) {
          problems.push(`${at}: measurement ${refs.measurement} is not written by the sink`);
          continue;
        }
        for (const column of refs.columns) {
          if (!measurement.tags.has(column) && !measurement.fields.has(column))
            problems.push(`${at}: "${column}" is neither a tag nor a field of ${refs.measurement}`);
        }
        for (const tag of refs.tags) {
          if (!measurement.tags.has(tag))
            problems.push(`${at}: "${tag}" is not a tag of ${refs.measurement}`);
        }
        for (const pattern of refs.fieldPatterns) {
          if (![...measurement.fields].some((f) => pattern.test(f)))
            problems.push(`${at}: /${pattern.source}/ matches no field of ${refs.measurement}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(10);
  });

  it('the query check itself catches names the sink does not write', () => {
    const refs = influxqlReferences(
      'SELECT mean("scor") AS "score", last(/^contrib_/) FROM "gruwatch_score" WHERE "asset" =~ /^a$/ AND "stat" = \'ok\' GROUP BY time(1m), "assetId"',
    );
    expect(refs.measurement).toBe('gruwatch_score');
    expect(refs.columns).toEqual(['scor', 'asset', 'stat']);
    expect(refs.tags).toEqual(['assetId']);
    expect(refs.fieldPatterns.map((p) => p.source)).toEqual(['^contrib_']);
    const schema = sinkSchema().get('gruwatch_score')!;
    expect(schema.fields.has('scor')).toBe(false);
    expect(schema.tags.has('assetId')).toBe(false);
  });

  it('every PromQL expression uses only metric names the service registers or counts', async () => {
    const known = await knownMetricNames();
    const problems: string[] = [];
    let checked = 0;
    for (const { file, dashboard } of dashboards) {
      for (const { where, expr } of promqlExpressions(dashboard)) {
        const names = promqlMetricNames(expr);
        if (names.length === 0) problems.push(`${file} ${where}: no metric in ${expr}`);
        for (const name of names) {
          checked++;
          if (!known.has(name)) problems.push(`${file} ${where}: ${name} is not a gruwatch metric`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(10);
  });

  it('the PromQL name extraction skips functions, labels, ranges and grouping', () => {
    expect(
      promqlMetricNames(
        'histogram_quantile(0.99, sum by (le) (rate(detector_score_latency_seconds_bucket{instance=~"$instance"}[$__rate_interval]))) / on (job) up',
      ),
    ).toEqual(['detector_score_latency_seconds_bucket', 'up']);
  });
});
