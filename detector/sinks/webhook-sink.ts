// The webhook sink: one signed POST per alert event, body a versioned
// CloudEvents-style envelope built at commit time (so a redelivery sends the
// same bytes and the same idempotency key). 2xx delivers; 401 and 403 (a
// credential being rotated), 408, 429, 5xx and network errors are retriable,
// with the server's Retry-After when it sends one; any other status is final
// (dead letter).
import { createHash } from 'node:crypto';
import {
  type Clock,
  type Logger,
  matchesAssetPattern,
  PipelineError,
  SinkThrottledError,
} from '../../core/index.js';
import { sinkQueueName, type WebhookSinkConfig } from './config.js';
import { type AlertEventRecord, type RecordBatch, severityRank } from './records.js';
import { parseRetryAfterMs } from './retry-policy.js';
import type { OutboxEntry, OutboxRoute, Sink } from './sink.js';
import { signWebhook } from './webhook-signature.js';

export const alertEventDataSchemaName = 'https://gruwatch.dev/schemas/alert-event/v1';

export interface AlertEventEnvelope {
  specversion: '1.0';
  type: `io.gruwatch.alert.${AlertEventRecord['type']}`;
  source: string;
  id: string;
  time: string;
  datacontenttype: 'application/json';
  dataschema: typeof alertEventDataSchemaName;
  data: {
    version: 1;
    alertId: string;
    assetId: string;
    event: AlertEventRecord['type'];
    severity: AlertEventRecord['severity'];
    ratio: number;
    peakRatio: number;
    topChannels: readonly string[];
    atMs: number;
    openedAtMs: number;
    modelVersion: string;
    reason: string | null;
  };
}

/** Stable over restarts and redeliveries: the same endpoint and event always give the same key. */
export function webhookIdempotencyKey(endpointName: string, event: AlertEventRecord): string {
  return createHash('sha256')
    .update(JSON.stringify([endpointName, event.id, event.type, event.atMs]))
    .digest('hex')
    .slice(0, 32);
}

/**
 * The CloudEvents `source` of alert events. Receivers deduplicate on (source, id), so an event
 * must carry the same source whichever process sends it: in a Kafka consumer group an asset's
 * alert state follows its partition to another instance, and the group, not the instance, is
 * where the event happened.
 */
export function alertEventSource(names: { instance: string; consumerGroup?: string }): string {
  return `gruwatch/${names.consumerGroup ?? names.instance}`;
}

export function buildAlertEnvelope(source: string, key: string, event: AlertEventRecord): AlertEventEnvelope {
  return {
    specversion: '1.0',
    type: `io.gruwatch.alert.${event.type}`,
    source,
    id: key,
    time: new Date(event.atMs).toISOString(),
    datacontenttype: 'application/json',
    dataschema: alertEventDataSchemaName,
    data: {
      version: 1,
      alertId: event.id,
      assetId: event.assetId,
      event: event.type,
      severity: event.severity,
      ratio: event.ratio,
      peakRatio: event.peakRatio,
      topChannels: event.topChannels,
      atMs: event.atMs,
      openedAtMs: event.openedAtMs,
      modelVersion: event.modelVersion,
      reason: event.reason ?? null,
    },
  };
}

/** True when the endpoint's filters (assets, minimum severity, event types) let `event` through. */
export function isWebhookEventSelected(config: WebhookSinkConfig, event: AlertEventRecord): boolean {
  return (
    config.events.includes(event.type) &&
    severityRank[event.severity] >= severityRank[config.minSeverity] &&
    config.assets.some((pattern) => matchesAssetPattern(pattern, event.assetId))
  );
}

/** The outbox route of one endpoint: one row per selected alert event. */
export function createWebhookRoute(config: WebhookSinkConfig, options: { source: string }): OutboxRoute {
  return {
    sink: sinkQueueName(config),
    ...(config.deadLetterMaxAgeDays === undefined
      ? {}
      : { deadLetterMaxAgeMs: config.deadLetterMaxAgeDays * 86_400_000 }),
    encode(batch: RecordBatch): OutboxEntry[] {
      const entries: OutboxEntry[] = [];
      for (const event of batch.alerts) {
        if (!isWebhookEventSelected(config, event)) continue;
        const key = webhookIdempotencyKey(config.name, event);
        entries.push({ key, payload: JSON.stringify(buildAlertEnvelope(options.source, key, event)) });
      }
      return entries;
    },
  };
}

// Statuses below 500 that may succeed later: an expired or rotated credential, a timeout, throttling.
const retriableStatuses = new Set([401, 403, 408, 429]);

export interface WebhookSinkDeps {
  clock: Clock;
  logger: Logger;
  /** gruwatch's version, sent as `user-agent: gruwatch/<version>`. */
  version: string;
}

export function createWebhookSink(config: WebhookSinkConfig, deps: WebhookSinkDeps): Sink {
  const logger = deps.logger.child({ component: 'detector.sinks.webhook', sink: config.name });
  const target = new URL(config.url);
  // Logged without credentials or query, which may carry tokens.
  const where = `${target.protocol}//${target.host}${target.pathname}`;
  // Lower-cased so an extra `Content-Type` cannot sit beside ours.
  const extraHeaders = Object.fromEntries(
    Object.entries(config.headers).map(([k, v]) => [k.toLowerCase(), v]),
  );

  async function post(key: string, body: string): Promise<void> {
    const timestampSecs = Math.floor(deps.clock.nowMs() / 1000);
    const headers: Record<string, string> = {
      ...extraHeaders,
      'content-type': 'application/json',
      'user-agent': `gruwatch/${deps.version}`,
      'idempotency-key': key,
      'webhook-id': key,
      'webhook-timestamp': String(timestampSecs),
      'webhook-signature': signWebhook(config.signingKey, timestampSecs, body),
    };
    let response: Response;
    try {
      response = await fetch(config.url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(config.timeoutMs),
      });
    } catch (err) {
      const isTimeout = (err as Error)?.name === 'TimeoutError';
      throw new PipelineError(
        'SINK_WRITE_FAILED',
        isTimeout
          ? `webhook ${config.name} (${where}) did not answer within ${config.timeoutMs} ms`
          : `webhook ${config.name} (${where}) not reachable: ${(err as Error)?.message}`,
        { retriable: true, cause: err, details: { endpoint: config.name, key } },
      );
    }
    // Read the body so the connection can be reused; only a short excerpt is kept.
    const text = await response.text().catch(() => '');
    const status = response.status;
    if (status >= 200 && status < 300) return;
    const details = { endpoint: config.name, key, statusCode: status, body: text.slice(0, 300) };
    const isRetriable = retriableStatuses.has(status) || status >= 500;
    const retryAfterMs = isRetriable
      ? parseRetryAfterMs(response.headers.get('retry-after'), deps.clock.nowMs())
      : undefined;
    if (retryAfterMs !== undefined || status === 429) {
      throw new SinkThrottledError(
        `webhook ${config.name} (${where}) asked to wait (HTTP ${status})`,
        retryAfterMs ?? 0,
        { details },
      );
    }
    throw new PipelineError(
      'SINK_WRITE_FAILED',
      isRetriable
        ? `webhook ${config.name} (${where}) failed with HTTP ${status}`
        : `webhook ${config.name} (${where}) refused the event with HTTP ${status}; fix the receiver, then replay the dead letter`,
      { retriable: isRetriable, details },
    );
  }

  return {
    name: sinkQueueName(config),
    // One event per request; a batch of one keeps "delivered" exact per event.
    maxBatchRows: 1,
    maxBatchBytes: Number.MAX_SAFE_INTEGER,
    async connect() {
      logger.debug({ url: where }, 'Webhook sink ready.');
    },
    async write(rows) {
      for (const row of rows) await post(row.key, row.payload);
    },
    async close() {},
  };
}
