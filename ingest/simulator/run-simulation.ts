// The entry point of `gruwatch simulate`: builds the plant from validated
// options, opens the target, and feeds it tick by tick, either paced by the
// wall clock or as fast as the target takes it, until the duration or stop().
import { setTimeout as sleep, setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { type Clock, type Logger, systemClock } from '../../core/index.js';
import { resolvePeriodMs, type SimulateOptions } from './config.js';
import { createCsvWriter } from './csv-writer.js';
import { createLabelsWriter, type LabelsWriter } from './labels-writer.js';
import { createPlant, type PlantAsset } from './plant.js';
import { createKafkaPublisher } from './publish-kafka.js';
import { createMqttPublisher } from './publish-mqtt.js';
import type { TickPublisher } from './publisher.js';

export interface SimulationDeps {
  logger: Logger;
  /** Wall clock for the default start time and for realtime pacing (default: the system clock). */
  clock?: Clock;
}

export interface SimulationCounters {
  ticks: number;
  /** Channel values sent (dropped-out channels are not counted). */
  readings: number;
  /** MQTT messages, Kafka records or CSV rows. */
  messages: number;
  /** Ground-truth labels emitted. */
  labels: number;
  /** Timestamp of the last tick sent, ms since the epoch (undefined before the first). */
  lastTimestampMs: number | undefined;
}

export interface SimulationHandle {
  readonly assets: readonly PlantAsset[];
  readonly periodMs: number;
  /** Time of the first tick, ms since the epoch. */
  readonly startMs: number;
  /** A snapshot of the counters. */
  counters(): SimulationCounters;
  /**
   * Resolves with the final counters when the run ends (duration reached or stopped) and the
   * target is closed; rejects with a PipelineError (SIMULATOR_PUBLISH_FAILED) if the target fails.
   */
  readonly done: Promise<SimulationCounters>;
  /** Ends the run after the tick in flight, closes the target; resolves or rejects like `done`. */
  stop(): Promise<SimulationCounters>;
}

/** Ticks computed between two yields to the event loop at fast pace, so stop() and I/O get their turn. */
const fastBatchTicks = 500;

/**
 * Starts a simulation run. Throws a PipelineError (CONFIG_INVALID) at once if the anomaly schedule
 * names an unknown asset or channel; connection and write failures reject `done`.
 */
export function runSimulation(options: SimulateOptions, deps: SimulationDeps): SimulationHandle {
  const clock = deps.clock ?? systemClock;
  const log = deps.logger.child({ component: 'ingest.simulator' });
  const periodMs = resolvePeriodMs(options);
  const startMs = options.startMs ?? Math.ceil(clock.nowMs() / periodMs) * periodMs;
  const endMs = options.durationMs === undefined ? Number.POSITIVE_INFINITY : startMs + options.durationMs;
  const pace = options.pace ?? (options.target.type === 'csv' ? 'fast' : 'realtime');
  const { anomalies } = options;
  const plant = createPlant({
    assets: options.assets,
    kind: options.kind,
    seed: options.seed,
    startMs,
    periodMs,
    ...(options.assetIdPrefix === undefined ? {} : { assetIdPrefix: options.assetIdPrefix }),
    anomalies: anomalies.type === 'schedule' ? anomalies.items : [],
    ...(anomalies.type === 'random'
      ? { randomAnomalies: { ratePerHour: anomalies.ratePerHour, kinds: anomalies.kinds } }
      : {}),
  });
  const target = options.target;
  const publisher: TickPublisher =
    target.type === 'mqtt'
      ? createMqttPublisher(target, plant.assets, deps)
      : target.type === 'kafka'
        ? createKafkaPublisher(target, plant.assets, deps)
        : createCsvWriter(target.dir, plant.assets);
  const counters: SimulationCounters = {
    ticks: 0,
    readings: 0,
    messages: 0,
    labels: 0,
    lastTimestampMs: undefined,
  };
  const abort = new AbortController();

  const run = async (): Promise<SimulationCounters> => {
    let labelsWriter: LabelsWriter | undefined;
    try {
      labelsWriter = options.labelsFile === undefined ? undefined : createLabelsWriter(options.labelsFile);
      await publisher.open();
      log.info(
        {
          assets: options.assets,
          kind: options.kind,
          seed: options.seed,
          periodMs,
          startMs,
          pace,
          target: target.type,
        },
        'Simulation started.',
      );
      for (let timestampMs = startMs; timestampMs < endMs && !abort.signal.aborted; timestampMs += periodMs) {
        if (pace === 'realtime') {
          const waitMs = timestampMs - clock.nowMs();
          if (waitMs > 0) await sleep(waitMs, undefined, { signal: abort.signal }).catch(() => undefined);
          if (abort.signal.aborted) break;
        } else if (counters.ticks % fastBatchTicks === fastBatchTicks - 1) {
          await yieldToEventLoop();
        }
        const tick = plant.nextTick();
        await labelsWriter?.write(tick.labels);
        counters.messages += await publisher.publish(tick);
        counters.ticks++;
        counters.labels += tick.labels.length;
        counters.lastTimestampMs = tick.timestampMs;
        for (const frame of tick.frames) {
          for (const value of frame.values) if (value !== undefined) counters.readings++;
        }
      }
    } catch (err) {
      await Promise.allSettled([publisher.close(), labelsWriter?.close()]);
      throw err;
    }
    // Close both even if one fails; the first failure is the one reported.
    const closing = await Promise.allSettled([publisher.close(), labelsWriter?.close()]);
    for (const result of closing) if (result.status === 'rejected') throw result.reason;
    log.info({ ...counters }, 'Simulation finished.');
    return { ...counters };
  };
  const done = run();
  return {
    assets: plant.assets,
    periodMs,
    startMs,
    counters: () => ({ ...counters }),
    done,
    stop() {
      abort.abort();
      return done;
    },
  };
}
