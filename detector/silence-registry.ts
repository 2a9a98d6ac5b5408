// The silences of a running service: those from the configuration (no id) and
// those added through the API, which are kept in the store with a stable id and
// come back at start. The monitor holds what is in force; the store is the
// record, so a silence ended elsewhere (another process, its end time) leaves
// the monitor at the next look.
import type { Clock } from '../core/index.js';
import type { AssetMonitor } from './asset-monitor.js';
import type { Silence } from './config.js';

/** A silence as the store keeps it. */
export interface KeptSilence extends Silence {
  id: string;
  createdAtMs: number;
}

/** Where API silences are kept: the local store. */
export interface SilenceStore {
  saveSilence(silence: KeptSilence): void;
  /** Ends the silence now; false when no silence has this id. */
  deleteSilence(id: string): boolean;
  /** The kept silences still in force at `nowMs`. */
  readSilences(nowMs: number): KeptSilence[];
}

/** A silence as listed: configured ones have no id. */
export interface ListedSilence extends Silence {
  id: string | null;
  source: 'config' | 'api';
  createdAtMs?: number;
}

export interface SilenceRegistry {
  /** Number of kept silences restored from the store at creation. */
  readonly restored: number;
  /** Every silence in force, configured and kept. */
  list(): ListedSilence[];
  /** Keeps the silence and puts it in force; returns it with its new id. */
  add(input: Silence): ListedSilence & { id: string };
  /**
   * Ends the silence with this id; a value that is no id ends every kept silence with exactly
   * that asset pattern (pages written before silences had ids), and configured ones with it
   * until the next start. True when any silence ended.
   */
  remove(idOrPattern: string): boolean;
}

export interface SilenceRegistryDeps {
  monitor: Pick<AssetMonitor, 'addSilence' | 'removeSilence' | 'silences'>;
  store: SilenceStore;
  clock: Clock;
  newId(): string;
}

export function createSilenceRegistry(deps: SilenceRegistryDeps): SilenceRegistry {
  const { monitor, store, clock } = deps;
  const byId = new Map<string, Silence>();
  const idOf = new WeakMap<Silence, string>();

  const track = (kept: KeptSilence): void => {
    const silence: Silence = {
      assetPattern: kept.assetPattern,
      untilMs: kept.untilMs,
      reason: kept.reason,
      createdBy: kept.createdBy,
    };
    byId.set(kept.id, silence);
    idOf.set(silence, kept.id);
    monitor.addSilence(silence);
  };
  // Drops what the store no longer has in force, and every silence past its end.
  const prune = (): void => {
    const nowMs = clock.nowMs();
    const inForce = new Set(store.readSilences(nowMs).map((s) => s.id));
    for (const [id, silence] of byId) {
      if (inForce.has(id)) continue;
      monitor.removeSilence((s) => s === silence);
      byId.delete(id);
    }
    monitor.removeSilence((s) => s.untilMs <= nowMs);
  };

  for (const kept of store.readSilences(clock.nowMs())) track(kept);
  const restored = byId.size;

  return {
    restored,
    list() {
      prune();
      return monitor.silences().map((silence) => {
        const id = idOf.get(silence);
        return { id: id ?? null, source: id === undefined ? 'config' : 'api', ...silence };
      });
    },
    add(input) {
      prune();
      const kept: KeptSilence = { id: deps.newId(), ...input, createdAtMs: clock.nowMs() };
      store.saveSilence(kept);
      track(kept);
      return { ...kept, source: 'api' };
    },
    remove(idOrPattern) {
      const silence = byId.get(idOrPattern);
      if (silence !== undefined) {
        store.deleteSilence(idOrPattern);
        byId.delete(idOrPattern);
        return monitor.removeSilence((s) => s === silence) > 0;
      }
      for (const [id, kept] of byId) {
        if (kept.assetPattern !== idOrPattern) continue;
        store.deleteSilence(id);
        byId.delete(id);
      }
      return monitor.removeSilence((s) => s.assetPattern === idOrPattern) > 0;
    },
  };
}
