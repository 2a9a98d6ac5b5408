// `gruwatch demo` (and `npm start`): the whole pipeline with nothing to
// install. An embedded MQTT broker, a first model trained on simulated normal
// operation, the service on that broker with the live page, and the simulated
// plant publishing in real time with anomalies planted every so often.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { createRootLogger, type Logger, PipelineError, systemClock } from '../core/index.js';
import { createAlertFeed, formatAlertLine } from '../detector/sinks/index.js';
import {
  type EmbeddedBroker,
  formatPlantedLine,
  planPumpAnomalies,
  runSimulation,
  type SimulationHandle,
  simulateOptionsSchema,
  startEmbeddedBroker,
} from '../ingest/index.js';
import { numberFlag } from './cli-flags.js';
import type { CliIo } from './cli-io.js';
import { demoHttp, demoTokenVariable } from './demo/demo-http.js';
import { trainDemoModel } from './demo/demo-model.js';
import {
  anomalyDurationMs,
  demoConfig,
  demoPeriodMs,
  demoSite,
  firstAnomalyAfterMs,
} from './demo/demo-plan.js';
import { createTrainingProgressBar } from './progress-bar.js';
import { type RunningService, startService } from './service.js';
import { waitForStopSignal } from './stop-signal.js';
import { defaultWebRoot } from './web-root.js';

interface DemoFlags {
  host: string;
  port: string;
  assets: string;
  seed: string;
  dataDir?: string;
  anomalyEveryS: string;
  trainingHours: string;
}

/** Time allowed for the plant to publish its past and the service to start, before live time counts. */
const catchUpAllowanceMs = 5_000;
const scheduleHorizonMs = 24 * 3_600_000;
const feedIntervalMs = 1_000;

/** Fails early, before training, when the HTTP port is taken. */
async function ensurePortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((done, fail) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      fail(
        err.code === 'EADDRINUSE' || err.code === 'EACCES'
          ? portTaken(host, port, err)
          : new PipelineError('CLI_USAGE', `cannot listen on ${host}:${port}: ${err.message}`, {
              cause: err,
            }),
      );
    });
    probe.listen(port, host, () => probe.close(() => done()));
  });
}

function portTaken(host: string, port: number, cause: unknown): PipelineError {
  return new PipelineError(
    'CLI_USAGE',
    `port ${port} on ${host} is taken (or not allowed); choose another with --port N (--port 0 picks a free one)`,
    { cause, details: { field: 'port', port } },
  );
}

/** Resolves when the plant's ticks have reached the wall clock. */
async function waitForCatchUp(plant: SimulationHandle, io: CliIo): Promise<void> {
  const startedMs = performance.now();
  for (;;) {
    const last = plant.counters().lastTimestampMs;
    if (last !== undefined && last >= systemClock.nowMs() - 2 * demoPeriodMs) break;
    // A plant that failed (broker gone) ends the wait; `done` reports why.
    const failed = await Promise.race([
      plant.done.then(
        () => true,
        () => true,
      ),
      new Promise<false>((done) => setTimeout(() => done(false), 100)),
    ]);
    if (failed) {
      await plant.done;
      throw new PipelineError('SIMULATOR_PUBLISH_FAILED', 'the simulated plant stopped before it was live');
    }
  }
  io.err(
    `  plant caught up with the wall clock in ${((performance.now() - startedMs) / 1000).toFixed(1)} s\n`,
  );
}

const clockTime = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

async function runDemo(flags: DemoFlags, io: CliIo): Promise<void> {
  const port = numberFlag('port', flags.port, { integer: true, min: 0, max: 65_535 });
  const assets = numberFlag('assets', flags.assets, { integer: true, min: 1, max: 200 });
  const seed = numberFlag('seed', flags.seed, { integer: true, min: 0, max: 4_294_967_295 });
  const anomalyEveryMs = Math.round(
    numberFlag('anomaly-every-s', flags.anomalyEveryS, { positive: true }) * 1000,
  );
  const trainingMs = Math.round(
    numberFlag('training-hours', flags.trainingHours, { positive: true }) * 3_600_000,
  );
  const http = demoHttp(flags.host, io.env);
  await ensurePortFree(http.host, port);

  const isDataDirOwned = flags.dataDir === undefined;
  const dataDir = resolve(flags.dataDir ?? mkdtempSync(join(tmpdir(), 'gruwatch-demo-')));
  const logger: Logger = createRootLogger({ level: 'warn', name: 'gruwatch-demo' }, { write: io.err });
  let broker: EmbeddedBroker | undefined;
  let service: RunningService | undefined;
  let stopPlant: (() => Promise<unknown>) | undefined;
  try {
    broker = await startEmbeddedBroker();
    const config = demoConfig({
      dataDir,
      brokerUrl: broker.url,
      httpPort: port,
      httpHost: http.host,
      ...(http.apiToken === undefined ? {} : { apiToken: http.apiToken }),
    });

    // The plant started `trainingMs` ago: the model learns its normal operation up to now, and the
    // live plant is the same run (same seed, same start) continued in real time.
    const plantStartMs = Math.floor((systemClock.nowMs() - trainingMs) / demoPeriodMs) * demoPeriodMs;
    io.err(
      `gruwatch demo: training a first model on ${trainingMs / 3_600_000} h of simulated normal operation of ${assets} pump(s)\n`,
    );
    const trainedAtMs = performance.now();
    const bar = createTrainingProgressBar(io);
    const model = await trainDemoModel({
      config,
      assets,
      seed,
      startMs: plantStartMs,
      endMs: systemClock.nowMs(),
      onProgress: (p) => bar.update(p),
    });
    bar.finish();
    io.err(
      `  model ${model.version}: ${model.fitted.windows.trained} windows, ${model.fitted.summary.epochsRun} epochs, threshold ${model.fitted.calibration.value.toPrecision(3)}, ${((performance.now() - trainedAtMs) / 1000).toFixed(1)} s\n`,
    );

    // Anomalies start once the service has had a full window of live data.
    const liveFromMs = systemClock.nowMs() + catchUpAllowanceMs;
    const planned = planPumpAnomalies({
      assetIds: model.assetIds,
      periodMs: demoPeriodMs,
      seed,
      startMs: liveFromMs,
      firstAfterMs: firstAnomalyAfterMs,
      everyMs: anomalyEveryMs,
      durationMs: anomalyDurationMs,
      horizonMs: scheduleHorizonMs,
    });
    const plant = runSimulation(
      simulateOptionsSchema.parse({
        assets,
        kind: 'pump',
        seed,
        startMs: plantStartMs,
        periodMs: demoPeriodMs,
        pace: 'realtime',
        target: {
          type: 'mqtt',
          url: broker.url,
          format: 'json',
          site: demoSite,
          clientId: 'gruwatch-demo-plant',
          protocolVersion: 4,
        },
        anomalies: { type: 'schedule', items: planned },
      }),
      { logger, clock: systemClock },
    );
    stopPlant = () => plant.stop();
    // The ticks of the past go out at once to a broker nobody listens to yet; the service
    // subscribes when the plant has caught up with the wall clock, so it sees only live readings.
    await waitForCatchUp(plant, io);

    try {
      service = await startService(config, { logger, clock: systemClock, webRoot: defaultWebRoot() });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw portTaken(http.host, port, err);
      throw err;
    }
    io.out(`gruwatch demo: open ${service.url}/\n`);
    io.out(
      `gruwatch demo: ${assets} pump(s) live; an anomaly every ${anomalyEveryMs / 1000} s from ${clockTime(planned[0]?.startMs ?? liveFromMs)} UTC; data in ${dataDir}; Ctrl-C stops\n`,
    );
    const feed = createAlertFeed(service.store);
    let nextPlanted = 0;
    const timer = setInterval(() => {
      // What was planted, then what the detector made of it: the two lines a newcomer compares.
      const nowMs = systemClock.nowMs();
      for (; nextPlanted < planned.length && planned[nextPlanted]!.startMs <= nowMs; nextPlanted++) {
        io.out(`${formatPlantedLine(planned[nextPlanted]!)}\n`);
      }
      for (const event of feed.poll()) io.out(`${formatAlertLine(event)}\n`);
    }, feedIntervalMs);
    let plantFailure: unknown;
    await waitForStopSignal(
      undefined,
      plant.done.catch((err: unknown) => (plantFailure = err ?? new Error('unknown'))),
    );
    clearInterval(timer);
    io.err('gruwatch demo: stopping\n');
    // A plant that died (the embedded broker failed) is an error exit, reported by the CLI.
    if (plantFailure !== undefined) throw plantFailure;
  } finally {
    await stopPlant?.().catch((err: unknown) => logger.error({ err }, 'The simulated plant failed.'));
    await service?.stop();
    await broker?.close();
    logger.flush();
    if (isDataDirOwned) rmSync(dataDir, { recursive: true, force: true });
  }
}

export function registerDemoCommand(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description(
      'run the whole pipeline with nothing to install: embedded MQTT broker, simulated plant with planted anomalies, a first model, the live page',
    )
    .option(
      '--host <addr>',
      `address of the live page and API; beyond loopback (e.g. 0.0.0.0 in a container) ${demoTokenVariable} must hold the token they ask for`,
      '127.0.0.1',
    )
    .option('--port <port>', 'HTTP port of the live page and API (0 picks a free one)', '8080')
    .option('--assets <n>', 'number of simulated pumps', '5')
    .option('--seed <n>', 'seed of the plant and of the planted anomalies', '1')
    .option(
      '--data-dir <dir>',
      'keep the store and the model registry here (default: a temporary directory, removed at exit)',
    )
    .option('--anomaly-every-s <s>', 'plant one anomaly every this many seconds', '90')
    .option('--training-hours <h>', 'hours of simulated normal operation the first model is trained on', '24')
    .action((flags: DemoFlags) => runDemo(flags, io));
}
