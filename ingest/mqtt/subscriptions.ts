// What the source's connections subscribe to. One connection subscribes to the filters themselves
// (or through `sharedGroup`); several connections subscribe through a shared subscription whose
// group is this instance's own, derived from its client id, so that the broker spreads the
// instance's messages over its connections and no other instance joins the group.
import type { MqttConfig } from '../config.js';

export interface Subscriptions {
  filters: readonly string[];
  /**
   * The other form of the same filters: a persistent session may still hold it from a run with
   * another number of connections, and would then deliver every message twice.
   */
  staleFilters: readonly string[];
}

/** The share group of an instance's own connections: its client id, without what a group name cannot hold. */
export function ownShareGroup(clientId: string): string {
  return clientId.replace(/[/+#]/g, '_');
}

const shared = (group: string, filters: readonly string[]) => filters.map((f) => `$share/${group}/${f}`);

export function subscriptionsOf(
  config: Pick<MqttConfig, 'connections' | 'sharedGroup'>,
  clientId: string,
  filters: readonly string[],
): Subscriptions {
  const own = shared(ownShareGroup(clientId), filters);
  if (config.connections > 1) return { filters: own, staleFilters: filters };
  if (config.sharedGroup !== undefined)
    return { filters: shared(config.sharedGroup, filters), staleFilters: [] };
  return { filters, staleFilters: own };
}
