// Centrifugal fan (ventilation or process air) with an inlet damper: the same
// affinity-law physics as the pump, with airflow in m³/h and pressure in Pa.
import type { Rng } from '../../../core/index.js';
import type { AssetModel } from './asset-model.js';
import {
  createRotatingMachine,
  type RotatingMachineLayout,
  type RotatingMachineParameters,
} from './rotating-machine.js';

export const fanLayout: RotatingMachineLayout = {
  kind: 'fan',
  channels: [
    { name: 'speed_rpm', noiseStd: 2, decimals: 0, span: 1600, minValue: 0 },
    { name: 'airflow_m3h', noiseStd: 60, decimals: 0, span: 25_000, minValue: 0 },
    { name: 'differential_pressure_pa', noiseStd: 6, decimals: 0, span: 2500, minValue: 0 },
    { name: 'motor_current_a', noiseStd: 0.2, decimals: 1, span: 40, minValue: 0 },
    { name: 'bearing_temp_c', noiseStd: 0.08, decimals: 1, span: 100, minValue: -40 },
    { name: 'vibration_rms_mms', noiseStd: 0.05, decimals: 2, span: 11, minValue: 0 },
  ],
};

export function deriveFanParameters(rng: Rng): RotatingMachineParameters {
  return {
    ratedSpeedRpm: rng.uniform(1440, 1480),
    rampRpmPerS: rng.uniform(30, 60),
    ratedFlow: rng.uniform(15_000, 22_000),
    shutoffPressure: rng.uniform(1800, 2200),
    curveDropPressure: rng.uniform(500, 800),
    staticPressure: rng.uniform(5, 20),
    wattsPerFlowPressure: 1 / 3600,
    efficiency: rng.uniform(0.6, 0.72),
    idleCurrentA: rng.uniform(4, 6),
    supplyVoltageV: 400,
    powerFactor: 0.85,
    ambientMeanC: rng.uniform(18, 26),
    ambientDaySwingC: rng.uniform(2, 5),
    bearingRiseC: rng.uniform(20, 30),
    wearHeatC: 25,
    bearingTimeConstantMs: rng.uniform(20, 40) * 60_000,
    openingTimeConstantMs: 20_000,
    baseVibrationMms: rng.uniform(0.3, 0.5),
    speedVibrationMms: rng.uniform(1.2, 2.2),
    wear: rng.uniform(0, 0.08),
  };
}

export function createFanModel(
  parameters: RotatingMachineParameters,
  profileRng: Rng,
  startMs: number,
): AssetModel {
  return createRotatingMachine(fanLayout, parameters, profileRng, startMs);
}
