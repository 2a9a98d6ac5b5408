// The physics shared by centrifugal machines (pumps and fans): affinity laws
// for flow and head, an electrical load from hydraulic power, a first-order
// thermal lag for the bearing, and vibration growing with speed² and wear.
import type { Rng } from '../../../core/index.js';
import type { AssetKind, AssetModel, ChannelSpec } from './asset-model.js';
import { clamp, createOperatingProfile, deriveOperatingProfileParameters } from './operating-profile.js';

export interface RotatingMachineParameters {
  ratedSpeedRpm: number;
  /** How fast the drive changes speed (start-up and coast-down ramps), rpm per second. */
  rampRpmPerS: number;
  /** Flow at rated speed with the valve (damper) fully open, in the flow channel's unit. */
  ratedFlow: number;
  /** Pressure at rated speed and zero flow (shut-off head), in the pressure channel's unit. */
  shutoffPressure: number;
  /** Pressure lost at rated speed and full opening (the falling pump curve), same unit. */
  curveDropPressure: number;
  /** Pressure with the machine off (static head or duct pressure), same unit. */
  staticPressure: number;
  /** Flow unit × pressure unit → watts (m³/h × bar: 1e5/3600; m³/h × Pa: 1/3600). */
  wattsPerFlowPressure: number;
  /** Wire-to-fluid efficiency at the operating point, (0, 1]. */
  efficiency: number;
  /** Magnetising current at rated speed with no hydraulic load, A. */
  idleCurrentA: number;
  supplyVoltageV: number;
  powerFactor: number;
  ambientMeanC: number;
  ambientDaySwingC: number;
  /** Bearing temperature above ambient at rated load, °C. */
  bearingRiseC: number;
  /** Extra bearing temperature at full wear and rated speed, °C. */
  wearHeatC: number;
  bearingTimeConstantMs: number;
  /** Valve (damper) actuator time constant, ms. */
  openingTimeConstantMs: number;
  /** Vibration of a standing machine (neighbours, pipework), mm/s. */
  baseVibrationMms: number;
  /** Vibration at rated speed on a healthy machine, mm/s. */
  speedVibrationMms: number;
  /** Wear of the machine at the start, in [0, 1]. */
  wear: number;
}

/** How one kind names its channels (in this order: speed, flow, pressure, current, temperature, vibration). */
export interface RotatingMachineLayout {
  kind: AssetKind;
  channels: readonly [ChannelSpec, ChannelSpec, ChannelSpec, ChannelSpec, ChannelSpec, ChannelSpec];
}

const dayMs = 86_400_000;

export function createRotatingMachine(
  layout: RotatingMachineLayout,
  parameters: RotatingMachineParameters,
  profileRng: Rng,
  startMs: number,
): AssetModel {
  const p = parameters;
  const profile = createOperatingProfile(deriveOperatingProfileParameters(profileRng), profileRng, startMs);
  const electricalW = Math.sqrt(3) * p.supplyVoltageV * p.powerFactor;
  const ratedHydraulicW =
    p.ratedFlow * (p.shutoffPressure - p.curveDropPressure + p.staticPressure) * p.wattsPerFlowPressure;
  const ratedCurrentA = p.idleCurrentA + ratedHydraulicW / (p.efficiency * electricalW);
  let speedRpm = 0;
  let opening = 0.9;
  let bearingC = p.ambientMeanC;
  return {
    kind: layout.kind,
    channels: layout.channels,
    wearChannels: [layout.channels[4].name, layout.channels[5].name],
    correlationBreakChannels: [layout.channels[1].name, layout.channels[2].name],
    step(out, timestampMs, dtMs, extraWear) {
      const op = profile.at(timestampMs);
      const dtS = dtMs / 1000;
      const targetRpm = op.isRunning ? op.speedDemand * p.ratedSpeedRpm : 0;
      speedRpm += clamp(targetRpm - speedRpm, -p.rampRpmPerS * dtS, p.rampRpmPerS * dtS);
      opening += (op.openingDemand - opening) * (1 - Math.exp(-dtMs / p.openingTimeConstantMs));
      const r = speedRpm / p.ratedSpeedRpm;
      // Affinity laws: flow ∝ speed × opening; head ∝ speed², minus the flow-dependent drop of the curve.
      const flow = p.ratedFlow * r * opening;
      const pressure =
        p.staticPressure + r * r * (p.shutoffPressure - p.curveDropPressure * opening * opening);
      const hydraulicW = flow * pressure * p.wattsPerFlowPressure;
      const currentA = r > 0.005 ? p.idleCurrentA * r + hydraulicW / (p.efficiency * electricalW) : 0;
      const wear = p.wear + extraWear;
      const hourAngle = (2 * Math.PI * (((timestampMs % dayMs) + dayMs) % dayMs)) / dayMs;
      // Ambient peaks mid-afternoon (15:00 UTC); the bearing follows load and ambient with one time constant.
      const ambientC = p.ambientMeanC + p.ambientDaySwingC * Math.cos(hourAngle - (2 * Math.PI * 15) / 24);
      const load = currentA / ratedCurrentA;
      const targetC = ambientC + p.bearingRiseC * (0.4 * r + 0.6 * load) + p.wearHeatC * wear * r;
      bearingC += (targetC - bearingC) * (1 - Math.exp(-dtMs / p.bearingTimeConstantMs));
      const vibration = p.baseVibrationMms + p.speedVibrationMms * r * r * (1 + 4 * wear);
      out[0] = speedRpm;
      out[1] = flow;
      out[2] = pressure;
      out[3] = currentA;
      out[4] = bearingC;
      out[5] = vibration;
    },
  };
}
