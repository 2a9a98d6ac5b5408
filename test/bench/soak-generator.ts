// The service soak's load generator, run as a child process by soak-generator-process.ts: an
// embedded MQTT broker and the plant publishing to it, one message per tick with every asset's
// readings (a gateway's batch), and now and then a message from an asset id never seen before.
// Nothing of the service runs here; the parent holds the simulated clock.
import mqtt from 'mqtt';
import { startEmbeddedBroker } from '../../ingest/index.js';
import type {
  GeneratorCounts,
  GeneratorReply,
  GeneratorRequest,
  GeneratorSettings,
} from './soak-generator-process.js';
import { createSoakPlant } from './soak-plant.js';

const settings = JSON.parse(process.argv[2] ?? '') as GeneratorSettings;
const { assetIds, channels, noise, valueAt, faultOf } = createSoakPlant(settings);
const send = (reply: GeneratorReply) => process.send?.(reply);

const broker = await startEmbeddedBroker();
const plant = await mqtt.connectAsync(broker.url, { clientId: 'soak-plant', protocolVersion: 4 });
const counts: GeneratorCounts = { messages: 0, readings: 0, unknownIds: 0, rssBytes: 0 };

async function publish(fromMs: number, toMs: number): Promise<void> {
  const sends: Promise<unknown>[] = [];
  for (let tickMs = fromMs; tickMs < toMs; tickMs += settings.periodMs) {
    const readings = assetIds.map((asset, a) => ({
      asset,
      ts: tickMs,
      values: Object.fromEntries(
        channels.map((ch, c) => [ch, valueAt(tickMs, a, c) + (c === 0 ? faultOf(tickMs, a) : 0)]),
      ),
    }));
    sends.push(plant.publishAsync(settings.topic, JSON.stringify(readings), { qos: 1 }));
    counts.messages++;
    counts.readings += readings.length * channels.length;
    if (noise() + 0.5 < settings.unknownShare * assetIds.length) {
      // A stranger: an id never seen before, a few readings, then silence.
      const asset = `x-${Math.floor((noise() + 0.5) * 1e12).toString(36)}`;
      counts.unknownIds++;
      sends.push(
        plant.publishAsync(settings.topic, JSON.stringify([{ asset, ts: tickMs, values: { ch0: 1 } }]), {
          qos: 1,
        }),
      );
      counts.messages++;
      counts.readings++;
    }
  }
  await Promise.all(sends);
}

process.on('message', async (request: GeneratorRequest) => {
  if (request.type === 'publish') {
    await publish(request.fromMs, request.toMs);
    send({ type: 'published', ...counts, rssBytes: process.memoryUsage.rss() });
    return;
  }
  await plant.endAsync();
  await broker.close();
  send({ type: 'stopped' });
});
// Without the soak there is nothing to publish for (also when it failed and exited).
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', brokerUrl: broker.url });
