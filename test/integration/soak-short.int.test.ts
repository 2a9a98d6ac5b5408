// A short run of the accelerated soak (`npm run bench:soak`, test/bench/service-soak-bench.ts):
// the whole service on a simulated clock, half a day of 20 assets with a retention of 2.4 h,
// strangers' asset ids, a webhook receiver outage and an InfluxDB outage. The bounds that do not
// depend on the machine's speed must hold: no reading late, every alert event delivered once,
// the asset limit enforced, database and metric series flat once retention applies, the WAL under
// its cap. RSS is reported by the bench, not asserted here: a few simulated hours are too short
// for the garbage collector to settle. The InfluxDB outage is half an hour: the store must hold an
// outage's backlog, and a one-hour backlog alone made this small database (5.7 MB for 2.4 h of
// retention) 0.7 MB larger, 12 %, while the long soak's two hours are a twelfth of its retention.
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { describeWithServer } from '../helpers/integration.js';
import { gruwatchCli } from '../helpers/service-process.js';

const bench = join(gruwatchCli, '..', '..', 'test', 'bench', 'service-soak-bench.js');

describeWithServer('influxdb', 'accelerated soak, short run', (influxdb) => {
  it('keeps every bound through outages and unknown asset ids', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--expose-gc',
        bench,
        ...['--assets', '20', '--days', '0.5', '--retention-days', '0.1', '--report-every-days', '0.05'],
        ...['--max-assets', '40', '--webhook-outage-hours', '2', '--influxdb-outage-hours', '0.5'],
        ...['--dir', tmpdir()],
      ],
      {
        env: {
          ...process.env,
          INFLUXDB_URL: influxdb.url,
          INFLUXDB_TOKEN: influxdb.token,
          INFLUXDB_DATABASE: influxdb.database,
          INFLUXDB_BUCKET: influxdb.bucket,
        },
        timeout: 110_000,
        maxBuffer: 16 << 20,
      },
    );
    const result = JSON.parse(stdout) as {
      readings_published: number;
      readings_decoded: number;
      readings_dropped_late: number;
      readings_refused_asset_limit: number;
      unknown_asset_ids: number;
      windows_scored: number;
      outbox_rows_left: number;
      events: { generated: number; delivered: number };
      bounds: Record<string, number | null>;
      rows_at_end: Record<string, number>;
      wall_s: number;
    };
    process.stderr.write(`soak, short run: ${stdout}`);
    expect(result.readings_decoded).toBe(result.readings_published);
    expect(result.readings_dropped_late).toBe(0);
    expect(result.windows_scored).toBeGreaterThan(0);
    expect(result.unknown_asset_ids).toBeGreaterThan(40);
    expect(result.readings_refused_asset_limit).toBeGreaterThan(0);
    expect(result.bounds.tracked_assets_max).toBeLessThanOrEqual(40);
    expect(result.events.generated).toBeGreaterThan(0);
    expect(result.events.delivered).toBe(result.events.generated);
    expect(result.outbox_rows_left).toBe(0);
    expect(result.bounds.db_max_deviation).toBeLessThanOrEqual(0.1);
    expect(result.bounds.metric_series_steady_max_deviation).toBeLessThanOrEqual(0.1);
    expect(result.bounds.wal_max_bytes).toBeLessThanOrEqual(result.bounds.wal_bound_bytes!);
    // Retention holds the frames of 2.4 h of 20 assets at 10 s (1,728 a pass of pruning more at most).
    expect(result.rows_at_end.frames).toBeLessThanOrEqual(2 * 17_280);
  }, 120_000);
});
