// Scheduled retraining inside `gruwatch run`: per model a timer (interval or
// cron) queues a run; one run at a time executes in a child process
// (retrain-job.ts, run where the service says); the candidate is stored in the registry as a new version
// and then, per the promotion policy, refused, held for approval, run in
// shadow on live windows, or promoted. Promotion only moves the registry's
// `current` pointer; the service's model refresh performs the swap, so a
// retrain, the CLI and the page all change models the same way.
import { Cron } from 'croner';
import {
  type Clock,
  type Logger,
  type ModelArtifactBytes,
  PipelineError,
  type Telemetry,
  type WindowReconstructor,
} from '../../core/index.js';
import {
  type AssetMonitor,
  createAssetMonitor,
  type MonitoredWindow,
  type MonitorResult,
} from '../asset-monitor.js';
import type { DetectorConfig } from '../config.js';
import type { ModelEventKind, ModelEventRecord } from '../sinks/index.js';
import type { Calibration } from '../threshold/calibrate-threshold.js';
import { type RetrainingConfig, type RetrainingSettings, retrainingSettingsFor } from './config.js';
import type { OperatorLabel } from './operator-label.js';
import { decideAfterShadow } from './promotion-decision.js';
import type { RetrainFrameSource, RetrainJobInput, RetrainJobResult } from './retrain-job.js';
import type { SilencePeriod } from './select-training-frames.js';

/** A model as the service serves it: what the shadow comparison needs of it. */
export interface ServedModelPort {
  version: string;
  calibration: Calibration;
  reconstructor: WindowReconstructor;
}

/** The service's served models: asset groups with their model, and loading a version as it would be served. */
export interface ServedModelsPort {
  readonly slots: readonly {
    name: string;
    match: string;
    channels: readonly string[];
    served: ServedModelPort | undefined;
  }[];
  prepare(name: string, version: string): Promise<ServedModelPort>;
}

/** What the retrainer does with the model registry. */
export interface RetrainRegistry {
  add(name: string, bytes: ModelArtifactBytes): Promise<string>;
  promote(name: string, version: string): Promise<void>;
  current(name: string): Promise<string | undefined>;
  versions(name: string): Promise<string[]>;
  rollback(name: string): Promise<{ from: string; to: string }>;
  prune(name: string, options: { keepNewest: number; protect?: readonly string[] }): Promise<string[]>;
}

/** The configuration the retrainer reads. */
export interface RetrainerSettings {
  retraining: RetrainingConfig;
  detector: DetectorConfig;
  periodMs: number;
  window: { lengthSteps: number; hopSteps: number };
  /** Where a run reads frames when its settings say `influxdb`; undefined: there is no InfluxDB sink. */
  influxdb: Extract<RetrainFrameSource, { type: 'influxdb' }> | undefined;
}

export type RetrainOutcome = 'promoted' | 'awaiting_approval' | 'shadow' | 'refused' | 'skipped' | 'failed';

export interface RetrainStatus {
  enabled: boolean;
  schedule: string | null;
  nextRunAtMs: number | null;
  running: boolean;
  progress: { epoch: number; epochs: number } | null;
  lastRun: {
    atMs: number;
    outcome: RetrainOutcome;
    reason: string;
    durationMs: number;
    candidateVersion?: string;
  } | null;
  pendingApproval: { version: string; atMs: number; reasons: string[] } | null;
  shadow: {
    version: string;
    startedAtMs: number;
    endsAtMs: number;
    candidateAlerts: number;
    currentAlerts: number;
  } | null;
}

export interface RetrainerDeps {
  settings: RetrainerSettings;
  models: ServedModelsPort;
  registry: RetrainRegistry;
  storePath: string;
  clock: Clock;
  logger: Logger;
  metrics: Telemetry;
  labels(): OperatorLabel[];
  silences(): SilencePeriod[];
  recordEvent(event: ModelEventRecord): void;
  /** Serves what the registry's pointers now say (the service's refresh, with its events). */
  refreshModels(): Promise<void>;
  /** Something on the model's status changed (for the page). */
  onStatus(model: string): void;
  /** Runs a job; in the service, in a child process at low priority that opens the same registry. */
  runJob(
    input: RetrainJobInput,
    onProgress: (p: { epoch: number; epochs: number }) => void,
    signal: AbortSignal,
  ): Promise<RetrainJobResult>;
}

export interface Retrainer {
  start(): void;
  stop(): Promise<void>;
  status(model: string): RetrainStatus | null;
  /** Queues a run now; resolves when it has finished, with its outcome. */
  retrainNow(model: string): Promise<RetrainStatus['lastRun']>;
  /** Makes `version` current (an approval, or any registry version); resolves after the swap. */
  promote(model: string, version: string): Promise<void>;
  /** Makes the version that served before the current one current again. */
  rollback(model: string): Promise<{ from: string; to: string }>;
  /** Called by the pipeline after the current model judged a window, for the shadow comparison. */
  observe(window: MonitoredWindow, current: MonitorResult, modelName: string | undefined): void;
}

interface ModelState {
  name: string;
  settings: RetrainingSettings;
  status: RetrainStatus;
  timer: ReturnType<typeof setTimeout> | undefined;
  cron: Cron | undefined;
  /** End of the data the last candidate was trained on: a scheduled run without newer data is skipped. */
  trainedThroughMs: number | null;
  shadow:
    | {
        served: ServedModelPort;
        monitor: AssetMonitor;
        /** Data time of the first shadow window; the shadow ends `shadowMs` of data time later. */
        firstWindowAtMs: number | undefined;
      }
    | undefined;
}

function describeSchedule(s: RetrainingSettings): string | null {
  if (s.everyMs !== undefined) return `every ${s.everyMs} ms`;
  if (s.cron !== undefined) return `cron "${s.cron}" (${s.timezone})`;
  return null;
}

export function createRetrainer(deps: RetrainerDeps): Retrainer {
  const { settings: config, clock, metrics } = deps;
  const log = deps.logger.child({ component: 'retrainer' });
  const states = new Map<string, ModelState>();
  for (const slot of deps.models.slots) {
    if (states.has(slot.name)) continue;
    const settings = retrainingSettingsFor(config.retraining, slot.name);
    states.set(slot.name, {
      name: slot.name,
      settings,
      timer: undefined,
      cron: undefined,
      trainedThroughMs: null,
      shadow: undefined,
      status: {
        enabled: settings.enabled,
        schedule: settings.enabled ? describeSchedule(settings) : null,
        nextRunAtMs: null,
        running: false,
        progress: null,
        lastRun: null,
        pendingApproval: null,
        shadow: null,
      },
    });
  }
  let stopped = false;
  const stopping = new AbortController();
  // One run at a time for the whole service: training takes a core.
  let queue: Promise<unknown> = Promise.resolve();

  const stateOf = (model: string): ModelState => {
    const state = states.get(model);
    if (state === undefined)
      throw new PipelineError(
        'CLI_USAGE',
        `no asset group is scored with model "${model}"; models: ${[...states.keys()].join(', ')}`,
        { details: { model } },
      );
    return state;
  };

  const event = (
    state: ModelState,
    kind: ModelEventKind,
    fields: Omit<ModelEventRecord, 'atMs' | 'model' | 'event'> = {},
  ) => {
    deps.recordEvent({ atMs: clock.nowMs(), model: state.name, event: kind, ...fields });
  };

  const finish = (state: ModelState, run: NonNullable<RetrainStatus['lastRun']>) => {
    state.status.lastRun = run;
    metrics.count('retrain_runs_total', { model: state.name, outcome: run.outcome });
    metrics.gauge('retrain_last_run_timestamp_seconds', run.atMs / 1000, { model: state.name });
    deps.onStatus(state.name);
  };

  const promote = async (state: ModelState, version: string): Promise<void> => {
    await deps.registry.promote(state.name, version);
    if (state.status.pendingApproval?.version === version) state.status.pendingApproval = null;
    await deps.refreshModels();
    deps.onStatus(state.name);
  };

  const handleCandidate = async (
    state: ModelState,
    result: Extract<RetrainJobResult, { outcome: 'candidate' }>,
    startedAtMs: number,
  ): Promise<NonNullable<RetrainStatus['lastRun']>> => {
    const base = { atMs: startedAtMs, durationMs: result.durationMs };
    const details = {
      selection: { ...result.selection, excludedPeriods: result.selection.excludedPeriods.slice(0, 10) },
      candidate: result.candidate,
      current: result.current,
      warmStartFrom: result.warmStartFrom,
    };
    let version: string;
    try {
      version = await deps.registry.add(state.name, result.bytes);
    } catch (err) {
      const reason = `the candidate artifact was refused by the registry: ${(err as Error).message}`;
      event(state, 'candidate_refused', { reason });
      return { ...base, outcome: 'refused', reason };
    }
    const reason = result.decision.reasons.join('; ');
    if (!result.decision.accept) {
      event(state, 'candidate_refused', { version, reason, details });
      log.warn(
        { model: state.name, candidateVersion: version, reasons: result.decision.reasons },
        'Candidate refused.',
      );
      return { ...base, outcome: 'refused', reason, candidateVersion: version };
    }
    event(state, 'candidate_accepted', { version, reason, details });
    const current = deps.models.slots.find((s) => s.name === state.name)?.served;
    if (state.settings.shadowMs > 0 && current !== undefined) {
      const served = await deps.models.prepare(state.name, version);
      state.shadow = {
        served,
        firstWindowAtMs: undefined,
        monitor: createAssetMonitor({ config: config.detector, calibrationFor: () => served.calibration }),
      };
      state.status.shadow = {
        version,
        startedAtMs: clock.nowMs(),
        endsAtMs: clock.nowMs() + state.settings.shadowMs,
        candidateAlerts: 0,
        currentAlerts: 0,
      };
      event(state, 'shadow_started', { version, previousVersion: current.version });
      return { ...base, outcome: 'shadow', reason, candidateVersion: version };
    }
    if (state.settings.promotion.mode === 'manual') {
      state.status.pendingApproval = { version, atMs: clock.nowMs(), reasons: result.decision.reasons };
      event(state, 'awaiting_approval', { version, reason });
      return { ...base, outcome: 'awaiting_approval', reason, candidateVersion: version };
    }
    await promote(state, version);
    return { ...base, outcome: 'promoted', reason, candidateVersion: version };
  };

  const runOnce = async (
    state: ModelState,
    isForced: boolean,
  ): Promise<NonNullable<RetrainStatus['lastRun']>> => {
    const startedAtMs = clock.nowMs();
    const currentVersion = (await deps.registry.current(state.name)) ?? null;
    state.status.running = true;
    state.status.progress = null;
    event(state, 'retrain_started', currentVersion === null ? {} : { previousVersion: currentVersion });
    deps.onStatus(state.name);
    const slot = deps.models.slots.find((s) => s.name === state.name)!;
    const source: RetrainFrameSource =
      state.settings.source === 'influxdb' && config.influxdb !== undefined
        ? config.influxdb
        : { type: 'store' };
    const input: RetrainJobInput = {
      model: state.name,
      channels: [...slot.channels],
      groups: deps.models.slots.map((s) => ({ match: s.match, model: s.name })),
      periodMs: config.periodMs,
      window: config.window,
      detector: config.detector,
      settings: state.settings,
      currentVersion,
      storePath: deps.storePath,
      source,
      labels: deps.labels(),
      silences: deps.silences(),
      maintenance: [...config.detector.maintenance],
      trainedThroughMs: isForced ? null : state.trainedThroughMs,
    };
    // A run is stopped by shutdown or by its time limit, whichever comes first; the job kills its
    // child on abort, and the race abandons a job that ignores the signal.
    const limit = new AbortController();
    const onStopping = () => limit.abort(stopping.signal.reason);
    stopping.signal.addEventListener('abort', onStopping, { once: true });
    const { maxRunMs } = config.retraining;
    let isTimedOut = false;
    const timer = setTimeout(() => {
      isTimedOut = true;
      limit.abort(
        new PipelineError(
          'MODEL_TRAINING_FAILED',
          `retraining ran longer than retraining.maxRunMs (${maxRunMs} ms) and was stopped; raise the limit or lower retraining.maxWindows`,
          { details: { model: state.name, maxRunMs } },
        ),
      );
    }, maxRunMs);
    const abandoned = new Promise<never>((_, reject) =>
      limit.signal.addEventListener('abort', () => reject(limit.signal.reason), { once: true }),
    );
    abandoned.catch(() => undefined);
    try {
      const result = await Promise.race([
        deps.runJob(
          input,
          (p) => {
            state.status.progress = { epoch: p.epoch, epochs: p.epochs };
            deps.onStatus(state.name);
          },
          limit.signal,
        ),
        abandoned,
      ]);
      metrics.count('retrain_clean_rows_total', { model: state.name }, result.selection.cleanRows);
      if (result.outcome === 'skipped') {
        event(state, 'retrain_skipped', { reason: result.reason, details: { selection: result.selection } });
        log.warn({ model: state.name, reason: result.reason }, 'Retraining skipped.');
        return {
          atMs: startedAtMs,
          outcome: 'skipped',
          reason: result.reason,
          durationMs: result.durationMs,
        };
      }
      metrics.gauge('retrain_last_duration_seconds', result.durationMs / 1000, { model: state.name });
      state.trainedThroughMs = result.selection.dataRange?.toMs ?? state.trainedThroughMs;
      const run = await handleCandidate(state, result, startedAtMs);
      log.info(
        {
          model: state.name,
          outcome: run.outcome,
          candidateVersion: run.candidateVersion,
          durationMs: run.durationMs,
        },
        `Retraining finished: ${run.outcome}.`,
      );
      return run;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (stopping.signal.aborted) {
        log.info(
          { model: state.name },
          'Retraining interrupted by shutdown; the current model keeps serving.',
        );
        return { atMs: startedAtMs, outcome: 'failed', reason, durationMs: clock.nowMs() - startedAtMs };
      }
      if (isTimedOut) metrics.count('retrain_timeouts_total', { model: state.name });
      event(state, 'retrain_failed', { reason });
      log.error({ err, model: state.name }, 'Retraining failed; the current model keeps serving.');
      return { atMs: startedAtMs, outcome: 'failed', reason, durationMs: clock.nowMs() - startedAtMs };
    } finally {
      clearTimeout(timer);
      stopping.signal.removeEventListener('abort', onStopping);
      state.status.running = false;
      state.status.progress = null;
    }
  };

  /** Keeps the registry bounded after every run; what may still be served is protected. */
  const pruneVersions = async (state: ModelState): Promise<void> => {
    const protect = [state.status.pendingApproval?.version, state.shadow?.served.version].filter(
      (v): v is string => v !== undefined,
    );
    try {
      const removed = await deps.registry.prune(state.name, {
        keepNewest: config.retraining.keepVersions,
        protect,
      });
      if (removed.length > 0)
        log.info({ model: state.name, removed: removed.length }, 'Removed old model versions.');
    } catch (err) {
      log.warn(
        { err, model: state.name },
        'Could not remove old model versions; will try after the next run.',
      );
    }
  };

  const enqueue = (state: ModelState, isForced = false): Promise<NonNullable<RetrainStatus['lastRun']>> => {
    const run = queue.then(async () => {
      const result = await runOnce(state, isForced);
      await pruneVersions(state);
      if (!stopping.signal.aborted) finish(state, result);
      return result;
    });
    queue = run.catch(() => undefined);
    return run;
  };

  const schedule = (state: ModelState) => {
    if (stopped || !state.settings.enabled) return;
    const { everyMs, cron } = state.settings;
    if (cron !== undefined) {
      state.cron = new Cron(cron, { timezone: state.settings.timezone, protect: true }, () => {
        state.status.nextRunAtMs = state.cron?.nextRun()?.getTime() ?? null;
        void enqueue(state);
      });
      state.status.nextRunAtMs = state.cron.nextRun()?.getTime() ?? null;
    } else if (everyMs !== undefined) {
      state.status.nextRunAtMs = clock.nowMs() + everyMs;
      state.timer = setTimeout(() => {
        state.timer = undefined;
        // The next run is counted from the end of this one, so runs never pile up.
        void enqueue(state).finally(() => schedule(state));
      }, everyMs);
      state.timer.unref?.();
    }
  };

  const endShadow = (state: ModelState) => {
    const shadow = state.shadow;
    const status = state.status.shadow;
    if (shadow === undefined || status === null) return;
    state.shadow = undefined;
    const version = shadow.served.version;
    const { accept: passed, reason } = decideAfterShadow(status);
    event(state, 'shadow_ended', {
      version,
      reason,
      details: { candidateAlerts: status.candidateAlerts, currentAlerts: status.currentAlerts },
    });
    state.status.shadow = null;
    if (!passed) {
      event(state, 'candidate_refused', { version, reason });
      state.status.lastRun = {
        ...(state.status.lastRun ?? { atMs: clock.nowMs(), durationMs: 0 }),
        outcome: 'refused',
        reason,
      };
      deps.onStatus(state.name);
      return;
    }
    if (state.settings.promotion.mode === 'manual') {
      state.status.pendingApproval = { version, atMs: clock.nowMs(), reasons: [reason] };
      event(state, 'awaiting_approval', { version, reason });
      deps.onStatus(state.name);
      return;
    }
    void promote(state, version).catch((err: unknown) =>
      log.error({ err, model: state.name, version }, 'Promotion after the shadow period failed.'),
    );
  };

  return {
    start() {
      for (const state of states.values()) schedule(state);
      const enabled = [...states.values()].filter((s) => s.settings.enabled);
      if (enabled.length > 0)
        log.info(
          { models: enabled.map((s) => ({ model: s.name, schedule: s.status.schedule })) },
          'Retraining scheduled.',
        );
    },
    async stop() {
      stopped = true;
      stopping.abort();
      for (const state of states.values()) {
        if (state.timer !== undefined) clearTimeout(state.timer);
        state.cron?.stop();
      }
      await queue;
    },
    status(model) {
      return states.get(model)?.status ?? null;
    },
    async retrainNow(model) {
      return enqueue(stateOf(model), true);
    },
    async promote(model, version) {
      const state = stateOf(model);
      const versions = await deps.registry.versions(model);
      if (!versions.includes(version))
        throw new PipelineError('CLI_USAGE', `model "${model}" has no version "${version}"`, {
          details: { model, version },
        });
      await promote(state, version);
    },
    async rollback(model) {
      const state = stateOf(model);
      const { from, to } = await deps.registry.rollback(model);
      await deps.refreshModels();
      deps.onStatus(state.name);
      return { from, to };
    },
    observe(window, current, modelName) {
      if (modelName === undefined) return;
      const state = states.get(modelName);
      const shadow = state?.shadow;
      if (state === undefined || shadow === undefined || state.status.shadow === null) return;
      if (shadow.firstWindowAtMs === undefined) {
        shadow.firstWindowAtMs = window.atMs;
        // The shadow lasts `shadowMs` of data time: live, that is wall time; replayed data runs faster.
        state.status.shadow.endsAtMs = clock.nowMs() + state.settings.shadowMs;
      }
      const verdict = shadow.monitor.verdict(window);
      const residuals = verdict.shouldScore
        ? shadow.served.reconstructor.reconstruct(window.values).residuals.subarray(0, window.values.length)
        : null;
      const candidate = shadow.monitor.observe(window, residuals, verdict);
      state.status.shadow.candidateAlerts += candidate.events.filter((e) => e.type === 'opened').length;
      state.status.shadow.currentAlerts += current.events.filter((e) => e.type === 'opened').length;
      if (window.atMs - shadow.firstWindowAtMs >= state.settings.shadowMs) endShadow(state);
    },
  };
}
