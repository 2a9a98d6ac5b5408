// The Kafka source's own log lines, without a broker: what kafkajs says while
// the source starts goes through our logger, and nothing of it is noise.
import { describe, expect, it } from 'vitest';
import { createRootLogger, systemClock } from '../../core/index.js';
import { kafkaConfigSchema } from '../config.js';
import { decoderConfigSchema } from '../decode/config.js';
import { createDecoder } from '../decode/create-decoder.js';
import { createKafkaSource } from './kafka-source.js';

describe('Kafka source', () => {
  it('creates its dead-letter producer without kafkajs warning about the default partitioner', async () => {
    const lines: string[] = [];
    const logger = createRootLogger({ level: 'debug' }, { write: (line: string) => lines.push(line) });
    const source = createKafkaSource(
      kafkaConfigSchema.parse({
        // Nothing listens on port 1: the start fails after the clients are created.
        brokers: ['127.0.0.1:1'],
        groupId: 'gw-partitioner-warning',
        topics: ['readings'],
        deadLetterTopic: 'readings-dead',
        connectionTimeoutMs: 100,
      }),
      { decoder: createDecoder(decoderConfigSchema.parse({ type: 'json' })), logger, clock: systemClock },
    );
    // Not awaited: the connection is retried for half a minute; the producer exists long before.
    void source.start(async () => {}).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await source.stop();
    expect(lines.filter((l) => /partitioner/i.test(l))).toEqual([]);
  });
});
