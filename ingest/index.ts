// Public surface of ingest/: the pipeline factory, the source factories and
// contracts, the data types the model and detector consume, the config schema,
// the simulator, and the embedded MQTT broker of `gruwatch demo`.

export type { AlignedFrame, AlignedWindow, FrameSegment, FrameState, WindowState } from '../core/index.js';
export { alignReadings } from './align/align-readings.js';
export type { AlignDropReason, Aligner, AlignOptions } from './align/aligner.js';
export { createAligner } from './align/aligner.js';
export type { WindowAssembler, WindowOptions } from './align/window-assembler.js';
export { createWindowAssembler } from './align/window-assembler.js';
export type { BridgeConfig, BridgeConfigInput } from './bridge/config.js';
export { bridgeConfigSchema } from './bridge/config.js';
export type { BridgeDeps, MqttKafkaBridge } from './bridge/mqtt-kafka-bridge.js';
export { createMqttKafkaBridge, mqttTopicHeader, redeliveryHeader } from './bridge/mqtt-kafka-bridge.js';
export type { IngestConfig, IngestConfigInput } from './config.js';
export { ingestConfigSchema } from './config.js';
export type { AssetSignal, Decoder, DecoderConfig } from './decode/index.js';
export { createDecoder, decoderConfigSchema } from './decode/index.js';
export type { Ingest, IngestDeps } from './ingest-pipeline.js';
export { createIngest } from './ingest-pipeline.js';
export type { IngestReadinessLine, StartedIngest } from './ingest-readiness.js';
export { startIngestInBackground } from './ingest-readiness.js';
export type { KafkaSourceDeps } from './kafka/kafka-source.js';
export { createKafkaSource } from './kafka/kafka-source.js';
export type {
  CommittedDelivery,
  PartitionState,
  PartitionStateDeps,
  PartitionStatePipeline,
  PartitionStateStore,
} from './kafka/partition-state.js';
export { createPartitionState } from './kafka/partition-state.js';
export type { ChangelogEntry, ChangelogReading, StateChangelog } from './kafka/state-changelog.js';
export { createStateChangelog } from './kafka/state-changelog.js';
export { readCsvReadings } from './labeled-csv/csv-readings.js';
export type { LabeledSeries } from './labeled-csv/labeled-csv.js';
export { medianPeriodMs, parseLabeledCsv } from './labeled-csv/labeled-csv.js';
export type { FullyLabeledSeries } from './labeled-csv/labeled-csv-writer.js';
export { formatLabeledCsv, formatUtcDatetime } from './labeled-csv/labeled-csv-writer.js';
export { listCsvFiles } from './labeled-csv/list-csv-files.js';
export type { ReplayedFrame, ReplayedWindow, ReplayOptions } from './labeled-csv/replay-labeled-series.js';
export { replayLabeledSeries } from './labeled-csv/replay-labeled-series.js';
export type { EmbeddedBroker } from './mqtt/embedded-broker.js';
export { startEmbeddedBroker } from './mqtt/embedded-broker.js';
export type { MqttSourceConfig, MqttSourceDeps } from './mqtt/mqtt-source.js';
export { createMqttSource } from './mqtt/mqtt-source.js';
export type { SensorReading } from './reading.js';
export type {
  AnomalyKind,
  AnomalyPlanOptions,
  AnomalySpec,
  AssetKind,
  GroundTruthLabel,
  PlantAsset,
  PlantTick,
  SimulateOptions,
  SimulateOptionsInput,
  SimulationCounters,
  SimulationDeps,
  SimulationHandle,
  TuningFile,
  TuningSetOptions,
} from './simulator/index.js';
export {
  buildFamilySets,
  buildTuningSets,
  createPlant,
  defaultTuningSetOptions,
  formatPlantedLine,
  planPumpAnomalies,
  pumpChannelNames,
  runSimulation,
  simulateOptionsSchema,
  tickReadings,
} from './simulator/index.js';
export type { DeliveryHandler, DeliveryOrigin, Source, SourceDelivery } from './source.js';
