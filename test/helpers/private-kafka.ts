// A single-node Kafka (KRaft: broker and controller in one JVM) of one test's own,
// for tests that kill or restart the broker: the jars deploy/local/services
// installs, with its own data folder and ports from the kernel, so the shared
// broker others use is never touched. Same broker settings as the shared one.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { freePort } from './free-port.js';
import { waitFor } from './integration.js';
import { toolsDir } from './tools.js';

/** The folder of Kafka jars deploy/local/services installs (see install_kafka there). */
export function kafkaLibs(version: string): string {
  return join(toolsDir, `kafka-${version}`, 'libs');
}

export interface PrivateKafka {
  /** 127.0.0.1:PORT */
  readonly brokers: string;
  start(): Promise<void>;
  /** SIGKILL, as a crash or a pulled plug would, and wait for the exit. */
  kill(): Promise<void>;
  /** Kills it if it still runs (teardown). */
  dispose(): void;
}

export async function createPrivateKafka(dir: string, version: string): Promise<PrivateKafka> {
  const libs = kafkaLibs(version);
  if (!existsSync(join(libs, `kafka_2.13-${version}.jar`)))
    throw new Error(
      `Kafka ${version} jars are missing in ${libs}; install them with: deploy/local/services install kafka`,
    );
  const [port, controllerPort] = [await freePort(), await freePort()];
  const data = join(dir, 'data');
  mkdirSync(data, { recursive: true });
  const properties = join(dir, 'server.properties');
  writeFileSync(
    properties,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      `log.dirs=${data}`,
      'num.partitions=1',
      'default.replication.factor=1',
      'min.insync.replicas=1',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'transaction.state.log.num.partitions=1',
      'group.initial.rebalance.delay.ms=0',
      'num.network.threads=2',
      'num.io.threads=2',
      'background.threads=2',
      '',
    ].join('\n'),
  );
  // Kafka 3.x logs through log4j 1, 4.x through log4j 2: give both a console configuration.
  writeFileSync(
    join(dir, 'log4j.properties'),
    'log4j.rootLogger=WARN, stdout\nlog4j.appender.stdout=org.apache.log4j.ConsoleAppender\nlog4j.appender.stdout.layout=org.apache.log4j.PatternLayout\nlog4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n\n',
  );
  writeFileSync(
    join(dir, 'log4j2.properties'),
    'status = warn\nappender.stdout.type = Console\nappender.stdout.name = STDOUT\nappender.stdout.layout.type = PatternLayout\nappender.stdout.layout.pattern = [%d] %p %m (%c)%n\nrootLogger.level = WARN\nrootLogger.appenderRef.stdout.ref = STDOUT\n',
  );
  const java = [
    '-Xms128m',
    '-Xmx384m',
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    version.startsWith('3.')
      ? `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`
      : `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`,
    `-Dkafka.logs.dir=${join(dir, 'logs')}`,
    '-cp',
    `${libs}/*`,
  ];
  const logFile = join(dir, 'kafka.log');
  // A Kafka cluster id is 16 random bytes in URL-safe base64 without padding.
  const clusterId = randomBytes(16).toString('base64url');
  await promisify(execFile)(
    'java',
    [...java, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', properties],
    {
      timeout: 120_000,
    },
  );
  const brokers = `127.0.0.1:${port}`;
  const isReady = async () => {
    const admin = new Kafka({
      brokers: [brokers],
      clientId: 'private-kafka-ready',
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: 2_000,
      requestTimeout: 3_000,
    }).admin();
    try {
      await admin.connect();
      await admin.fetchTopicMetadata({ topics: [] });
      return true;
    } finally {
      await admin.disconnect();
    }
  };
  let child: ChildProcess | undefined;
  const isRunning = (c: ChildProcess | undefined): c is ChildProcess =>
    c !== undefined && c.exitCode === null && c.signalCode === null;
  return {
    brokers,
    async start() {
      const log = openSync(logFile, 'a');
      child = spawn('java', [...java, 'kafka.Kafka', properties], { stdio: ['ignore', log, log] });
      closeSync(log);
      await waitFor(isReady, {
        what: `the private Kafka on ${brokers}`,
        timeoutMs: 120_000,
        intervalMs: 500,
      });
    },
    async kill() {
      const c = child;
      if (!isRunning(c)) return;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill('SIGKILL');
      await exited;
    },
    dispose() {
      if (isRunning(child)) child.kill('SIGKILL');
    },
  };
}
