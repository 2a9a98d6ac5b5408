// When a machine runs and how hard: the operating regimes shared by all kinds.
// A day/night demand cycle, setpoint steps at random times, and occasional
// stops (machine off), all drawn from the asset's own seeded stream.
import type { Rng } from '../../../core/index.js';

const dayMs = 86_400_000;
const hourMs = 3_600_000;

export interface OperatingProfileParameters {
  /** Hour of the day (UTC) at which demand peaks. */
  peakHourUtc: number;
  /** Half the peak-to-trough swing of the speed demand over a day, as a fraction of rated speed. */
  dayAmplitude: number;
  /** Mean time between two setpoint steps (a Poisson process), ms. */
  meanSetpointIntervalMs: number;
  /** Largest setpoint step, as a fraction of rated speed. */
  maxSetpointStep: number;
  /** Mean time between two stops while running, ms. */
  meanStopIntervalMs: number;
  /** Shortest and longest stop, ms. */
  stopDurationMs: readonly [number, number];
}

export interface OperatingPoint {
  isRunning: boolean;
  /** Speed setpoint as a fraction of rated speed, in [0.45, 1]. */
  speedDemand: number;
  /** Valve (or damper) opening the controller asks for, in [0.5, 1]. */
  openingDemand: number;
}

export function deriveOperatingProfileParameters(rng: Rng): OperatingProfileParameters {
  return {
    peakHourUtc: rng.uniform(10, 16),
    dayAmplitude: rng.uniform(0.1, 0.18),
    meanSetpointIntervalMs: rng.uniform(1.5, 3) * hourMs,
    maxSetpointStep: rng.uniform(0.06, 0.12),
    meanStopIntervalMs: rng.uniform(16, 36) * hourMs,
    stopDurationMs: [10 * 60_000, 45 * 60_000],
  };
}

export interface OperatingProfile {
  /** The operating point at `timestampMs`; call with non-decreasing times. */
  at(timestampMs: number): OperatingPoint;
}

/** The run starts with the machine running (the model ramps it up from standstill: the start-up regime). */
export function createOperatingProfile(
  parameters: OperatingProfileParameters,
  rng: Rng,
  startMs: number,
): OperatingProfile {
  const p = parameters;
  let speedStep = 0;
  let openingStep = 0;
  let nextSetpointMs = startMs + rng.exponential(p.meanSetpointIntervalMs);
  let nextStopMs = startMs + rng.exponential(p.meanStopIntervalMs);
  let stopEndMs = Number.NEGATIVE_INFINITY;
  const point: OperatingPoint = { isRunning: true, speedDemand: 0, openingDemand: 0 };
  return {
    at(timestampMs) {
      while (timestampMs >= nextSetpointMs) {
        speedStep = clamp(speedStep + rng.uniform(-p.maxSetpointStep, p.maxSetpointStep), -0.2, 0.2);
        // The valve moves rarely and little: the speed drive does most of the flow control.
        if (rng.next() < 0.3) openingStep = clamp(openingStep + rng.uniform(-0.1, 0.1), -0.25, 0.1);
        nextSetpointMs += rng.exponential(p.meanSetpointIntervalMs);
      }
      if (timestampMs >= nextStopMs) {
        stopEndMs = nextStopMs + rng.uniform(p.stopDurationMs[0], p.stopDurationMs[1]);
        nextStopMs = stopEndMs + rng.exponential(p.meanStopIntervalMs);
      }
      const hourOfDay = (((timestampMs % dayMs) + dayMs) % dayMs) / hourMs;
      const daily = Math.cos((2 * Math.PI * (hourOfDay - p.peakHourUtc)) / 24);
      point.isRunning = timestampMs >= stopEndMs;
      point.speedDemand = clamp(0.78 + p.dayAmplitude * daily + speedStep, 0.45, 1);
      point.openingDemand = clamp(0.9 + openingStep, 0.5, 1);
      return point;
    },
  };
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}
