// The bridge benchmark: MQTT messages per second from the real Mosquitto into
// the real Kafka through `createMqttKafkaBridge` (one message in flight, PUBACK
// after Kafka's acks=all), for one reading per message and for batches of many
// assets per message. Prints exactly one JSON object on stdout.
import { randomBytes } from 'node:crypto';
import kafkajs from 'kafkajs';
import mqtt from 'mqtt';
import { createSilentLogger, MemoryTelemetry, systemClock } from '../../core/index.js';
import { bridgeConfigSchema } from '../bridge/config.js';
import { createMqttKafkaBridge } from '../bridge/mqtt-kafka-bridge.js';

const brokerUrl =
  process.env.MOSQUITTO_URL ?? process.env.GRUWATCH_TEST_MOSQUITTO_URL ?? 'mqtt://127.0.0.1:18830';
const kafkaBrokers = (
  process.env.KAFKA_BROKERS ??
  process.env.GRUWATCH_TEST_KAFKA_BROKERS ??
  '127.0.0.1:19092'
).split(',');

const messages = Number(process.env.BRIDGE_BENCH_MESSAGES ?? 3000);

async function pass(assetsPerMessage: number): Promise<Record<string, number>> {
  const id = randomBytes(4).toString('hex');
  const topic = `gw-bridge-bench-${id}`;
  const kafka = new kafkajs.Kafka({
    clientId: 'bridge-bench',
    brokers: kafkaBrokers,
    logLevel: kafkajs.logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });
  const telemetry = new MemoryTelemetry();
  const bridge = createMqttKafkaBridge(
    bridgeConfigSchema.parse({
      mqtt: { url: brokerUrl, clientId: `bridge-bench-${id}`, topics: [`bench-${id}/{asset}`] },
      decoder: { type: 'json' },
      kafka: { brokers: kafkaBrokers, topic },
    }),
    { logger: createSilentLogger(), clock: systemClock, telemetry },
  );
  await bridge.start();
  const publisher = await mqtt.connectAsync(brokerUrl, { clientId: `bridge-bench-pub-${id}` });
  const t0 = Date.now() - 3_600_000;
  const started = performance.now();
  for (let n = 0; n < messages; n++) {
    const batch = Array.from({ length: assetsPerMessage }, (_, a) => ({
      asset: `pump-${a}`,
      channel: 'flow',
      value: n,
      ts: t0 + n,
    }));
    // Not awaited one by one: the broker takes them as fast as the publisher sends.
    void publisher.publishAsync(`bench-${id}/line`, JSON.stringify(batch), { qos: 1 });
  }
  while (telemetry.get('bridge_readings_total') < messages * assetsPerMessage) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const seconds = (performance.now() - started) / 1000;
  await publisher.endAsync();
  await bridge.stop();
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.disconnect();
  return {
    messages,
    assetsPerMessage,
    seconds: Math.round(seconds * 100) / 100,
    messagesPerSecond: Math.round(messages / seconds),
    readingsPerSecond: Math.round((messages * assetsPerMessage) / seconds),
    kafkaRecordsPerSecond: Math.round(telemetry.get('bridge_records_total') / seconds),
  };
}

const single = await pass(1);
const batched = await pass(50);
process.stdout.write(`${JSON.stringify({ brokerUrl, kafkaBrokers, single, batched })}\n`);
