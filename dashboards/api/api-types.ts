// The types of the HTTP API's JSON, inferred from its schemas: what the page,
// the server and the tests use. No type here is written by hand.
import type { z } from 'zod';
import type {
  alertsResponseSchema,
  assetsResponseSchema,
  deliveriesResponseSchema,
  labelCreatedSchema,
  labelsResponseSchema,
  modelEventsResponseSchema,
  modelsResponseSchema,
  scoresResponseSchema,
  silenceCreatedSchema,
  silencesResponseSchema,
} from './api-routes.js';
import type {
  alertEventSchema,
  assetSnapshotSchema,
  assetStatusSchema,
  channelShareSchema,
  deliverySchema,
  framesSchema,
  labelBodySchema,
  labelSchema,
  liveMessageSchema,
  lossPointSchema,
  modelEventSchema,
  modelViewSchema,
  promoteBodySchema,
  readinessCheckSchema,
  readinessSchema,
  refusalSchema,
  retrainingSchema,
  retrainOutcomeSchema,
  retrainQueuedSchema,
  rollbackSchema,
  scorePointSchema,
  sessionSchema,
  severitySchema,
  silenceBodySchema,
  silenceSchema,
  statusUpdateSchema,
} from './api-schemas.js';

export type AssetStatus = z.infer<typeof assetStatusSchema>;
export type Severity = z.infer<typeof severitySchema>;
export type ChannelShare = z.infer<typeof channelShareSchema>;
export type ReadinessCheck = z.infer<typeof readinessCheckSchema>;
export type Readiness = z.infer<typeof readinessSchema>;
export type Session = z.infer<typeof sessionSchema>;
export type AssetSnapshot = z.infer<typeof assetSnapshotSchema>;
export type ScorePoint = z.infer<typeof scorePointSchema>;
export type StatusUpdate = z.infer<typeof statusUpdateSchema>;
export type AlertEventView = z.infer<typeof alertEventSchema>;
export type FramesView = z.infer<typeof framesSchema>;
export type SilenceView = z.infer<typeof silenceSchema>;
/** What a client sends to `POST /api/silences` (defaults not yet applied). */
export type SilenceBody = z.input<typeof silenceBodySchema>;
/** What a client sends to `POST /api/labels` (defaults not yet applied). */
export type LabelBody = z.input<typeof labelBodySchema>;
/** A label body as the server hands it on, defaults applied. */
export type LabelInput = z.infer<typeof labelBodySchema>;
export type LabelView = z.infer<typeof labelSchema>;
export type SinkDelivery = z.infer<typeof deliverySchema>;
export type ModelEventView = z.infer<typeof modelEventSchema>;
export type RetrainOutcome = z.infer<typeof retrainOutcomeSchema>;
export type RetrainingView = z.infer<typeof retrainingSchema>;
export type LossPoint = z.infer<typeof lossPointSchema>;
export type ModelView = z.infer<typeof modelViewSchema>;
export type RetrainQueued = z.infer<typeof retrainQueuedSchema>;
export type PromoteBody = z.infer<typeof promoteBodySchema>;
export type RollbackView = z.infer<typeof rollbackSchema>;
export type Refusal = z.infer<typeof refusalSchema>;
export type LiveMessage = z.infer<typeof liveMessageSchema>;

export type AssetsResponse = z.infer<typeof assetsResponseSchema>;
export type ScoresResponse = z.infer<typeof scoresResponseSchema>;
export type AlertsResponse = z.infer<typeof alertsResponseSchema>;
export type SilencesResponse = z.infer<typeof silencesResponseSchema>;
export type SilenceCreated = z.infer<typeof silenceCreatedSchema>;
export type ModelsResponse = z.infer<typeof modelsResponseSchema>;
export type ModelEventsResponse = z.infer<typeof modelEventsResponseSchema>;
export type LabelsResponse = z.infer<typeof labelsResponseSchema>;
export type LabelCreated = z.infer<typeof labelCreatedSchema>;
export type DeliveriesResponse = z.infer<typeof deliveriesResponseSchema>;
