// Public surface of detector/pipeline: the live detection pipeline between a source's delivery
// and its acknowledgement, over ports to the store, the metrics and the live page.

export type {
  ActiveModel,
  AssetProgress,
  PersistedAssetState,
  Pipeline,
  PipelineDeps,
} from './delivery-pipeline.js';
export { createPipeline } from './delivery-pipeline.js';
export type {
  DeliveredReading,
  DeliveryOriginTime,
  LivePublisher,
  PipelineDelivery,
  PipelineLiveEvent,
  PipelineMetrics,
  PipelineStore,
} from './pipeline-ports.js';
export { restoreAssetStates } from './restore-asset-states.js';
