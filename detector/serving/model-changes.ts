// Every change of a served model (promotion, rollback, a version that failed to
// load, a retraining step) is logged, counted, stored as a model event (and so
// sent to InfluxDB) and pushed to the page, whoever caused it: the retrainer,
// the page, or `gruwatch models promote|rollback` moving the registry pointer.
import type { Clock, Logger, Telemetry } from '../../core/index.js';
import type { LocalStore, ModelEventRecord } from '../sinks/index.js';
import type { ServedModels } from './served-models.js';

export interface ModelChanges {
  record(event: ModelEventRecord): void;
  /** Serves what the registry's pointers now say; each model that moved becomes an event. */
  refresh(): Promise<void>;
  /** Refreshes every `intervalMs` (one refresh at a time); returns the stop function. */
  watch(intervalMs: number): () => void;
}

export interface ModelChangesDeps {
  models: Pick<ServedModels, 'refresh'>;
  store: Pick<LocalStore, 'commit'>;
  metrics: Pick<Telemetry, 'count'>;
  clock: Clock;
  logger: Logger;
  /** The model's view changed (for the page). */
  onChange(model: string): void;
}

export function createModelChanges(deps: ModelChangesDeps): ModelChanges {
  const { store, metrics, clock, logger: log } = deps;
  const record = (event: ModelEventRecord): void => {
    metrics.count('model_events_total', { model: event.model, event: event.event });
    log.info(
      {
        model: event.model,
        event: event.event,
        modelVersion: event.version,
        previousVersion: event.previousVersion,
        reason: event.reason,
      },
      'Model event.',
    );
    try {
      store.commit({ scores: [], alerts: [], frames: [], modelEvents: [event] });
    } catch (err) {
      // The event is logged and counted; a full outbox must not stop a model change.
      log.error({ err, model: event.model, event: event.event }, 'Could not store a model event.');
    }
    deps.onChange(event.model);
  };
  const refresh = async (): Promise<void> => {
    for (const change of await deps.models.refresh()) {
      metrics.count('model_changes_total', {
        model: change.name,
        kind: change.isRollback ? 'rollback' : 'promotion',
      });
      record({
        atMs: clock.nowMs(),
        model: change.name,
        event: change.isRollback ? 'rolled_back' : 'promoted',
        version: change.toVersion,
        ...(change.fromVersion === undefined ? {} : { previousVersion: change.fromVersion }),
      });
    }
  };
  return {
    record,
    refresh,
    watch(intervalMs) {
      let isRefreshing = false;
      const timer = setInterval(() => {
        if (isRefreshing) return;
        isRefreshing = true;
        refresh()
          .catch((err: unknown) => log.error({ err }, 'Could not check the model registry.'))
          .finally(() => {
            isRefreshing = false;
          });
      }, intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
