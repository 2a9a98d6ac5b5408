// `gruwatch bridge -c FILE`: runs the MQTT → Kafka bridge of the `bridge`
// section, with /healthz, /readyz and /metrics on `bridge.http`.
import type { Command } from 'commander';
import Fastify from 'fastify';
import { createRootLogger, PipelineError, systemClock } from '../core/index.js';
import { createServiceMetrics } from '../dashboards/api/index.js';
import { assetStatusSchema } from '../detector/index.js';
import { createMqttKafkaBridge } from '../ingest/index.js';
import type { CliIo } from './cli-io.js';
import { configSchema } from './config.js';
import { loadConfig } from './load-config.js';
import { waitForStopSignal } from './stop-signal.js';

export function registerBridgeCommand(program: Command, io: CliIo): void {
  program
    .command('bridge')
    .description(
      'bridge MQTT into Kafka keyed by asset (QoS 1 in, acks=all out, PUBACK after Kafka acknowledged), for instances that read Kafka as a consumer group',
    )
    .requiredOption(
      '-c, --config <file>',
      'YAML configuration file with a `bridge` section',
      io.env.GRUWATCH_CONFIG,
    )
    .action(async (options: { config: string }) => {
      const loaded = loadConfig(configSchema, { file: options.config, env: io.env });
      const bridgeConfig = loaded.config.bridge;
      if (bridgeConfig === undefined) {
        throw new PipelineError(
          'CONFIG_INVALID',
          `${options.config} has no \`bridge\` section; add bridge.mqtt, bridge.decoder and bridge.kafka (see deploy/config/example.yaml).`,
        );
      }
      const logger = createRootLogger({ level: loaded.config.logging.level });
      for (const warning of loaded.warnings) logger.warn({ warning }, 'Configuration warning.');
      const metrics = createServiceMetrics({ assetStatuses: assetStatusSchema.options });
      const bridge = createMqttKafkaBridge(bridgeConfig, {
        logger,
        clock: systemClock,
        telemetry: metrics,
      });
      const http = Fastify({ logger: false });
      http.get('/healthz', async () => ({ status: 'ok' }));
      http.get('/readyz', async (_request, reply) =>
        bridge.isLive() ? { status: 'ready' } : reply.code(503).send({ status: 'not ready' }),
      );
      http.get('/metrics', async (_request, reply) =>
        reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
      );
      const address = await http.listen({ host: bridgeConfig.http.host, port: bridgeConfig.http.port });
      logger.info({ address }, 'Bridge health and metrics are served.');
      const stopped = waitForStopSignal((signal) =>
        logger.info({ signal }, 'Shutting down; a second signal exits at once.'),
      );
      try {
        await Promise.race([bridge.start(), stopped]);
      } catch (err) {
        // A permanent refusal (credentials, subscription): close everything so the process exits.
        await bridge.stop();
        await http.close();
        throw err;
      }
      await stopped;
      await bridge.stop();
      await http.close();
      logger.flush();
    });
}
