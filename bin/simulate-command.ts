// `gruwatch simulate`: the plant simulator from the command line. Flags map
// one to one onto the simulator's option schema, which validates them.
import type { Command } from 'commander';
import { createRootLogger, PipelineError, systemClock } from '../core/index.js';
import { runSimulation, simulateOptionsSchema } from '../ingest/index.js';
import { numberFlag } from './cli-flags.js';
import type { CliIo } from './cli-io.js';

interface SimulateFlags {
  assets: string;
  kind: string;
  seed: string;
  periodMs?: string;
  rateHz?: string;
  durationS?: string;
  startMs?: string;
  fast?: boolean;
  mqtt?: string;
  format: string;
  topic?: string;
  username?: string;
  passwordEnv?: string;
  caFile?: string;
  kafka?: string;
  kafkaTopic: string;
  csv?: string;
  anomalyRate?: string;
  anomalyKinds?: string;
  labels?: string;
}

export function registerSimulateCommand(program: Command, io: CliIo): void {
  program
    .command('simulate')
    .description(
      'publish realistic readings of simulated machines, with planted anomalies, to MQTT, Kafka or CSV',
    )
    .option('--assets <n>', 'number of assets', '3')
    .option('--kind <kind>', 'machine kind: pump or fan', 'pump')
    .option('--seed <n>', 'seed: the same seed repeats a run bit for bit', '1')
    .option('--period-ms <ms>', 'sampling period (default 1000)')
    .option('--rate-hz <hz>', 'ticks per second instead of --period-ms')
    .option('--duration-s <s>', 'simulated seconds to run (default: until Ctrl-C)')
    .option('--start-ms <ms>', 'time of the first reading, ms since the epoch (default: now)')
    .option('--fast', 'publish as fast as possible instead of in real time')
    .option('--mqtt <url>', 'publish to this MQTT broker (QoS 1)')
    .option('--format <format>', 'MQTT payload format: json or sparkplug-b', 'json')
    .option('--topic <template>', 'MQTT JSON topic template ({site}, {asset})')
    .option('--username <name>', 'MQTT user name')
    .option('--password-env <NAME>', 'environment variable holding the MQTT password')
    .option('--ca-file <file>', 'CA certificate for mqtts://')
    .option('--kafka <brokers>', 'produce to these Kafka brokers (comma-separated)')
    .option('--kafka-topic <topic>', 'Kafka topic', 'gruwatch.telemetry')
    .option('--csv <dir>', 'write one SKAB-layout CSV file per asset into this directory')
    .option('--anomaly-rate <perHour>', 'plant random anomalies at this mean rate per asset per hour')
    .option('--anomaly-kinds <list>', 'comma-separated kinds to draw from (default: all)')
    .option('--labels <file>', 'write the ground truth as JSON lines')
    .action(async (flags: SimulateFlags) => {
      const targets = [flags.mqtt, flags.kafka, flags.csv].filter((t) => t !== undefined);
      if (targets.length !== 1) {
        throw new PipelineError(
          'CLI_USAGE',
          'give exactly one target: --mqtt URL, --kafka BROKERS or --csv DIR',
        );
      }
      const target = flags.mqtt
        ? {
            type: 'mqtt' as const,
            url: flags.mqtt,
            format: flags.format,
            ...(flags.topic ? { topicTemplate: flags.topic } : {}),
            ...(flags.username ? { username: flags.username } : {}),
            ...(flags.passwordEnv ? { password: { env: flags.passwordEnv } } : {}),
            ...(flags.caFile ? { caFile: flags.caFile } : {}),
          }
        : flags.kafka
          ? { type: 'kafka' as const, brokers: flags.kafka.split(','), topic: flags.kafkaTopic }
          : { type: 'csv' as const, dir: flags.csv };
      const durationS = flags.durationS === undefined ? undefined : numberFlag('duration-s', flags.durationS);
      const rate =
        flags.anomalyRate === undefined ? undefined : numberFlag('anomaly-rate', flags.anomalyRate);
      const parsed = simulateOptionsSchema.safeParse({
        assets: numberFlag('assets', flags.assets),
        kind: flags.kind,
        seed: numberFlag('seed', flags.seed),
        ...(flags.periodMs ? { periodMs: numberFlag('period-ms', flags.periodMs) } : {}),
        ...(flags.rateHz ? { rateHz: numberFlag('rate-hz', flags.rateHz) } : {}),
        ...(durationS !== undefined ? { durationMs: Math.round(durationS * 1000) } : {}),
        ...(flags.startMs !== undefined ? { startMs: numberFlag('start-ms', flags.startMs) } : {}),
        ...(flags.fast ? { pace: 'fast' } : {}),
        anomalies:
          rate === undefined
            ? { type: 'none' }
            : {
                type: 'random',
                ratePerHour: rate,
                ...(flags.anomalyKinds ? { kinds: flags.anomalyKinds.split(',') } : {}),
              },
        target,
        ...(flags.labels ? { labelsFile: flags.labels } : {}),
      });
      if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`);
        throw new PipelineError('CLI_USAGE', `invalid simulate options:\n  - ${problems.join('\n  - ')}`);
      }
      const logger = createRootLogger({ level: 'info', name: 'gruwatch-simulate' });
      const handle = runSimulation(parsed.data, { logger, clock: systemClock });
      const onSignal = () => void handle.stop();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const counters = await handle.done;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      io.out(`${JSON.stringify(counters)}\n`);
    });
}
