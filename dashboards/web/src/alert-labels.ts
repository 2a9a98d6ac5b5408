// An alert's period as an operator label: "Mark as normal" asks retraining to
// learn it (a new operating point), "Mark not normal" to keep it out of the
// training data for good. The body is what `POST /api/labels` takes.

import type { LabelBody } from '../../api/api-types.js';
import type { AlertPeriod } from './alert-periods.js';

/** `nowMs` ends a label of an alert still open; the period is never empty. */
export function labelFromAlert(alert: AlertPeriod, kind: LabelBody['kind'], nowMs: number): LabelBody {
  const endMs = alert.resolvedAtMs ?? nowMs;
  return {
    assetPattern: alert.assetId,
    fromMs: alert.openedAtMs,
    toMs: Math.max(endMs, alert.openedAtMs + 1),
    kind,
    reason:
      kind === 'normal'
        ? `new normal, marked from alert ${alert.id}`
        : `not normal, marked from alert ${alert.id}`,
    createdBy: 'live page',
  };
}
