// Alert events → alerts: events are grouped by alert id into one record with
// its start, end (when resolved), highest severity and latest top channels.
import type { AlertEventView, Severity } from '../../api/api-types.js';
import { channelNames } from './dom.js';

export interface AlertPeriod {
  id: string;
  assetId: string;
  severity: Severity;
  openedAtMs: number;
  resolvedAtMs: number | null;
  peakRatio: number;
  topChannels: string[];
  lastEventAtMs: number;
  flapping: boolean;
}

export function groupAlertEvents(events: readonly AlertEventView[]): AlertPeriod[] {
  const byId = new Map<string, AlertPeriod>();
  for (const event of [...events].sort((a, b) => a.atMs - b.atMs)) {
    // A silent or restored channel is a fact about the data, not an alert period.
    if (event.type === 'data_quality') continue;
    let period = byId.get(event.id);
    if (period === undefined) {
      period = {
        id: event.id,
        assetId: event.assetId,
        severity: event.severity,
        openedAtMs: event.openedAtMs,
        resolvedAtMs: null,
        peakRatio: event.peakRatio,
        topChannels: channelNames(event.topChannels),
        lastEventAtMs: event.atMs,
        flapping: false,
      };
      byId.set(event.id, period);
    }
    if (event.severity === 'critical') period.severity = 'critical';
    period.peakRatio = Math.max(period.peakRatio, event.peakRatio);
    if (event.topChannels.length > 0) period.topChannels = channelNames(event.topChannels);
    period.lastEventAtMs = event.atMs;
    if (event.type === 'resolved') period.resolvedAtMs = event.atMs;
    if (event.type === 'flapping_started') period.flapping = true;
    if (event.type === 'flapping_ended') period.flapping = false;
  }
  return [...byId.values()].sort((a, b) => b.openedAtMs - a.openedAtMs);
}
