// The header badge for events a sink has not delivered yet: polls
// `GET /api/deliveries` and names the sink whose oldest waiting event is the
// oldest, once it has waited longer than a minute (a receiver outage).
import type { DeliveriesResponse, SinkDelivery } from '../../api/api-types.js';
import type { ApiClient } from './api-client.js';
import { formatDuration } from './dom.js';

const pollMs = 30_000;
const showAfterMs = 60_000;

/** The text of the badge, or null when every sink is keeping up. */
export function describeUndelivered(sinks: readonly SinkDelivery[]): string | null {
  let worst: SinkDelivery | undefined;
  for (const s of sinks)
    if ((s.oldestUndeliveredAgeMs ?? 0) > (worst?.oldestUndeliveredAgeMs ?? showAfterMs)) worst = s;
  if (worst === undefined) return null;
  return `${worst.sink}: ${worst.queuedRows} undelivered, oldest ${formatDuration(worst.oldestUndeliveredAgeMs ?? 0)}`;
}

export function startDeliveryBadge(api: ApiClient, el: HTMLElement): void {
  const refresh = async () => {
    try {
      const { sinks } = await api.get<DeliveriesResponse>('api/deliveries');
      const text = describeUndelivered(sinks);
      el.hidden = text === null;
      el.textContent = text ?? '';
    } catch {
      // An older service without the endpoint, or a passing error: no badge.
      el.hidden = true;
    }
  };
  void refresh();
  setInterval(() => void refresh(), pollMs);
}
