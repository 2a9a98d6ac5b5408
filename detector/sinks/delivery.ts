// Wiring of the configured sinks: the routes the local store needs at open,
// and one started drainer per sink over the store's outbox.
import type { Clock, Logger, Telemetry } from '../../core/index.js';
import type { SinksConfig } from './config.js';
import { createInfluxdbRoute, createInfluxdbSink } from './influxdb-sink.js';
import type { LocalStore } from './local-store.js';
import { createOutboxDrainer, type OutboxDrainer, type Sleep } from './outbox-drainer.js';
import type { OutboxRoute } from './sink.js';
import { createWebhookRoute, createWebhookSink } from './webhook-sink.js';

/** Routes for `createLocalStore`; `source` is the webhook events' `source` (`alertEventSource`). */
export function createSinkRoutes(sinks: SinksConfig, options: { source: string }): OutboxRoute[] {
  return sinks.map((sink) =>
    sink.type === 'influxdb' ? createInfluxdbRoute(sink) : createWebhookRoute(sink, options),
  );
}

export interface SinkDrainersDeps {
  clock: Clock;
  logger: Logger;
  telemetry?: Telemetry;
  /** gruwatch's version for the webhook user-agent. */
  version: string;
  sleep?: Sleep;
  random?: () => number;
}

/** Creates one drainer per configured sink over `store`'s outbox; call `start()` on each. */
export function createSinkDrainers(
  sinks: SinksConfig,
  store: LocalStore,
  deps: SinkDrainersDeps,
): OutboxDrainer[] {
  return sinks.map((config) => {
    const sink =
      config.type === 'influxdb'
        ? createInfluxdbSink(config, deps)
        : createWebhookSink(config, { clock: deps.clock, logger: deps.logger, version: deps.version });
    return createOutboxDrainer(sink, store.outbox, config.retry, {
      clock: deps.clock,
      logger: deps.logger,
      telemetry: deps.telemetry,
      sleep: deps.sleep,
      random: deps.random,
      onEnqueue: (listener) => store.onCommit(listener),
    });
  });
}
