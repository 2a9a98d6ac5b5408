// What kafkajs says when the source creates its clients: creating a producer
// needs no broker, so this runs without one.
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createDeadLetterProducer } from './kafka-source.js';

describe('Kafka source', () => {
  it('creates its dead-letter producer without kafkajs warning about the default partitioner', () => {
    const warnings: string[] = [];
    const kafka = new kafkajs.Kafka({
      brokers: ['127.0.0.1:1'],
      logLevel: kafkajs.logLevel.WARN,
      logCreator: () => (entry) => {
        warnings.push(entry.log.message);
      },
    });
    createDeadLetterProducer(kafka);
    expect(warnings).toEqual([]);
    // The same client warns for a producer left to the default: the check can see the warning.
    kafka.producer();
    expect(warnings.join('\n')).toMatch(/partitioner/);
  });
});
