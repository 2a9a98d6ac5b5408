// Centrifugal pump on a variable-speed drive (2-pole motor, 50 Hz): channel
// names, sensor noise and resolution, and seed-derived parameters around a
// 100 m³/h, 6 bar duty point.
import type { Rng } from '../../../core/index.js';
import type { AssetModel } from './asset-model.js';
import {
  createRotatingMachine,
  type RotatingMachineLayout,
  type RotatingMachineParameters,
} from './rotating-machine.js';

export const pumpLayout: RotatingMachineLayout = {
  kind: 'pump',
  channels: [
    { name: 'speed_rpm', noiseStd: 2, decimals: 0, span: 3000, minValue: 0 },
    { name: 'flow_m3h', noiseStd: 0.6, decimals: 1, span: 160, minValue: 0 },
    { name: 'discharge_pressure_bar', noiseStd: 0.03, decimals: 2, span: 10, minValue: 0 },
    { name: 'motor_current_a', noiseStd: 0.25, decimals: 1, span: 60, minValue: 0 },
    { name: 'bearing_temp_c', noiseStd: 0.08, decimals: 1, span: 100, minValue: -40 },
    { name: 'vibration_rms_mms', noiseStd: 0.04, decimals: 2, span: 11, minValue: 0 },
  ],
};

/** The pump's channels in the order the simulator publishes them. */
export const pumpChannelNames: readonly string[] = pumpLayout.channels.map((c) => c.name);

export function derivePumpParameters(rng: Rng): RotatingMachineParameters {
  return {
    ratedSpeedRpm: rng.uniform(2900, 2980),
    rampRpmPerS: rng.uniform(80, 150),
    ratedFlow: rng.uniform(80, 130),
    shutoffPressure: rng.uniform(7, 9),
    curveDropPressure: rng.uniform(2, 3),
    staticPressure: rng.uniform(0.2, 0.5),
    wattsPerFlowPressure: 1e5 / 3600,
    efficiency: rng.uniform(0.62, 0.75),
    idleCurrentA: rng.uniform(6, 9),
    supplyVoltageV: 400,
    powerFactor: 0.86,
    ambientMeanC: rng.uniform(18, 26),
    ambientDaySwingC: rng.uniform(2, 5),
    bearingRiseC: rng.uniform(25, 35),
    wearHeatC: 25,
    bearingTimeConstantMs: rng.uniform(15, 30) * 60_000,
    openingTimeConstantMs: 10_000,
    baseVibrationMms: rng.uniform(0.2, 0.4),
    speedVibrationMms: rng.uniform(1.5, 2.5),
    wear: rng.uniform(0, 0.08),
  };
}

export function createPumpModel(
  parameters: RotatingMachineParameters,
  profileRng: Rng,
  startMs: number,
): AssetModel {
  return createRotatingMachine(pumpLayout, parameters, profileRng, startMs);
}
