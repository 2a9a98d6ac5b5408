// How an asset's status reads on the page: one label and one colour class per
// status, with the severity for an alerting asset.
import type { AssetStatus } from '../../api/api-types.js';
import { h } from './dom.js';

const labels: Record<AssetStatus, string> = {
  normal: 'normal',
  pending: 'pending',
  alerting: 'alerting',
  clearing: 'clearing',
  cooldown: 'cooldown',
  off: 'off',
  gap: 'data gap',
  unknown: 'unknown',
  silenced: 'silenced',
  maintenance: 'maintenance',
};

/** Sort rank: what needs attention first. */
export const statusRank: Record<AssetStatus, number> = {
  alerting: 0,
  clearing: 1,
  pending: 2,
  gap: 3,
  unknown: 4,
  cooldown: 5,
  normal: 6,
  silenced: 7,
  maintenance: 8,
  off: 9,
};

export function statusLabel(status: AssetStatus, severity: 'warning' | 'critical' | null): string {
  const label = labels[status] ?? status;
  return (status === 'alerting' || status === 'clearing') && severity !== null
    ? `${label} · ${severity}`
    : label;
}

export function statusBadge(status: AssetStatus, severity: 'warning' | 'critical' | null): HTMLSpanElement {
  const badge = h('span', { class: 'badge' });
  updateBadge(badge, status, severity);
  return badge;
}

export function updateBadge(
  badge: HTMLElement,
  status: AssetStatus,
  severity: 'warning' | 'critical' | null,
): void {
  badge.textContent = statusLabel(status, severity);
  badge.dataset.status = status;
  if (severity !== null && (status === 'alerting' || status === 'clearing'))
    badge.dataset.severity = severity;
  else delete badge.dataset.severity;
}
