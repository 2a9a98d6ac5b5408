// Model artifact ⇄ bytes: a JSON manifest (format version, dims, channels, window, normalizer,
// threshold calibration, training metadata, weight layout and SHA-256) plus little-endian float32
// weights. No file system here: model/node/artifact-files.ts writes and reads the directory.
import { z } from 'zod';
import { PipelineError } from '../core/errors.js';
import { defaultModelKindName } from '../core/model-kind.js';
import type { Autoencoder } from './autoencoder.js';
import { paramCount, paramLayout } from './params.js';
import { sha256Hex } from './sha256.js';

export const artifactFormat = 'gruwatch-model';
export const artifactFormatVersion = 1;

const lossPointSchema = z.strictObject({
  epoch: z.number().int().min(1),
  trainLoss: z.number(),
  validationLoss: z.number().nullable(),
});

export const manifestSchema = z.strictObject({
  format: z.literal(artifactFormat),
  formatVersion: z.literal(artifactFormatVersion),
  /** The model kind that wrote the artifact; absent in artifacts older than kinds: the GRU autoencoder. */
  kind: z.string().min(1).optional(),
  gruwatchVersion: z.string().min(1),
  createdAt: z.string().nullable(),
  dims: z.strictObject({
    C: z.number().int().min(1),
    T: z.number().int().min(1),
    /** The GRU's hidden size; other kinds may have none. */
    H: z.number().int().min(1).optional(),
  }),
  decoderFeeding: z.enum(['teacher-forcing', 'latent-only']).optional(),
  channels: z.array(z.string().min(1)).min(1),
  window: z.strictObject({ lengthSteps: z.number().int().min(1), hopSteps: z.number().int().min(1) }),
  normalizer: z.strictObject({ center: z.array(z.number()), scale: z.array(z.number().positive()) }),
  /** Opaque to the model: threshold calibration written by the detector. */
  calibration: z.json().nullable(),
  training: z
    .strictObject({
      dataRange: z.strictObject({ startMs: z.number(), endMs: z.number() }).nullable(),
      windows: z.number().int().min(0),
      epochs: z.number().int().min(0),
      bestEpoch: z.number().int().min(0),
      lossCurve: z.array(lossPointSchema),
      seed: z.number().int(),
      // Added with retraining; artifacts written before them still load.
      calibrationWindows: z.number().int().min(0).optional(),
      excluded: z
        .strictObject({
          windows: z.number().int().min(0),
          rows: z.record(z.string(), z.number().int().min(0)),
        })
        .optional(),
      durationMs: z.number().min(0).optional(),
      warmStartFrom: z.string().nullable().optional(),
    })
    .nullable(),
  weights: z.strictObject({
    file: z.literal('weights.f32'),
    dtype: z.literal('float32-le'),
    count: z.number().int().min(1),
    byteLength: z.number().int().min(4),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    tensors: z.array(z.strictObject({ name: z.string(), shape: z.array(z.number().int()) })),
  }),
});

export type ArtifactManifest = z.infer<typeof manifestSchema>;

/** What the caller adds to the weights to make a manifest. */
export interface ManifestFields {
  channels: string[];
  hopSteps: number;
  normalizer: { center: number[]; scale: number[] };
  calibration?: z.core.util.JSONType | null;
  training?: ArtifactManifest['training'];
  gruwatchVersion: string;
  createdAt?: string | null;
}

export interface ArtifactBytes {
  manifestJson: string;
  weightsBytes: Uint8Array;
}

const HINT_RESTORE = 'restore the artifact from a good copy or retrain';

function invalid(message: string, details: Record<string, unknown> = {}): never {
  throw new PipelineError('MODEL_ARTIFACT_INVALID', message, { details });
}

function incompatible(message: string, details: Record<string, unknown> = {}): never {
  throw new PipelineError('MODEL_ARTIFACT_INCOMPATIBLE', message, { details });
}

/** A kind's weights and the manifest fields only it knows; `tensors` list `params` in order. */
export interface KindWeights {
  kind: string;
  dims: { C: number; T: number; H?: number };
  decoderFeeding?: ArtifactManifest['decoderFeeding'];
  params: Float32Array;
  tensors: { name: string; shape: number[] }[];
}

/** Bytes of an artifact of any kind. */
export function encodeKindArtifact(weights: KindWeights, fields: ManifestFields): ArtifactBytes {
  const count = weights.params.length;
  const weightsBytes = new Uint8Array(count * 4);
  const view = new DataView(weightsBytes.buffer);
  for (let i = 0; i < count; i++) view.setFloat32(i * 4, weights.params[i], true);
  const manifest: ArtifactManifest = {
    format: artifactFormat,
    formatVersion: artifactFormatVersion,
    kind: weights.kind,
    gruwatchVersion: fields.gruwatchVersion,
    createdAt: fields.createdAt ?? null,
    dims: { ...weights.dims },
    ...(weights.decoderFeeding === undefined ? {} : { decoderFeeding: weights.decoderFeeding }),
    channels: [...fields.channels],
    window: { lengthSteps: weights.dims.T, hopSteps: fields.hopSteps },
    normalizer: { center: [...fields.normalizer.center], scale: [...fields.normalizer.scale] },
    calibration: fields.calibration ?? null,
    training: fields.training ?? null,
    weights: {
      file: 'weights.f32',
      dtype: 'float32-le',
      count,
      byteLength: weightsBytes.length,
      sha256: sha256Hex(weightsBytes),
      tensors: weights.tensors.map((t) => ({ name: t.name, shape: [...t.shape] })),
    },
  };
  // Validate what we write with the same schema that reads it.
  checkManifest(manifest);
  return { manifestJson: `${JSON.stringify(manifest, null, 2)}\n`, weightsBytes };
}

export function encodeArtifact(model: Autoencoder, fields: ManifestFields): ArtifactBytes {
  const { dims } = model;
  return encodeKindArtifact(
    {
      kind: defaultModelKindName,
      dims: { C: dims.C, T: dims.T, H: dims.H },
      decoderFeeding: model.feeding,
      params: model.params.subarray(0, paramCount(dims)),
      tensors: paramLayout(dims).map((s) => ({ name: s.name, shape: s.shape })),
    },
    fields,
  );
}

export interface DecodeExpectations {
  /** Channel names the running configuration lists, in order. */
  channels?: string[];
}

/** An artifact of any kind: its manifest and weights. */
export interface DecodedArtifact {
  manifest: ArtifactManifest;
  params: Float32Array;
}

export const isGruManifest = (m: { kind?: string | undefined }): boolean =>
  (m.kind ?? defaultModelKindName) === defaultModelKindName;

/** A GRU autoencoder artifact, refused with MODEL_ARTIFACT_INCOMPATIBLE when another kind wrote it. */
export function decodeArtifact(
  bytes: ArtifactBytes,
  expect: DecodeExpectations = {},
): DecodedArtifact & { model: Autoencoder } {
  const decoded = decodeKindArtifact(bytes, expect);
  return { ...decoded, model: autoencoderOf(decoded) };
}

/** The autoencoder a decoded GRU artifact holds. */
export function autoencoderOf({ manifest, params }: DecodedArtifact): Autoencoder {
  if (!isGruManifest(manifest))
    incompatible(
      `the artifact is of model kind "${manifest.kind}", not a GRU autoencoder; serve it with its own kind`,
      { field: 'kind', found: manifest.kind },
    );
  const { C, T, H } = manifest.dims;
  return { dims: { C, T, H: H! }, feeding: manifest.decoderFeeding!, params };
}

/**
 * Any kind's artifact: the envelope (format, schema, per-channel lists, weight count, checksum,
 * finite weights, channels) and, for the GRU autoencoder, its dims and tensor layout.
 */
export function decodeKindArtifact(bytes: ArtifactBytes, expect: DecodeExpectations = {}): DecodedArtifact {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.manifestJson);
  } catch (err) {
    invalid(`manifest.json is not valid JSON (${(err as Error).message}); ${HINT_RESTORE}`, {
      field: 'manifest.json',
    });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    invalid(`manifest.json must hold a JSON object; ${HINT_RESTORE}`);
  const head = raw as Record<string, unknown>;
  if (head.format !== artifactFormat) {
    incompatible(
      `manifest.json format is ${JSON.stringify(head.format)}, expected "${artifactFormat}"; this is not a gruwatch model artifact`,
      {
        field: 'format',
      },
    );
  }
  if (head.formatVersion !== artifactFormatVersion) {
    incompatible(
      `artifact format version ${JSON.stringify(head.formatVersion)} cannot be read by this gruwatch (reads version ${artifactFormatVersion}); use the gruwatch version that wrote it or retrain`,
      { field: 'formatVersion', found: head.formatVersion },
    );
  }
  const manifest = checkManifest(raw);
  const expected = manifest.weights.count;
  if (bytes.weightsBytes.length !== manifest.weights.byteLength) {
    invalid(
      `weights.f32 has ${bytes.weightsBytes.length} bytes but the manifest expects ${manifest.weights.byteLength}; the file is truncated or from another artifact, ${HINT_RESTORE}`,
      {
        field: 'weights.byteLength',
        found: bytes.weightsBytes.length,
        expected: manifest.weights.byteLength,
      },
    );
  }
  const digest = sha256Hex(bytes.weightsBytes);
  if (digest !== manifest.weights.sha256) {
    invalid(
      `weights.f32 fails its SHA-256 check (manifest ${manifest.weights.sha256}, file ${digest}); the weights are corrupted, ${HINT_RESTORE}`,
      {
        field: 'weights.sha256',
      },
    );
  }
  const params = new Float32Array(expected);
  const view = new DataView(
    bytes.weightsBytes.buffer,
    bytes.weightsBytes.byteOffset,
    bytes.weightsBytes.byteLength,
  );
  for (let i = 0; i < expected; i++) {
    const v = view.getFloat32(i * 4, true);
    if (!Number.isFinite(v))
      invalid(`weights.f32 holds a non-finite value at index ${i}; ${HINT_RESTORE}`, {
        field: 'weights',
        index: i,
      });
    params[i] = v;
  }
  if (expect.channels !== undefined) {
    const same =
      expect.channels.length === manifest.channels.length &&
      expect.channels.every((c, i) => c === manifest.channels[i]);
    if (!same) {
      incompatible(
        `artifact was trained for channels [${manifest.channels.join(', ')}] but the configuration lists [${expect.channels.join(', ')}]; retrain for these channels or restore the channel list in the same order`,
        { field: 'channels', artifact: manifest.channels, configured: expect.channels },
      );
    }
  }
  return { manifest, params };
}

/** Schema plus the cross-field rules: every per-channel list has C entries, weights match dims. */
function checkManifest(raw: unknown): ArtifactManifest {
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.join('.') || '(root)';
    invalid(`manifest.json field ${path} is invalid: ${issue.message}; ${HINT_RESTORE}`, { field: path });
  }
  const m = parsed.data;
  const { C, T } = m.dims;
  const perChannel: Array<[string, number]> = [
    ['channels', m.channels.length],
    ['normalizer.center', m.normalizer.center.length],
    ['normalizer.scale', m.normalizer.scale.length],
  ];
  for (const [field, n] of perChannel) {
    if (n !== C)
      invalid(`manifest.json ${field} has ${n} entries but dims.C is ${C}; ${HINT_RESTORE}`, {
        field,
        found: n,
        C,
      });
  }
  if (new Set(m.channels).size !== m.channels.length)
    invalid(`manifest.json channels contains a duplicate name; ${HINT_RESTORE}`, { field: 'channels' });
  if (m.window.lengthSteps !== T)
    invalid(
      `manifest.json window.lengthSteps ${m.window.lengthSteps} differs from dims.T ${T}; ${HINT_RESTORE}`,
      { field: 'window.lengthSteps' },
    );
  if (isGruManifest(m)) checkGruManifest(m);
  else {
    const count = m.weights.tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
    if (m.weights.count !== count || m.weights.byteLength !== count * 4)
      invalid(
        `manifest.json weights.count ${m.weights.count} (byteLength ${m.weights.byteLength}) does not fit weights.tensors, which hold ${count} float32 values; ${HINT_RESTORE}`,
        { field: 'weights.count', found: m.weights.count, expected: count },
      );
  }
  return m;
}

/** The GRU autoencoder's own fields: hidden size, decoder feeding, and its tensor layout. */
function checkGruManifest(m: ArtifactManifest): void {
  const { C, T, H } = m.dims;
  if (H === undefined || m.decoderFeeding === undefined)
    invalid(`manifest.json of a GRU autoencoder needs dims.H and decoderFeeding; ${HINT_RESTORE}`, {
      field: H === undefined ? 'dims.H' : 'decoderFeeding',
    });
  const dims = { C, T, H };
  const count = paramCount(dims);
  if (m.weights.count !== count || m.weights.byteLength !== count * 4) {
    invalid(
      `manifest.json weights.count ${m.weights.count} (byteLength ${m.weights.byteLength}) does not fit dims C=${C} T=${T} H=${m.dims.H}, which need ${count} float32 values; ${HINT_RESTORE}`,
      { field: 'weights.count', found: m.weights.count, expected: count },
    );
  }
  const layout = paramLayout(dims);
  const sameLayout =
    layout.length === m.weights.tensors.length &&
    layout.every(
      (s, i) =>
        s.name === m.weights.tensors[i].name && s.shape.join('x') === m.weights.tensors[i].shape.join('x'),
    );
  if (!sameLayout)
    incompatible(
      'manifest.json weights.tensors lists another tensor layout than this gruwatch uses; retrain with this version',
      { field: 'weights.tensors' },
    );
}
