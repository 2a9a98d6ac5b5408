// Public surface of the plant simulator: the run entry point and its option
// schema for `gruwatch simulate`, the plant generator for offline use, and the
// label-free tuning sets cut from a recording of normal operation.
export type { AnomalyKind, AnomalySpec, GroundTruthLabel } from './anomaly.js';
export { anomalyKinds, anomalySpecSchema } from './anomaly.js';
export type { AnomalyPlanOptions } from './anomaly-plan.js';
export { formatPlantedLine, planPumpAnomalies } from './anomaly-plan.js';
export type { AssetKind } from './assets/asset-model.js';
export { assetKinds } from './assets/asset-model.js';
export { pumpChannelNames } from './assets/pump.js';
export type { SimulateOptions, SimulateOptionsInput, SimulateTarget } from './config.js';
export { simulateOptionsSchema } from './config.js';
export type { AssetFrame, Plant, PlantAsset, PlantOptions, PlantTick, RandomAnomalies } from './plant.js';
export { createPlant, tickReadings } from './plant.js';
export type { SimulationCounters, SimulationDeps, SimulationHandle } from './run-simulation.js';
export { runSimulation } from './run-simulation.js';
export type { FamilyKind, FaultKind, TuningFile, TuningSetOptions } from './tuning-sets.js';
export { buildFamilySets, buildTuningSets, defaultTuningSetOptions } from './tuning-sets.js';
