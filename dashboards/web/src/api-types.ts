// The JSON the page reads from the HTTP API (bin/http-server.ts) and its live
// stream. Shapes follow detector/ (AssetSnapshot, AlertEvent) and
// detector/sinks/records.ts (ScoreRecord); the page only relies on these fields.

export type AssetStatus =
  | 'normal'
  | 'pending'
  | 'alerting'
  | 'clearing'
  | 'cooldown'
  | 'off'
  | 'gap'
  | 'unknown'
  | 'silenced'
  | 'maintenance';

export type Severity = 'warning' | 'critical';

export interface ChannelShare {
  channel: string;
  share: number;
}

/** `GET /api/assets` items and `status` stream events (AssetSnapshot). */
export interface AssetSnapshot {
  assetId: string;
  status: AssetStatus;
  lastAtMs: number | null;
  score: number | null;
  threshold: number | null;
  ratio: number | null;
  topChannels: ChannelShare[];
  openAlertId: string | null;
  /** Severity of the open alert, when the service adds it. */
  severity?: Severity | null;
}

/** `GET /api/assets/:id/scores` items and `score` stream events (ScoreRecord). */
export interface ScorePoint {
  assetId: string;
  atMs: number;
  score: number;
  threshold: number | null;
  ratio: number | null;
  state?: string;
  channels?: string[];
  contributions?: number[];
  /** Channel names (ScoreRecord) or shares (MonitorResult). */
  topChannels?: (string | ChannelShare)[];
  /** The asset's status after this window (stream events only). */
  status?: AssetStatus;
}

/** `status` stream events: an asset's status after a window that was not scored. */
export interface StatusUpdate {
  assetId: string;
  atMs: number;
  status: AssetStatus;
  /** Why the window was not scored (gap, unknown, off, no_model, warming_up, failed). */
  reason?: string;
  /** With reason `failed`: the error code and message of what failed while judging the window. */
  code?: string;
  detail?: string;
}

/** `GET /api/alerts` items and `alert` stream events (AlertEvent or AlertEventRecord). */
export interface AlertEventView {
  id: string;
  assetId: string;
  type: string;
  severity: Severity;
  ratio: number | null;
  peakRatio: number;
  topChannels: (string | ChannelShare)[];
  atMs: number;
  openedAtMs: number;
  reason?: string | null;
}

/** The body of `POST /api/labels`: a period an operator marks as normal or not normal. */
export interface LabelBody {
  assetPattern: string;
  fromMs: number;
  toMs: number;
  kind: 'normal' | 'not_normal';
  reason: string;
  createdBy?: string;
}

export interface SilenceView {
  id?: string;
  assetPattern: string;
  untilMs: number;
  reason: string;
  createdBy: string;
}

/** `GET /api/assets/:id/frames`: signals and the model's reconstruction (null where missing). */
export interface FramesView {
  /** False when the service does not provide frames. */
  available?: boolean;
  channels: string[];
  points: { atMs: number; values: (number | null)[]; reconstruction: (number | null)[] | null }[];
}

export interface LossPoint {
  epoch: number;
  trainLoss: number;
  validationLoss: number | null;
}

/** A step in the life of a model's versions (detector/sinks/records.ts ModelEventRecord). */
export interface ModelEventView {
  atMs: number;
  model: string;
  event: string;
  version?: string;
  previousVersion?: string;
  reason?: string;
  details?: Record<string, unknown>;
}

export type RetrainOutcome = 'promoted' | 'awaiting_approval' | 'shadow' | 'refused' | 'skipped' | 'failed';

/** Where a model's retraining stands, as the service reports it. */
export interface RetrainingView {
  enabled: boolean;
  schedule: string | null;
  nextRunAtMs: number | null;
  running: boolean;
  lastRun: {
    atMs: number;
    outcome: RetrainOutcome;
    reason: string;
    durationMs: number;
    candidateVersion?: string;
  } | null;
  pendingApproval: { version: string; atMs: number; reasons: string[] } | null;
  shadow: {
    version: string;
    startedAtMs: number;
    endsAtMs: number;
    candidateAlerts: number;
    currentAlerts: number;
  } | null;
}

/** `GET /api/models` items: the artifact manifest of the current model plus what the service knows. */
export interface ModelView {
  version?: string;
  /** Name of the model (asset group). */
  name?: string;
  group?: string;
  createdAt?: string | null;
  channels?: string[];
  dims?: { C: number; T: number; H: number };
  threshold?: number | null;
  calibration?: { type: string; value: number; n?: number } | null;
  training?: {
    dataRange: { startMs: number; endMs: number } | null;
    windows: number;
    epochs: number;
    bestEpoch: number;
    lossCurve: LossPoint[];
  } | null;
  /** Set when the group's channels differ from its current model's: why, and what to do. */
  needsNewModel?: string | null;
  retraining?: RetrainingView | null;
  /** Newest first. */
  retrainHistory?: ModelEventView[];
}

export type LiveMessage =
  | { type: 'score'; data: ScorePoint }
  | { type: 'alert'; data: AlertEventView }
  | { type: 'status'; data: StatusUpdate | AssetSnapshot }
  | { type: 'model'; data: ModelView };
