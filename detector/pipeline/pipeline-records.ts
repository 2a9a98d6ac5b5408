// The records the sinks carry for what the live pipeline judged: alert events of the lifecycle
// and channels going silent or coming back.
import type { MonitorResult } from '../asset-monitor.js';
import type { ChannelQualityEvent } from '../channel-silence.js';
import type { AlertEventRecord } from '../sinks/index.js';

export function toAlertRecord(
  event: MonitorResult['events'][number],
  modelVersion: string,
): AlertEventRecord | undefined {
  // The sinks carry the three lifecycle events operators act on; flapping marks travel on them.
  if (event.type !== 'opened' && event.type !== 'escalated' && event.type !== 'resolved') return undefined;
  return {
    id: event.id,
    assetId: event.assetId,
    type: event.type,
    severity: event.severity,
    ratio: event.ratio ?? 0,
    peakRatio: event.peakRatio,
    topChannels: event.topChannels.map((c) => c.channel),
    atMs: event.atMs,
    openedAtMs: event.openedAtMs,
    modelVersion,
    ...(event.reason ? { reason: event.reason } : {}),
  };
}

/** A channel going silent or coming back, as the event the sinks carry (type data_quality). */
export function toDataQualityRecord(event: ChannelQualityEvent, modelVersion: string): AlertEventRecord {
  return {
    id: `${event.assetId}-${event.channel}-silent-${event.lastValueAtMs}`,
    assetId: event.assetId,
    type: 'data_quality',
    severity: 'warning',
    ratio: 0,
    peakRatio: 0,
    topChannels: [event.channel],
    atMs: event.atMs,
    openedAtMs: event.lastValueAtMs,
    modelVersion,
    reason: event.kind,
  };
}
