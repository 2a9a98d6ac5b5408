// Alert periods from stored alert events: from the moment an alert opened to
// the moment it resolved, or to now while it is still open. The retraining
// data selection excludes these periods (widened by margins).
import type { AlertEventRecord } from '../sinks/records.js';

export interface AlertPeriod {
  alertId: string;
  assetId: string;
  fromMs: number;
  /** Exclusive: the resolve time, or `nowMs` while the alert is open. */
  toMs: number;
}

/**
 * Groups events by alert id. Events may come in any order, and a query range
 * may start after an alert opened (only `escalated`/`resolved` seen): every
 * event carries `openedAtMs`, so the period still starts where the alert did.
 * Periods come out sorted by start, then alert id.
 */
export function alertPeriods(events: readonly AlertEventRecord[], nowMs: number): AlertPeriod[] {
  const byId = new Map<string, { assetId: string; fromMs: number; resolvedAtMs: number | undefined }>();
  for (const event of events) {
    let period = byId.get(event.id);
    if (period === undefined) {
      period = { assetId: event.assetId, fromMs: event.openedAtMs, resolvedAtMs: undefined };
      byId.set(event.id, period);
    }
    // All events of one alert carry the same openedAtMs; the minimum is kept in
    // case a store rounded one of them differently.
    if (event.openedAtMs < period.fromMs) period.fromMs = event.openedAtMs;
    if (event.type === 'resolved' && (period.resolvedAtMs === undefined || event.atMs > period.resolvedAtMs))
      period.resolvedAtMs = event.atMs;
  }
  const periods: AlertPeriod[] = [];
  for (const [alertId, p] of byId) {
    periods.push({ alertId, assetId: p.assetId, fromMs: p.fromMs, toMs: p.resolvedAtMs ?? nowMs });
  }
  periods.sort((a, b) => a.fromMs - b.fromMs || (a.alertId < b.alertId ? -1 : a.alertId > b.alertId ? 1 : 0));
  return periods;
}
