// One short line per alert event on the terminal, read from the store the
// service writes them to (the same rows /api/alerts serves), oldest first.

import type { LocalStore } from './local-store.js';
import type { AlertEventRecord } from './records.js';

const clockTime = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

/** `12:04:31 opened   pump-003 warning  score 2.4× threshold  top: flow_m3h, motor_current_a` */
export function formatAlertLine(event: AlertEventRecord): string {
  const time = clockTime(event.atMs);
  const top = event.topChannels.slice(0, 3).join(', ');
  const ratio = event.type === 'opened' ? event.ratio : event.peakRatio;
  const ratioText = `${event.type === 'opened' ? 'score' : 'peak'} ${ratio.toFixed(1)}× threshold`;
  return `${time} ${event.type.padEnd(8)} ${event.assetId} ${event.severity.padEnd(8)} ${ratioText}${top ? `  top: ${top}` : ''}${event.reason ? `  (${event.reason})` : ''}`;
}

export interface AlertFeed {
  /** Reports the events stored since the last call (or since the feed began), oldest first. */
  poll(): AlertEventRecord[];
}

const keyOf = (e: AlertEventRecord): string => `${e.id}\u0000${e.type}\u0000${e.atMs}`;

/** Events already in the store when the feed begins (an earlier run's, with --data-dir) are not reported. */
export function createAlertFeed(store: Pick<LocalStore, 'queryAlerts'>, pageSize = 100): AlertFeed {
  // Only the newest page can hold new events, so only its keys are kept: bounded however long it runs.
  let seen = new Set(store.queryAlerts({ newestFirst: true, limit: pageSize }).map(keyOf));
  return {
    poll() {
      const page = store.queryAlerts({ newestFirst: true, limit: pageSize });
      const fresh = page.filter((e) => !seen.has(keyOf(e))).reverse();
      seen = new Set(page.map(keyOf));
      return fresh;
    },
  };
}
