// What a service exposes through the HTTP API, typed by the API's schemas:
// the HTTP server calls it, the running service and the tests' fakes
// implement it. Optional methods belong to features a service may lack
// (retraining, frames); their routes answer 404 without them.
import type {
  AlertEventView,
  AssetSnapshot,
  FramesView,
  LabelInput,
  LabelView,
  LiveMessage,
  ModelEventView,
  ModelView,
  ReadinessCheck,
  RetrainQueued,
  RollbackView,
  ScorePoint,
  SilenceView,
  SinkDelivery,
} from './api-types.js';

/** A silence as the server hands it on: the pattern, the end, why and who. */
export interface SilenceInput {
  assetPattern: string;
  untilMs: number;
  reason: string;
  createdBy: string;
}

/** One server-sent event of `/api/stream`. */
export type LiveEvent = LiveMessage;

export interface RangeQuery {
  assetId: string;
  fromMs?: number;
  toMs?: number;
  limit: number;
}

export interface ServiceApi {
  readiness(): ReadinessCheck[];
  assets(): AssetSnapshot[];
  scores(query: RangeQuery): ScorePoint[];
  alerts(query: { assetId?: string; limit: number }): AlertEventView[];
  silences(): SilenceView[];
  /** Keeps the silence (across restarts) and returns it with its stable `id`. */
  addSilence(input: SilenceInput): SilenceView;
  /**
   * Removes the silence with this id; for pages written before silences had ids, a
   * value that is no id removes every silence with exactly that asset pattern.
   */
  removeSilence(idOrPattern: string): boolean;
  /** The current model per asset group: version, training summary, threshold. */
  models(): ModelView[];
  /** Signals of one asset with the model's reconstruction, for the asset view. */
  frames?(query: RangeQuery): FramesView;
  /** Operator labels overlapping the range whose asset pattern matches `assetId`, by start. */
  labels?(query: { assetId?: string; fromMs?: number; toMs?: number }): LabelView[];
  /** Keeps the label and returns it with its `id`. */
  addLabel?(input: LabelInput): LabelView;
  /** Returns whether a label with this id existed. */
  removeLabel?(id: string): boolean;
  /** Model events (retraining, promotion, rollback), newest first. */
  modelEvents?(query: { model?: string; limit: number }): ModelEventView[];
  /**
   * Queues a retraining run of the model; resolves once queued (not finished). The model
   * actions reject with PipelineError API_NOT_FOUND (no such model or version, nothing to
   * roll back to) or API_CONFLICT (a version that cannot be served).
   */
  retrainNow?(model: string): Promise<RetrainQueued>;
  promoteModel?(model: string, version: string): Promise<ModelView>;
  rollbackModel?(model: string): Promise<RollbackView>;
  /** Per sink: rows waiting and the age of the oldest one; none when absent. */
  deliveries?(): SinkDelivery[];
  /** Live updates for the page; returns the unsubscribe function. */
  subscribe(listener: (event: LiveEvent) => void): () => void;
}
