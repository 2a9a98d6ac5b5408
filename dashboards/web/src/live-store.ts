// What the page knows right now: the latest snapshot of every asset, a short
// history of ratios per asset for the sparklines, recent alert events, and the
// newest view of every model the stream reported (retraining progress).
// Snapshots from the API and events from the stream both land here; views
// subscribe and get the set of changed assets, batched per animation frame,
// so a burst of events for hundreds of assets costs one render.
import type {
  AlertEventView,
  AssetSnapshot,
  LiveMessage,
  ModelView,
  ScorePoint,
  StatusUpdate,
} from '../../api/api-types.js';

const sparklinePoints = 60;
const keptAlertEvents = 500;

export interface AssetEntry {
  snapshot: AssetSnapshot;
  /** Recent ratios, oldest first, at most `sparklinePoints`. */
  ratios: number[];
  /** Severity of the open alert, from the alert events seen. */
  severity: 'warning' | 'critical' | null;
}

export interface Change {
  assets: ReadonlySet<string>;
  /** True when the set of assets changed or alert events arrived. */
  structural: boolean;
  alerts: boolean;
  scores: ScorePoint[];
  /** Names of the models the stream sent a new view of. */
  models: ReadonlySet<string>;
}

/** The key a model view is known by: its name (asset group). */
export function modelKey(model: ModelView): string {
  return model.name;
}

export type Listener = (change: Change) => void;

export class LiveStore {
  readonly assets = new Map<string, AssetEntry>();
  /** Newest first. */
  alertEvents: AlertEventView[] = [];
  /** Newest view per model from the stream, by `modelKey`. */
  readonly models = new Map<string, ModelView>();
  readonly #listeners = new Set<Listener>();
  #dirty = new Set<string>();
  #structural = false;
  #alerts = false;
  #scores: ScorePoint[] = [];
  #models = new Set<string>();
  #scheduled = false;

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  setAssets(snapshots: AssetSnapshot[]): void {
    const seen = new Set<string>();
    for (const snapshot of snapshots) {
      seen.add(snapshot.assetId);
      this.#upsert(snapshot);
    }
    for (const id of [...this.assets.keys()]) {
      if (!seen.has(id)) {
        this.assets.delete(id);
        this.#structural = true;
      }
    }
    this.#schedule();
  }

  /** Merges a fetched list with what the stream delivered meanwhile (either may hold events the other lacks). */
  setAlerts(events: AlertEventView[]): void {
    const byKey = new Map<string, AlertEventView>();
    for (const event of [...this.alertEvents, ...events])
      byKey.set(`${event.id}/${event.type}/${event.atMs}`, event);
    this.alertEvents = [...byKey.values()].sort((a, b) => b.atMs - a.atMs).slice(0, keptAlertEvents);
    for (const entry of this.assets.values()) entry.severity = null;
    // Oldest first, so the newest event of each alert decides.
    for (const event of [...this.alertEvents].reverse()) this.#applySeverity(event);
    this.#alerts = true;
    this.#schedule();
  }

  apply(message: LiveMessage): void {
    switch (message.type) {
      case 'status':
        if ('ratio' in message.data) this.#upsert(message.data);
        else this.#applyStatus(message.data);
        break;
      case 'score': {
        const score = message.data;
        const entry = this.#entry(score.assetId);
        if (score.ratio !== null && Number.isFinite(score.ratio)) pushRatio(entry.ratios, score.ratio);
        if (entry.snapshot.lastAtMs === null || score.atMs >= entry.snapshot.lastAtMs) {
          entry.snapshot = {
            ...entry.snapshot,
            score: score.score,
            threshold: score.threshold,
            ratio: score.ratio,
            lastAtMs: score.atMs,
            ...(score.status !== undefined ? { status: score.status } : {}),
            ...(score.topChannels !== undefined
              ? {
                  topChannels: score.topChannels.map((c) =>
                    typeof c === 'string' ? { channel: c, share: Number.NaN } : c,
                  ),
                }
              : {}),
          };
        }
        this.#dirty.add(score.assetId);
        this.#scores.push(score);
        break;
      }
      case 'alert': {
        const event = message.data;
        this.alertEvents.unshift(event);
        if (this.alertEvents.length > keptAlertEvents) this.alertEvents.length = keptAlertEvents;
        this.#applySeverity(event);
        this.#dirty.add(event.assetId);
        this.#alerts = true;
        break;
      }
      case 'model': {
        // Retraining progress arrives as whole model views; the model view renders
        // them as they come instead of fetching every model again.
        const key = modelKey(message.data);
        this.models.set(key, message.data);
        this.#models.add(key);
        break;
      }
    }
    this.#schedule();
  }

  #applySeverity(event: AlertEventView): void {
    const entry = this.assets.get(event.assetId);
    if (entry === undefined || event.type === 'data_quality') return;
    entry.severity = event.type === 'resolved' ? null : event.severity;
  }

  /** The entry of an asset, created empty when the stream is first to mention it. */
  #entry(assetId: string): AssetEntry {
    let entry = this.assets.get(assetId);
    if (entry === undefined) {
      entry = {
        snapshot: {
          assetId,
          status: 'unknown',
          lastAtMs: null,
          score: null,
          threshold: null,
          ratio: null,
          topChannels: [],
          openAlertId: null,
        },
        ratios: [],
        severity: null,
      };
      this.assets.set(assetId, entry);
      this.#structural = true;
    }
    return entry;
  }

  #applyStatus(update: StatusUpdate): void {
    const entry = this.#entry(update.assetId);
    if (entry.snapshot.lastAtMs === null || update.atMs >= entry.snapshot.lastAtMs) {
      entry.snapshot = { ...entry.snapshot, status: update.status, lastAtMs: update.atMs };
    }
    this.#dirty.add(update.assetId);
  }

  #upsert(snapshot: AssetSnapshot): void {
    const entry = this.assets.get(snapshot.assetId);
    if (entry === undefined) {
      this.assets.set(snapshot.assetId, {
        snapshot,
        ratios: snapshot.ratio !== null ? [snapshot.ratio] : [],
        severity: snapshot.severity ?? null,
      });
      this.#structural = true;
    } else if (entry.snapshot.lastAtMs === null || (snapshot.lastAtMs ?? 0) >= entry.snapshot.lastAtMs) {
      // A fetched snapshot older than what the stream already delivered is stale.
      entry.snapshot = snapshot;
      if (snapshot.severity !== undefined) entry.severity = snapshot.severity;
    }
    this.#dirty.add(snapshot.assetId);
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    requestAnimationFrame(() => {
      this.#scheduled = false;
      const change: Change = {
        assets: this.#dirty,
        structural: this.#structural,
        alerts: this.#alerts,
        scores: this.#scores,
        models: this.#models,
      };
      this.#models = new Set();
      this.#dirty = new Set();
      this.#structural = false;
      this.#alerts = false;
      this.#scores = [];
      for (const listener of this.#listeners) listener(change);
    });
  }
}

function pushRatio(ratios: number[], ratio: number): void {
  ratios.push(ratio);
  if (ratios.length > sparklinePoints) ratios.splice(0, ratios.length - sparklinePoints);
}
