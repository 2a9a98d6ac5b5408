// The model-kind contract: what the rest of gruwatch may ask of a type of model (train one, read
// one back as a window reconstructor, say whether a stored one can seed the next training). Types
// only (and the lookup by name), so model/ implements it and detector/ and bin/ use it without
// importing each other.
import { PipelineError } from './errors.js';

/** An artifact as the registry stores it: manifest JSON plus little-endian float32 weights. */
export interface ModelArtifactBytes {
  manifestJson: string;
  weightsBytes: Uint8Array;
}

/** The per-channel scaling a model applies to raw windows before reconstructing them. */
export interface ChannelScaling {
  center: number[];
  scale: number[];
}

/** What every kind's manifest holds, whatever else it adds. */
export interface StoredManifest {
  /** Absent in artifacts written before kinds existed: those are the GRU autoencoder's. */
  kind?: string | undefined;
  /** Channels and window length; `H` is the GRU's hidden size, absent where a kind has none. */
  dims: { C: number; T: number; H?: number | undefined };
  channels: string[];
  window: { lengthSteps: number; hopSteps: number };
  normalizer: ChannelScaling;
  /** Opaque to the model: threshold calibration written by the detector. */
  calibration: unknown;
}

/** A decoded artifact: its manifest and its weights. */
export interface StoredModel {
  manifest: StoredManifest;
  params: Float32Array;
}

/** A window (T, C) in sensor units in, residuals x − reconstruction in the model's normalized units out. */
export interface WindowReconstructor {
  /** The arrays are overwritten by the next call; the first T·C entries belong to this window. */
  reconstruct(values: Float32Array): { reconstruction: Float32Array; residuals: Float32Array };
}

export interface TrainingLossPoint {
  epoch: number;
  trainLoss: number;
  validationLoss: number | null;
}

export interface TrainingProgress extends TrainingLossPoint {
  epochs: number;
  bestEpoch: number;
  windowsPerSecond: number;
}

export interface TrainingSummary {
  lossCurve: TrainingLossPoint[];
  bestEpoch: number;
  bestLoss: number;
  epochsRun: number;
  seed: number;
}

export interface ModelTrainingInput {
  /** The training part's rows (N, C) in sensor units, NaN where missing: the normalizer is fitted on them. */
  rows: Float32Array;
  /** Complete training windows (N, T, C) in sensor units; the kind may normalize them in place or hand the buffer to a worker. */
  windows: Float32Array;
  channels: readonly string[];
  T: number;
  /** A stored model `canWarmStart` accepted: its weights replace the fresh initialisation. */
  warmStart?: StoredModel;
  /** Train off the calling thread where the kind can (a running service keeps scoring). */
  isInWorker: boolean;
  onProgress?: (progress: TrainingProgress) => void;
}

/** Everything the manifest records besides what the kind itself writes. */
export interface ArtifactRecord {
  channels: string[];
  hopSteps: number;
  calibration: unknown;
  training: {
    dataRange: { startMs: number; endMs: number } | null;
    windows: number;
    epochs: number;
    bestEpoch: number;
    lossCurve: TrainingLossPoint[];
    seed: number;
    calibrationWindows: number;
    excluded: { windows: number; rows: Record<string, number> };
    durationMs: number;
    warmStartFrom: string | null;
  };
  gruwatchVersion: string;
  createdAt: string;
}

export interface TrainedModel {
  normalizer: ChannelScaling;
  summary: TrainingSummary;
  reconstructor: WindowReconstructor;
  encode(record: ArtifactRecord): ModelArtifactBytes;
}

/**
 * A type of model. `train` fits one on curated windows; `createReconstructor` serves a stored one
 * (the registry has checked the envelope; the kind checks its own fields and throws
 * MODEL_ARTIFACT_INCOMPATIBLE when they do not fit); `canWarmStart` says whether a stored model's
 * weights can seed the next training as the kind is configured now.
 */
export interface ModelKind {
  readonly kind: string;
  train(input: ModelTrainingInput): Promise<TrainedModel>;
  createReconstructor(model: StoredModel): WindowReconstructor;
  canWarmStart(current: StoredModel, channels: readonly string[]): boolean;
  /** One line for logs and the CLI: the kind and its sizes. */
  describe(manifest: StoredManifest): string;
}

export const defaultModelKindName = 'gru-autoencoder';

/** The kind a stored model was written by, among those the process knows. */
export function modelKindOf(kinds: readonly ModelKind[], manifest: Pick<StoredManifest, 'kind'>): ModelKind {
  const name = manifest.kind ?? defaultModelKindName;
  const found = kinds.find((k) => k.kind === name);
  if (found === undefined)
    throw new PipelineError(
      'MODEL_ARTIFACT_INCOMPATIBLE',
      `the artifact is of model kind "${name}", which this gruwatch does not know (it knows ${kinds.map((k) => k.kind).join(', ')}); retrain it or use the gruwatch that wrote it`,
      { details: { field: 'kind', found: name } },
    );
  return found;
}
