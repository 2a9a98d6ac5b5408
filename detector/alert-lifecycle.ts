// The alert lifecycle: a pure state machine (state, observation, nowMs, config)
// → (state, events). No clock, no I/O; the input state is never mutated, so a
// caller can persist every state it gets back. The rules are in README.md.
import { PipelineError } from '../core/index.js';
import type {
  AlertEvent,
  AlertEventType,
  AlertObservation,
  AssetStatus,
  ResolveReason,
  Severity,
} from './alert.js';
import {
  type AlertLifecycleState,
  type AssetAlertState,
  createAssetAlertState,
  type OpenAlert,
} from './alert-state.js';
import type { AlertsConfig } from './config.js';

export interface AssetStep {
  state: AssetAlertState;
  events: AlertEvent[];
}

export interface LifecycleStep {
  state: AlertLifecycleState;
  events: AlertEvent[];
}

type Suppression = 'maintenance' | 'silenced' | 'off' | 'gap' | 'unknown' | null;

/** Steps one asset of a multi-asset state; other assets' entries are shared, not copied. */
export function stepAlertLifecycle(
  state: AlertLifecycleState,
  observation: AlertObservation,
  nowMs: number,
  config: AlertsConfig,
): LifecycleStep {
  const step = stepAssetAlert(state.assets[observation.assetId], observation, nowMs, config);
  if (step.state === state.assets[observation.assetId]) return { state, events: step.events };
  return {
    state: { version: state.version, assets: { ...state.assets, [observation.assetId]: step.state } },
    events: step.events,
  };
}

/**
 * Steps one asset. Observations must come in time order: one at or before the
 * last observation taken is ignored (same state object, no events), which
 * makes replaying already-seen windows after a restart harmless.
 */
export function stepAssetAlert(
  previous: AssetAlertState | undefined,
  observation: AlertObservation,
  nowMs: number,
  config: AlertsConfig,
): AssetStep {
  validate(observation, nowMs);
  const base = previous ?? createAssetAlertState(observation.assetId);
  if (base.lastAtMs !== null && nowMs <= base.lastAtMs) return { state: base, events: [] };
  return new Step(clone(base), observation, nowMs, config).run();
}

/**
 * Resolves the asset's open alert, if any, as data_stale at the time of its last observation: the
 * asset is being forgotten (idle past `ingest.evictIdleAssetsAfterMs`), so no later window of its
 * own could clear the alert, and an alert left open would stay open for good.
 */
export function resolveForgottenAssetAlert(state: AssetAlertState, config: AlertsConfig): AssetStep {
  if (state.alert === null || state.lastAtMs === null) return { state, events: [] };
  const observation: AlertObservation = {
    assetId: state.assetId,
    ratio: null,
    windowState: 'gap',
    off: false,
    suppressed: { silenced: false, maintenance: false },
    topChannels: [],
  };
  return new Step(clone(state), observation, state.lastAtMs, config).resolveStale();
}

function validate(observation: AlertObservation, nowMs: number): void {
  const { ratio, assetId } = observation;
  if (!Number.isFinite(nowMs)) {
    throw new PipelineError(
      'DETECTOR_INPUT_INVALID',
      `observation time of asset "${assetId}" is not finite`,
      {
        details: { assetId, nowMs },
      },
    );
  }
  if (ratio !== null && !(Number.isFinite(ratio) && ratio >= 0)) {
    throw new PipelineError(
      'DETECTOR_INPUT_INVALID',
      `observation ratio of asset "${assetId}" is ${ratio}; it must be a finite number ≥ 0, or null when not scored`,
      { details: { assetId, ratio } },
    );
  }
}

function clone(state: AssetAlertState): AssetAlertState {
  return {
    ...state,
    pending: state.pending && { ...state.pending },
    alert: state.alert && { ...state.alert },
    transitionsMs: state.transitionsMs.slice(),
  };
}

/** The work of one step, on a private copy of the state. */
class Step {
  readonly #s: AssetAlertState;
  readonly #obs: AlertObservation;
  readonly #now: number;
  readonly #config: AlertsConfig;
  readonly #events: AlertEvent[] = [];

  constructor(state: AssetAlertState, observation: AlertObservation, nowMs: number, config: AlertsConfig) {
    this.#s = state;
    this.#obs = observation;
    this.#now = nowMs;
    this.#config = config;
  }

  run(): AssetStep {
    const s = this.#s;
    s.lastAtMs = this.#now;
    const horizon = this.#now - this.#config.flapping.windowMs;
    s.transitionsMs = s.transitionsMs.filter((t) => t > horizon);
    if (s.cooldownUntilMs !== null && this.#now >= s.cooldownUntilMs) s.cooldownUntilMs = null;

    const suppression = this.#suppression();
    if (suppression === 'off' || suppression === 'maintenance') this.#halt(suppression);
    else {
      if (suppression === 'gap' || suppression === 'unknown') this.#stale();
      else {
        s.haltedSinceMs = null;
        this.#evaluate(this.#obs.ratio as number, suppression !== 'silenced');
      }
    }
    s.status = suppression ?? this.#lifecycleStatus();
    return { state: s, events: this.#events };
  }

  /** Resolves the open alert as data_stale, whatever the time since the data stopped. */
  resolveStale(): AssetStep {
    const s = this.#s;
    this.#forgetRuns();
    if (s.alert !== null) this.#resolve('data_stale', null);
    s.haltedSinceMs = null;
    s.status = 'gap';
    return { state: s, events: this.#events };
  }

  /** Which suppression applies, most deliberate first. */
  #suppression(): Suppression {
    const { suppressed, off, windowState, ratio } = this.#obs;
    if (suppressed.maintenance) return 'maintenance';
    if (off) return 'off';
    if (windowState === 'gap') return 'gap';
    if (windowState === 'unknown' || ratio === null) return 'unknown';
    // A silence mutes raising, but the data is still valid for resolving.
    if (suppressed.silenced) return 'silenced';
    return null;
  }

  #lifecycleStatus(): AssetStatus {
    const { alert, pending, cooldownUntilMs } = this.#s;
    if (alert !== null) {
      if (alert.flapping && !alert.rawOpen) return 'clearing';
      return alert.clearingSinceMs === null ? 'alerting' : 'clearing';
    }
    if (pending !== null) return 'pending';
    return cooldownUntilMs === null ? 'normal' : 'cooldown';
  }

  /** Missing data proves nothing: runs toward opening or resolving start over. */
  #forgetRuns(): void {
    const s = this.#s;
    s.pending = null;
    if (s.alert !== null) {
      s.alert.clearingSinceMs = null;
      s.alert.rawAboveSinceMs = null;
    }
  }

  /** Off or maintenance: an open alert resolves once the halt lasted clearBelowMs. */
  #halt(kind: 'off' | 'maintenance'): void {
    const s = this.#s;
    this.#forgetRuns();
    if (s.alert === null) {
      s.haltedSinceMs = null;
      return;
    }
    s.haltedSinceMs ??= this.#now;
    if (this.#now - s.haltedSinceMs >= this.#config.clearBelowMs) {
      this.#resolve(kind === 'off' ? 'machine_off' : 'maintenance', null);
      s.haltedSinceMs = null;
    }
  }

  /**
   * Only incomplete windows (a gap or unknown state): runs start over, and an open alert that the
   * data has neither confirmed nor cleared for staleAfterMs resolves as data_stale, so an asset
   * whose sensor died is not left alerting in silence.
   */
  #stale(): void {
    const s = this.#s;
    this.#forgetRuns();
    if (s.alert === null || this.#config.staleAfterMs === 0) {
      s.haltedSinceMs = null;
      return;
    }
    s.haltedSinceMs ??= this.#now;
    if (this.#now - s.haltedSinceMs >= this.#config.staleAfterMs) {
      this.#resolve('data_stale', null);
      s.haltedSinceMs = null;
    }
  }

  #evaluate(ratio: number, canRaise: boolean): void {
    const s = this.#s;
    if (s.alert === null) this.#evaluateClosed(ratio, canRaise);
    else {
      this.#track(s.alert, ratio, canRaise);
      if (s.alert.flapping) this.#evaluateFlapping(s.alert, ratio, canRaise);
      else this.#evaluateOpen(s.alert, ratio);
    }
  }

  #evaluateClosed(ratio: number, canRaise: boolean): void {
    const s = this.#s;
    if (s.cooldownUntilMs !== null || !canRaise || ratio < 1) {
      s.pending = null;
      return;
    }
    const topChannels = this.#obs.topChannels;
    if (s.pending === null) s.pending = { sinceMs: this.#now, peakRatio: ratio, topChannels };
    else if (ratio > s.pending.peakRatio) {
      s.pending.peakRatio = ratio;
      s.pending.topChannels = topChannels;
    }
    if (this.#now - s.pending.sinceMs < this.#config.minAboveMs) return;

    const alert: OpenAlert = {
      id: `${s.assetId}-${this.#now}`,
      openedAtMs: this.#now,
      startedAtMs: s.pending.sinceMs,
      severity: this.#severityOf(ratio),
      peakRatio: s.pending.peakRatio,
      topChannels: s.pending.topChannels,
      clearingSinceMs: null,
      flapping: false,
      rawOpen: true,
      rawAboveSinceMs: null,
    };
    s.pending = null;
    s.alert = alert;
    this.#emit('opened', alert, ratio);
    s.transitionsMs.push(this.#now);
    if (this.#isFlapping(0)) this.#startFlapping(alert, ratio, true);
  }

  /** Peak and escalation; severity only ever goes up for the life of an alert. */
  #track(alert: OpenAlert, ratio: number, canRaise: boolean): void {
    if (ratio > alert.peakRatio) {
      alert.peakRatio = ratio;
      alert.topChannels = this.#obs.topChannels;
    }
    if (canRaise && alert.severity === 'warning' && ratio >= this.#config.criticalRatio) {
      alert.severity = 'critical';
      this.#emit('escalated', alert, ratio);
    }
  }

  #evaluateOpen(alert: OpenAlert, ratio: number): void {
    if (!this.#hasClearedFor(alert, ratio)) return;
    if (this.#isFlapping(1)) {
      // Damping: the resolve is held back and counted; the alert stays open.
      this.#s.transitionsMs.push(this.#now);
      this.#startFlapping(alert, ratio, false);
    } else {
      this.#resolve('recovered', ratio);
    }
  }

  /**
   * A flapping alert is held open. The undamped lifecycle still runs on
   * `rawOpen` so its would-be opens and resolves keep counting; once none fell
   * in the last `flapping.windowMs`, flapping ends: the alert resolves if the
   * undamped lifecycle has it closed, else it carries on as a plain alert.
   */
  #evaluateFlapping(alert: OpenAlert, ratio: number, canRaise: boolean): void {
    const s = this.#s;
    if (alert.rawOpen) {
      if (this.#hasClearedFor(alert, ratio)) {
        alert.rawOpen = false;
        s.transitionsMs.push(this.#now);
      }
    } else if (ratio >= 1 && canRaise) {
      alert.rawAboveSinceMs ??= this.#now;
      if (this.#now - alert.rawAboveSinceMs >= this.#config.minAboveMs) {
        alert.rawOpen = true;
        alert.rawAboveSinceMs = null;
        s.transitionsMs.push(this.#now);
      }
    } else {
      alert.rawAboveSinceMs = null;
    }
    if (s.transitionsMs.length > 0) return;
    alert.flapping = false;
    this.#emit('flapping_ended', alert, ratio);
    if (!alert.rawOpen) this.#resolve('recovered', ratio);
  }

  /**
   * Tracks the run below hysteresis; true once it lasted clearBelowMs, or fastClearMs while the
   * ratio is below fastClearRatio (the run is then reset). A ratio far below 1 is strong evidence
   * that the cause is gone, so it need not wait as long as one just under the threshold.
   */
  #hasClearedFor(alert: OpenAlert, ratio: number): boolean {
    const { hysteresis, clearBelowMs, fastClearRatio, fastClearMs } = this.#config;
    if (ratio >= hysteresis) {
      alert.clearingSinceMs = null;
      return false;
    }
    alert.clearingSinceMs ??= this.#now;
    const neededMs = ratio < fastClearRatio ? fastClearMs : clearBelowMs;
    if (this.#now - alert.clearingSinceMs < neededMs) return false;
    alert.clearingSinceMs = null;
    return true;
  }

  /** Whether `extra` more transitions on top of those in the window exceed the limit. */
  #isFlapping(extra: number): boolean {
    const { enabled, maxTransitions } = this.#config.flapping;
    return enabled && this.#s.transitionsMs.length + extra > maxTransitions;
  }

  #startFlapping(alert: OpenAlert, ratio: number, rawOpen: boolean): void {
    alert.flapping = true;
    alert.rawOpen = rawOpen;
    alert.rawAboveSinceMs = null;
    alert.clearingSinceMs = null;
    this.#emit('flapping_started', alert, ratio);
  }

  #resolve(reason: ResolveReason, ratio: number | null): void {
    const s = this.#s;
    const alert = s.alert as OpenAlert;
    if (alert.flapping) {
      alert.flapping = false;
      this.#emit('flapping_ended', alert, ratio);
    }
    this.#emit('resolved', alert, ratio, reason);
    s.transitionsMs.push(this.#now);
    s.alert = null;
    s.cooldownUntilMs = this.#config.cooldownMs > 0 ? this.#now + this.#config.cooldownMs : null;
  }

  #severityOf(ratio: number): Severity {
    return ratio >= this.#config.criticalRatio ? 'critical' : 'warning';
  }

  #emit(type: AlertEventType, alert: OpenAlert, ratio: number | null, reason?: ResolveReason): void {
    const event: AlertEvent = {
      eventId: `${alert.id}/${type}/${this.#now}`,
      id: alert.id,
      assetId: this.#s.assetId,
      type,
      severity: alert.severity,
      ratio,
      peakRatio: alert.peakRatio,
      topChannels: alert.topChannels,
      atMs: this.#now,
      openedAtMs: alert.openedAtMs,
      startedAtMs: alert.startedAtMs,
      flapping: alert.flapping,
    };
    if (reason !== undefined) event.reason = reason;
    this.#events.push(event);
  }
}
