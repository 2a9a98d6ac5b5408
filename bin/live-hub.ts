// Fan-out of live events to the page's server-sent event streams. Listeners
// that throw are dropped rather than allowed to disturb the pipeline.
import type { LiveEvent } from '../dashboards/api/index.js';

export interface LiveHub {
  publish(event: LiveEvent): void;
  subscribe(listener: (event: LiveEvent) => void): () => void;
  readonly listenerCount: number;
}

export function createLiveHub(): LiveHub {
  const listeners = new Set<(event: LiveEvent) => void>();
  return {
    publish(event) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch {
          listeners.delete(listener);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get listenerCount() {
      return listeners.size;
    },
  };
}
